"""The SMTP connection SmtpSender talks through: smtplib's, with a cheaper DATA."""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


class Session(smtplib.SMTP):
    """smtplib.SMTP with the same DATA on the wire, dot-stuffed by bytes.replace.

    smtplib doubles a line's leading period with a multi-line regex that tries every
    position of the message: ~0.14 ms for a 32 kB edition, a third of its RSA-2048
    signature and as much as the rest of the SMTP exchange. bytes.replace gives the
    same bytes in microseconds.
    """

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        """SMTP DATA, as smtplib's: periods doubled, CRLF.CRLF at the end."""
        if not isinstance(msg, bytes):
            return super().data(msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        stuffed = msg.replace(b"\n.", b"\n..")
        if stuffed.startswith(b"."):
            stuffed = b"." + stuffed
        self.send(stuffed + (b".\r\n" if stuffed.endswith(b"\r\n") else b"\r\n.\r\n"))
        return self.getreply()


class SslSession(smtplib.SMTP_SSL, Session):
    """smtplib.SMTP_SSL with Session's DATA."""

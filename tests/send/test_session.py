"""The SMTP session's own DATA puts on the wire exactly what smtplib's would."""

from __future__ import annotations

import smtplib

import pytest

from digest.models import Message
from digest.send._send import SmtpSender
from tests.smtp_helpers import SmtpSink

BODIES = [
    b"Subject: a\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\n. dot space\r\n",
    b".Subject: the message itself starts with a dot\r\n\r\nbody\r\n",
    b"Subject: b\r\n\r\nno line end at the very end",
    b"Subject: c\r\n\r\na lone LF\n.after it\rand a lone CR\r.after that\r\n",
    b"Subject: d\r\n\r\n" + b"line\r\n.dotted line\r\n" * 2000,
]


@pytest.mark.parametrize("data", BODIES, ids=range(len(BODIES)))
def test_data_arrives_as_smtplib_would_send_it(smtp_server: SmtpSink, data: bytes) -> None:
    message = Message("digest@example.org", "reader@example.org", "s", "<m@example.org>", data)
    with SmtpSender(smtp_server.settings()) as sender:
        sender.send(message)
    stock = smtplib.SMTP(smtp_server.host, smtp_server.port)
    try:
        stock.sendmail(message.sender, [message.to], data)
    finally:
        stock.quit()

    ours, theirs = smtp_server.messages
    assert ours.data == theirs.data
    if b"\n" not in data.replace(b"\r\n", b""):  # aiosmtpd un-stuffs CRLF lines only
        assert ours.data.rstrip(b"\r\n") == data.rstrip(b"\r\n")

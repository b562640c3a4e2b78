"""MIME encoding for rendered editions: headers, quoted-printable bodies, recipient slots.

render() builds the parts every recipient shares once (fixed_headers, skeleton);
personalize() then encodes only the recipient's few values and joins bytes.
"""

from __future__ import annotations

import binascii
import contextlib
import dataclasses
import hashlib
import re
from email.header import Header
from email.policy import SMTP
from email.utils import parseaddr

from ..config import Settings
from ..errors import RenderError
from ..models import Edition, RenderedEdition

SLOTS = ("greeting", "name", "email", "unsubscribe_url")
"""Recipient values that personalize() fills in, each written as ``__digest_<slot>__``."""
# Tokens are letters and underscores only, so Jinja escaping, lxml's URI escaping of
# href values and quoted-printable encoding all leave them intact.
TOKEN_RE = re.compile(r"__digest_(" + "|".join(SLOTS) + r")__")
SOFT_BREAK = b"=\r\n"


def token(slot: str) -> str:
    """The placeholder that stands for one recipient value until personalize()."""
    return f"__digest_{slot}__"


def fixed_headers(
    edition: Edition, settings: Settings, subject: str
) -> tuple[str, str, str, bytes]:
    """Sender address, List-Id, unsubscribe mailto and the headers every recipient shares."""
    sender_name, sender = parseaddr(settings.sender)
    local, at, domain = sender.rpartition("@")
    if not at or not local or not domain:
        raise RenderError(
            f"settings: sender {settings.sender!r} has no email address",
            hint='set sender = "Name <digest@example.org>" in the config',
        )
    list_id = f"{edition.list_name}.{domain}"
    head = [
        b"From: " + address_header("From", sender_name, sender),
        subject_header(subject),
    ]
    if settings.reply_to:
        head.append(b"Reply-To: " + address_header("Reply-To", *parseaddr(settings.reply_to)))
    head.append(b"List-Id: " + address_header("List-Id", edition.title, list_id))
    head.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    head.append(b"MIME-Version: 1.0")
    mailto = f"mailto:{local}+unsubscribe@{domain}?subject=unsubscribe"
    return sender, list_id, mailto, b"".join(line + b"\r\n" for line in head)


def qp(text: str) -> bytes:
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")


def skeleton(text: str, page: str) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """Encode the multipart body once, split where recipient values go."""
    digest = hashlib.sha256((text + page).encode("utf-8")).hexdigest()[:24]
    # "=" is always escaped in quoted-printable, so no encoded line can look like this.
    boundary = f"==digest_{digest}=="
    pieces: list[bytes] = [
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode("ascii")
    ]
    slots: list[str] = []
    for fmt, body in (("text", text), ("html", page)):
        subtype = "plain" if fmt == "text" else "html"
        pieces[-1] += (
            f"--{boundary}\r\n"
            f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode("ascii")
        encode_with_slots(fmt, body, pieces, slots)
        pieces[-1] += b"\r\n"
    pieces[-1] += f"--{boundary}--\r\n".encode("ascii")
    return tuple(pieces), tuple(slots)


def encode_with_slots(fmt: str, body: str, pieces: list[bytes], slots: list[str]) -> None:
    """Append body quoted-printable to pieces[-1], starting a new piece at each slot.

    Each slot found is added to slots as ``<fmt>:<slot>``; personalize() fills it in
    between the piece before it and the piece after.
    """
    parts = TOKEN_RE.split(body)
    for index, part in enumerate(parts):
        if index % 2:
            slots.append(f"{fmt}:{part}")
            pieces.append(b"")
            continue
        encoded = qp(part)
        # A soft break before each slot starts the value on a fresh encoded line.
        if index + 1 < len(parts) and encoded and not encoded.endswith(b"\n"):
            encoded += SOFT_BREAK
        pieces[-1] += encoded


def subject_header(subject: str) -> bytes:
    """Subject folded at spaces; RFC 2047 encoded as a whole when not ASCII."""
    if subject.isascii():
        folded: str = SMTP.fold("Subject", subject)
        return folded.removesuffix("\r\n").encode("ascii")
    # email.policy's folder drops the space after a colon between encoded words.
    encoded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
    return f"Subject: {encoded}".encode("ascii")


def address_header(header: str, name: str, address: str) -> bytes:
    """An address header value: RFC 2047 name when non-ASCII; IDNA domain; UTF-8 local part."""
    local, at, domain = address.rpartition("@")
    if not domain.isascii():
        with contextlib.suppress(UnicodeError):  # left as UTF-8 for an SMTPUTF8 server
            domain = domain.encode("idna").decode("ascii")
    address = f"{local}{at}{domain}"
    name = " ".join(name.split())
    if not name:
        return address.encode("utf-8")
    if name.isascii():
        if re.search(r'[][\\()<>@,:;".]', name):
            name = '"' + re.sub(r'(["\\])', r"\\\1", name) + '"'
        return f"{name} <{address}>".encode()
    encoded = Header(name, "utf-8", header_name=header).encode(linesep="\r\n")
    return f"{encoded} <{address}>".encode()


_TEXT_HEAD = (
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)


def text_only(rendered: RenderedEdition) -> RenderedEdition:
    """The same edition as a plain-text message, without the HTML alternative."""
    pieces = [_TEXT_HEAD]
    slots: list[str] = []
    encode_with_slots("text", rendered.text, pieces, slots)
    return dataclasses.replace(rendered, html="", mime_body=tuple(pieces), mime_slots=tuple(slots))

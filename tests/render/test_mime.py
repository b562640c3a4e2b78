"""The MIME skeleton: encoded once per edition, split where each recipient's values go."""

from __future__ import annotations

import email
from email import policy

from digest.render._mime import (
    SOFT_BREAK,
    address_header,
    encode_with_slots,
    qp,
    skeleton,
    subject_header,
    token,
)


def test_the_skeleton_splits_both_parts_at_each_slot():
    text = f"Hi {token('name')},\nbye {token('email')}"
    page = f"<p>{token('greeting')}</p>"

    pieces, slots = skeleton(text, page)

    assert slots == ("text:name", "text:email", "html:greeting")
    assert len(pieces) == len(slots) + 1
    values = {"text:name": b"Ada", "text:email": b"ada@example.org", "html:greeting": b"Hi Ada,"}
    body = pieces[0] + b"".join(values[s] + p for s, p in zip(slots, pieces[1:], strict=True))
    message = email.message_from_bytes(b"MIME-Version: 1.0\r\n" + body, policy=policy.default)
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().splitlines() == ["Hi Ada,", "bye ada@example.org"]
    assert html.get_content().strip() == "<p>Hi Ada,</p>"


def test_a_value_starts_on_a_fresh_encoded_line():
    pieces: list[bytes] = [b""]
    slots: list[str] = []

    encode_with_slots("text", "x" * 10 + token("name"), pieces, slots)

    assert pieces[0].endswith(SOFT_BREAK) and slots == ["text:name"]


def test_quoted_printable_keeps_crlf_and_escapes_equals():
    assert qp("a=b\nc") == b"a=3Db\r\nc"
    assert qp("caf\u00e9") == b"caf=C3=A9"


def test_address_headers_encode_names_and_domains():
    assert address_header("To", "", "ada@example.org") == b"ada@example.org"
    assert address_header("To", "Ada Lovelace", "ada@example.org") == (
        b"Ada Lovelace <ada@example.org>"
    )
    assert address_header("To", 'Lovelace, "Ada"', "a@example.org") == (
        b'"Lovelace, \\"Ada\\"" <a@example.org>'
    )
    assert address_header("To", "Cem \u00c7elik", "cem@b\u00fccher.example") == (
        b"=?utf-8?q?Cem_=C3=87elik?= <cem@xn--bcher-kva.example>"
    )


def test_subject_header_is_folded_and_encoded_when_not_ascii():
    assert subject_header("Short news") == b"Subject: Short news"
    encoded = subject_header("Caf\u00e9 opens")
    assert encoded.startswith(b"Subject: =?utf-8?")
    parsed = email.message_from_bytes(encoded + b"\r\n\r\n", policy=policy.default)
    assert parsed["Subject"] == "Caf\u00e9 opens"

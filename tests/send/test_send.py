"""Delivery against a real aiosmtpd server and a real Maildir on disk."""

from __future__ import annotations

import mailbox
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import SecretStr

from digest.config._settings import OutboxSettings, SmtpSettings
from digest.errors import DeliveryError, SmtpAuthError
from digest.models import Message
from digest.send._send import (
    OutboxSender,
    PooledSender,
    Sender,
    SmtpSender,
    open_sender,
    send_all,
)
from tests.smtp_helpers import (
    Certificate,
    Command,
    SmtpSink,
    free_port,
    make_certificate,
)


def make_message(n: int = 1, to: str | None = None) -> Message:
    """A small complete RFC 5322 message with CRLF line ends (and a line starting with '.')."""
    to = to or f"reader{n}@example.org"
    message_id = f"<edition-{n}@digest.example.org>"
    lines = [
        "From: Morning Briefing <digest@example.org>",
        f"To: {to}",
        f"Subject: Briefing {n}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        f"Key point {n}.",
        ".a line that starts with a dot",
        "",
    ]
    data = "\r\n".join(lines).encode()
    return Message("digest@example.org", to, f"Briefing {n}", message_id, data)


def quick(settings: SmtpSettings, *, attempts: int = 3) -> SmtpSender:
    """An SmtpSender with tiny retry delays."""
    return SmtpSender(settings, attempts=attempts, backoff=0.01)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


# outbox


def test_outbox_writes_messages_a_maildir_reader_can_read(tmp_path: Path) -> None:
    path = tmp_path / "outbox"
    messages = [make_message(n) for n in range(3)]
    with OutboxSender(path) as sender:
        for message in messages:
            sender.send(message)

    assert sorted(p.name for p in path.iterdir()) == ["cur", "new", "tmp"]
    stored = sorted(mailbox.Maildir(path, create=False).values(), key=lambda m: m["Subject"])
    assert [m["To"] for m in stored] == [m.to for m in messages]
    for message, read in zip(messages, stored, strict=True):
        assert read.as_bytes().replace(b"\r\n", b"\n") == message.data.replace(b"\r\n", b"\n")


def test_outbox_not_writable_names_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = blocker / "outbox"
    with pytest.raises(DeliveryError, match=f"outbox Maildir {path}") as info:
        OutboxSender(path).send(make_message())
    assert info.value.hint is not None and "[outbox] path" in info.value.hint
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_outbox_read_only_maildir_fails_per_message(tmp_path: Path) -> None:
    path = tmp_path / "outbox"
    mailbox.Maildir(path, create=True)
    (path / "tmp").chmod(0o500)
    try:
        with OutboxSender(path) as sender, pytest.raises(DeliveryError, match=str(path)):
            sender.send(make_message())
    finally:
        (path / "tmp").chmod(0o700)


def test_open_sender_picks_the_transport(tmp_path: Path, smtp_server: SmtpSink) -> None:
    outbox = OutboxSettings(path=tmp_path / "outbox")
    smtp = smtp_server.settings()
    sender: Sender
    with open_sender("outbox", smtp=smtp, outbox=outbox) as sender:
        assert isinstance(sender, OutboxSender)
        sender.send(make_message())
    with open_sender("smtp", smtp=smtp, outbox=outbox) as sender:
        assert isinstance(sender, PooledSender)
        sender.send(make_message())
    assert len(mailbox.Maildir(outbox.path)) == 1
    assert len(smtp_server.messages) == 1


# SMTP


def test_smtp_sends_many_messages_over_one_connection(smtp_server: SmtpSink) -> None:
    messages = [make_message(n) for n in range(5)]
    with SmtpSender(smtp_server.settings()) as sender:
        for message in messages:
            sender.send(message)

    assert smtp_server.connections == 1
    assert [(r.mail_from, r.rcpt_tos) for r in smtp_server.messages] == [
        (m.sender, [m.to]) for m in messages
    ]
    assert [r.data for r in smtp_server.messages] == [m.data for m in messages]


def test_smtp_permanent_refusal_is_final_and_the_next_message_goes(
    smtp_server: SmtpSink,
) -> None:
    smtp_server.reject("gone@example.org", "550 5.1.1 <gone@example.org>: no such user")
    with quick(smtp_server.settings()) as sender:
        with pytest.raises(DeliveryError) as info:
            sender.send(make_message(1, to="gone@example.org"))
        sender.send(make_message(2))

    error = info.value
    assert error.is_permanent
    assert str(error) == (
        f"the SMTP server 127.0.0.1:{smtp_server.port} refused recipient gone@example.org: "
        "550 5.1.1 <gone@example.org>: no such user"
    )
    assert [r.rcpt_tos for r in smtp_server.messages] == [["reader2@example.org"]]
    assert smtp_server.connections == 1


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("RCPT", "451 4.3.0 greylisted, try again later"),
        ("RCPT", "421 4.3.2 shutting down"),
        ("DATA", "452 4.3.1 insufficient storage"),
        ("MAIL", "421 4.7.0 too many connections"),
    ],
)
def test_smtp_transient_failure_is_retried_and_delivered_once(
    smtp_server: SmtpSink, command: Command, reply: str
) -> None:
    smtp_server.fail(command, reply)
    with quick(smtp_server.settings()) as sender:
        sender.send(make_message())
        sender.send(make_message(2))
    assert [r.rcpt_tos for r in smtp_server.messages] == [
        ["reader1@example.org"],
        ["reader2@example.org"],
    ]


def test_smtp_data_refusal_is_permanent(smtp_server: SmtpSink) -> None:
    smtp_server.fail("DATA", "554 5.7.1 message looks like spam")
    with quick(smtp_server.settings()) as sender, pytest.raises(DeliveryError) as info:
        sender.send(make_message())
    assert info.value.is_permanent
    assert str(info.value).endswith("to reader1@example.org: 554 5.7.1 message looks like spam")


def test_smtp_sender_refusal_is_not_blamed_on_the_recipient(smtp_server: SmtpSink) -> None:
    smtp_server.fail("MAIL", "553 5.7.1 sender not allowed")
    with quick(smtp_server.settings()) as sender:
        with pytest.raises(DeliveryError, match=r"refused sender digest@example\.org") as info:
            sender.send(make_message(1))
        sender.send(make_message(2))  # not retried: the next message takes the next MAIL
    assert not info.value.is_permanent
    assert [r.rcpt_tos for r in smtp_server.messages] == [["reader2@example.org"]]


def test_smtp_retry_warnings_do_not_name_the_recipient(
    smtp_server: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    smtp_server.fail("RCPT", "450 4.2.0 <reader1@example.org>: mailbox busy")
    with (
        caplog.at_level("INFO", logger="digest.send"),
        quick(smtp_server.settings()) as sender,
    ):
        sender.send(make_message())
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "<edition-1@digest.example.org> not sent yet" in warnings[0]
    assert "reader1@example.org" not in caplog.text
    assert len(smtp_server.messages) == 1


def test_smtp_non_ascii_addresses_and_8bit_body_arrive_intact(smtp_server: SmtpSink) -> None:
    plain = make_message(to="jörg@example.org")
    message = replace(plain, data=plain.data.replace(b"Key point", "Schlüssel".encode()))
    with SmtpSender(smtp_server.settings()) as sender:
        sender.send(message)
    assert smtp_server.messages == [(message.sender, ["jörg@example.org"], message.data)]


def test_smtp_timeout_is_retried_then_reported() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never greets
        port = silent.getsockname()[1]
        settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=0.2)
        pauses: list[float] = []
        with (
            SmtpSender(settings, attempts=2, backoff=0.01, sleep=pauses.append) as sender,
            pytest.raises(DeliveryError) as info,
        ):
            sender.send(make_message())
    assert str(info.value) == f"no answer from the SMTP server 127.0.0.1:{port} within 0.2 s"
    assert pauses == [0.01]


def test_smtp_tls_against_a_plain_server_is_a_tls_error(smtp_server: SmtpSink) -> None:
    with (
        quick(smtp_server.settings(security="tls")) as sender,
        pytest.raises(DeliveryError, match=r"TLS handshake .* failed") as info,
    ):
        sender.send(make_message())
    assert info.value.hint is not None and "[smtp] security" in info.value.hint
    assert smtp_server.connections == 0


def test_smtp_transient_failure_gives_up_after_the_attempts(smtp_server: SmtpSink) -> None:
    smtp_server.fail("RCPT", "451 4.3.0 try again later", times=3)
    pauses: list[float] = []
    with (
        SmtpSender(smtp_server.settings(), attempts=3, backoff=0.5, sleep=pauses.append) as sender,
        pytest.raises(DeliveryError, match=r"451 4\.3\.0 try again later") as info,
    ):
        sender.send(make_message())
    assert not info.value.is_permanent
    assert pauses == [0.5, 1.0]
    assert smtp_server.messages == []


def test_smtp_dropped_connection_reconnects_and_delivers_exactly_once(
    smtp_server: SmtpSink,
) -> None:
    with quick(smtp_server.settings()) as sender:
        sender.send(make_message(1))
        smtp_server.drop("DATA")
        sender.send(make_message(2))
        sender.send(make_message(3))
    assert [r.rcpt_tos[0] for r in smtp_server.messages] == [
        "reader1@example.org",
        "reader2@example.org",
        "reader3@example.org",
    ]
    assert smtp_server.connections == 2
    assert sender.connections == 2


def test_smtp_idle_connection_closed_by_server_is_reopened() -> None:
    with SmtpSink(idle_timeout=0.2) as sink, quick(sink.settings(), attempts=1) as sender:
        sender.send(make_message(1))
        time.sleep(0.5)
        sender.send(make_message(2))
    assert len(sink.messages) == 2
    assert sink.connections == 2


def test_smtp_connection_refused_names_host_and_port() -> None:
    port = free_port()
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=2)
    with quick(settings) as sender:
        with pytest.raises(DeliveryError) as info:
            sender.send(make_message())
        with pytest.raises(DeliveryError, match=f"127.0.0.1:{port}"):
            sender.send(make_message(2))  # fails at once: the server was unreachable
    assert str(info.value).startswith(f"cannot connect to the SMTP server 127.0.0.1:{port}: ")
    assert info.value.hint is not None and "[smtp] host/port" in info.value.hint
    assert isinstance(info.value.__cause__, ConnectionRefusedError)
    assert sender.connections == 0


@pytest.fixture
def auth_server() -> Iterator[SmtpSink]:
    with SmtpSink(users={"digest": "s3cret"}) as sink:
        yield sink


def test_smtp_login_with_the_right_password(auth_server: SmtpSink) -> None:
    settings = auth_server.settings(username="digest", password=SecretStr("s3cret"))
    with SmtpSender(settings) as sender:
        sender.send(make_message())
    assert auth_server.logins == ["digest"]
    assert len(auth_server.messages) == 1


def test_smtp_login_with_a_wrong_password(
    auth_server: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    settings = auth_server.settings(username="digest", password=SecretStr("wrong-pw"))
    with quick(settings) as sender, pytest.raises(SmtpAuthError) as info:
        sender.send(make_message())
    assert str(info.value).startswith(
        f"the SMTP server 127.0.0.1:{auth_server.port} refused the login for 'digest': 535"
    )
    assert "wrong-pw" not in str(info.value) and "wrong-pw" not in caplog.text
    assert auth_server.messages == []


def test_smtp_username_without_password(auth_server: SmtpSink) -> None:
    settings = auth_server.settings(username="digest")
    with quick(settings) as sender, pytest.raises(SmtpAuthError, match="no SMTP password"):
        sender.send(make_message())


def test_smtp_without_login_when_the_server_requires_it(auth_server: SmtpSink) -> None:
    with quick(auth_server.settings()) as sender, pytest.raises(DeliveryError, match="530"):
        sender.send(make_message())


def test_smtp_starttls(certificate: Certificate) -> None:
    with SmtpSink(security="starttls", certificate=certificate, users={"u": "p"}) as sink:
        settings = sink.settings(username="u", password=SecretStr("p"))
        with SmtpSender(settings, ssl_context=certificate.client_context()) as sender:
            sender.send(make_message(1))
            sender.send(make_message(2))
    assert [r.data for r in sink.messages] == [make_message(1).data, make_message(2).data]
    assert sink.connections == 1


def test_smtp_implicit_tls(certificate: Certificate) -> None:
    with (
        SmtpSink(security="tls", certificate=certificate) as sink,
        SmtpSender(sink.settings(), ssl_context=certificate.client_context()) as sender,
    ):
        sender.send(make_message())
    assert len(sink.messages) == 1


def test_smtp_untrusted_certificate_is_not_retried(certificate: Certificate) -> None:
    with (
        SmtpSink(security="starttls", certificate=certificate) as sink,
        quick(sink.settings()) as sender,
        pytest.raises(DeliveryError) as info,
    ):
        sender.send(make_message())
    assert "cannot verify the TLS certificate" in str(info.value)
    assert sink.messages == []


def test_smtp_starttls_not_offered(smtp_server: SmtpSink) -> None:
    with (
        quick(smtp_server.settings(security="starttls")) as sender,
        pytest.raises(DeliveryError, match="does not offer STARTTLS"),
    ):
        sender.send(make_message())


# connection pool


def test_send_all_gives_one_by_one_senders_the_same_interface(tmp_path: Path) -> None:
    messages = [make_message(n) for n in range(3)]
    with OutboxSender(tmp_path / "outbox") as sender:
        outcomes = list(send_all(sender, messages))
    assert outcomes == [(m, None) for m in messages]

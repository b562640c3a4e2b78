"""DKIM: messages are signed with the configured key, and dkimpy verifies the signature."""

from __future__ import annotations

import base64
import dataclasses
import mailbox
import re
import shutil
import subprocess
from pathlib import Path

import dkim
import pytest
from pydantic import SecretStr

from digest.config._load import load_settings
from digest.config._settings import DkimSettings
from digest.errors import ConfigError, DeliveryError
from digest.models import Message
from digest.send._dkim import DkimSigner
from digest.send._send import OutboxSender, PooledSender

from ..smtp_helpers import SmtpSink
from .test_send import make_message

MINIMAL = """
sender = "d@example.org"
[lists.daily]
title = "Daily"
[[lists.daily.sources]]
name = "notes"
type = "folder"
path = "notes"
"""


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """An RSA private key file and the DNS TXT record of its public half."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not found: cannot make a DKIM key")
    key = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    subprocess.run([openssl, "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        [openssl, "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def signer_for(key: Path) -> DkimSigner:
    pem = SecretStr(key.read_text())
    return DkimSigner(DkimSettings(selector="mail", domain="example.org", key=pem))


def verifies(data: bytes, record: bytes) -> bool:
    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"mail._domainkey.example.org."
        return record

    return bool(dkim.verify(data, dnsfunc=dns))


def with_list_headers(message: Message) -> Message:
    extra = (
        b"List-Unsubscribe: <https://x.example/u/t>\r\n"
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    )
    return dataclasses.replace(message, data=extra + message.data)


def test_signature_verifies_and_covers_the_unsubscribe_headers(
    key_pair: tuple[Path, bytes],
) -> None:
    key, record = key_pair
    message = with_list_headers(make_message())
    signed = signer_for(key)(message)

    assert signed.data.startswith(b"DKIM-Signature: ")
    assert signed.data.endswith(message.data)
    assert verifies(signed.data, record)
    header = signed.data[: len(signed.data) - len(message.data)].decode()
    covered = re.search(r"h=([^;]+);", header)
    assert covered is not None
    names = {name.strip() for name in covered.group(1).replace("\r\n", "").split(":")}
    assert {"from", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= names
    assert "d=example.org" in header and "s=mail" in header


def test_a_changed_header_breaks_the_signature(key_pair: tuple[Path, bytes]) -> None:
    key, record = key_pair
    signed = signer_for(key)(make_message())
    assert not verifies(signed.data.replace(b"Subject: Briefing 1", b"Subject: Briefing 2"), record)


def test_outbox_and_smtp_messages_are_signed(
    key_pair: tuple[Path, bytes], tmp_path: Path, smtp_server: SmtpSink
) -> None:
    key, record = key_pair
    sign = signer_for(key)
    with OutboxSender(tmp_path / "outbox", sign=sign) as outbox:
        outbox.send(make_message(1))
    with PooledSender(smtp_server.settings(), sign=sign) as pool:
        pool.send(make_message(2))
    (stored,) = mailbox.Maildir(tmp_path / "outbox").values()
    assert verifies(stored.as_bytes().replace(b"\n", b"\r\n"), record)
    assert verifies(smtp_server.messages[0].data, record)


def test_config_loads_the_key_relative_to_the_config(
    key_pair: tuple[Path, bytes], tmp_path: Path
) -> None:
    key, _ = key_pair
    shutil.copy(key, tmp_path / "dkim.pem")
    path = tmp_path / "digest.toml"
    path.write_text(
        MINIMAL + '[dkim]\nselector = "mail"\ndomain = "example.org"\nkey_file = "dkim.pem"\n'
    )
    settings = load_settings(path, environ={})
    assert settings.dkim is not None and settings.dkim.key is not None
    assert settings.dkim.key_file == tmp_path / "dkim.pem"
    assert "PRIVATE KEY" not in repr(settings)
    DkimSigner(settings.dkim)  # the key parses


@pytest.mark.parametrize(
    ("table", "environ", "message"),
    [
        ('key_file = "missing.pem"', {}, r"\[dkim\] key_file: cannot read .*missing\.pem"),
        ('key_env = "TEST_DKIM_KEY"', {}, r"\$TEST_DKIM_KEY, which is not set"),
        ('key_env = "TEST_DKIM_KEY"', {"TEST_DKIM_KEY": "secret"}, "holds no PEM private key"),
        ("", {}, "exactly one of key_file and key_env"),
        ('key_file = "a.pem"\nkey_env = "B"', {}, "exactly one of key_file and key_env"),
        ('key_fil = "a.pem"', {}, "did you mean 'key_file'"),
    ],
)
def test_dkim_config_mistakes(
    tmp_path: Path, table: str, environ: dict[str, str], message: str
) -> None:
    path = tmp_path / "digest.toml"
    path.write_text(MINIMAL + f'[dkim]\nselector = "mail"\ndomain = "example.org"\n{table}\n')
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ=environ)


def test_unparsable_key_is_a_config_error() -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"
    settings = DkimSettings.model_validate({"selector": "s", "domain": "example.org", "key": pem})
    with pytest.raises(ConfigError, match="the private key cannot be read"):
        DkimSigner(settings)


def test_a_personalized_edition_verifies_for_every_recipient(
    key_pair: tuple[Path, bytes],
) -> None:
    """Real mail from render: folded, non-ASCII headers, HTML and text parts, per reader."""
    from digest.models import Recipient
    from digest.render._render import personalize

    from ..render.test_render import NOW, UNICODE, _list, _settings, render

    key, record = key_pair
    sign = signer_for(key)
    lst = _list(title=UNICODE.title)
    rendered = render(UNICODE, _settings(lst), lst)
    hashes = set()
    for who in (Recipient("ada@example.org", "Ada Lovelace"), Recipient("zoe@example.org", "Zoë")):
        url = f"https://digest.example.org/u/{who.email}"
        message = personalize(rendered, who, unsubscribe_url=url, now=NOW)
        signed = sign(message)
        assert verifies(signed.data, record), who
        hashes.add(re.search(rb"bh=([^;]+);", signed.data).group(1))  # type: ignore[union-attr]
    assert len(hashes) == 2  # the body hash is of each reader's own bytes


@pytest.mark.parametrize(
    "body",
    [b"", b"no line end", b"two blank lines at the end\r\n\r\n\r\n", b"  spaced  \t out \r\n"],
)
def test_bodies_and_folded_headers_verify(key_pair: tuple[Path, bytes], body: bytes) -> None:
    key, record = key_pair
    head = (
        b"From: Morning Briefing <digest@example.org>\r\n"
        b"To: reader@example.org\r\n"
        b"Subject:  A subject that is folded\r\n\t  over two lines  \r\n"
        b"Subject: a second subject, below the first\r\n"
        b"List-Unsubscribe:   <https://x.example/u/t>\r\n"
        b"MIME-Version: 1.0\r\n"
    )
    message = dataclasses.replace(make_message(), data=head + b"\r\n" + body)
    signed = signer_for(key)(message)
    assert verifies(signed.data, record)
    assert not verifies(signed.data + b"tampered\r\n", record)
    assert all(len(line) <= 78 for line in signed.data[: -len(message.data)].split(b"\r\n"))


def test_dkimpy_and_digest_sign_the_same_bytes(key_pair: tuple[Path, bytes]) -> None:
    """Same key, same header list: the body hash and the signature equal dkimpy's."""
    key, _ = key_pair
    message = with_list_headers(make_message())
    ours = signer_for(key)(message).data
    theirs = dkim.sign(
        message.data,
        b"mail",
        b"example.org",
        key.read_bytes(),
        include_headers=[
            b"from",
            b"from",
            b"subject",
            b"to",
            b"date",
            b"message-id",
            b"reply-to",
            b"list-id",
            b"list-unsubscribe",
            b"list-unsubscribe-post",
            b"mime-version",
            b"content-type",
        ],
    )

    def tag(data: bytes, name: bytes) -> bytes:
        found = re.search(rb"[ ;]" + name + rb"=([^;]+)", data.replace(b"\r\n", b""))
        assert found is not None
        return found.group(1).replace(b" ", b"").replace(b"\t", b"")

    assert tag(ours, b"bh") == tag(theirs, b"bh")
    assert tag(ours, b"h") == tag(theirs, b"h")


def test_a_message_without_a_body_separator_is_a_permanent_failure(
    key_pair: tuple[Path, bytes],
) -> None:
    key, _ = key_pair
    message = dataclasses.replace(make_message(), data=b"From: a@example.org\r\n")
    with pytest.raises(DeliveryError, match="it has no blank line after its header") as caught:
        signer_for(key)(message)
    assert caught.value.is_permanent


def test_a_key_that_is_not_rsa_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    ed = ed25519.Ed25519PrivateKey.generate()
    pem = ed.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings = DkimSettings(selector="s", domain="example.org", key=SecretStr(pem))
    with pytest.raises(ConfigError, match="the private key is not an RSA key"):
        DkimSigner(settings)

"""DKIM signing of finished messages (dkimpy), once per message before the hand-off.

The signature covers From (twice, so no second From can be added), Subject, To, Date,
Message-ID, Reply-To, List-Id, List-Unsubscribe and List-Unsubscribe-Post (RFC 8058
requires those two to be signed), MIME-Version and Content-Type. Canonicalization is
relaxed for headers and simple for the body, dkimpy's default.

Cost: dkimpy does the RSA private-key operation in pure Python, about 10 ms for a
2048-bit key on one core, so signing, not SMTP, bounds a signed run's rate
(benchmarks/send.py measures it).
"""

from __future__ import annotations

import dataclasses
import logging

import dkim
from dkim import crypto

from ..config import DkimSettings
from ..errors import ConfigError, DeliveryError
from ..models import Message

log = logging.getLogger(__package__)

SIGNED_HEADERS: tuple[bytes, ...] = (
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
)
"""Header fields the signature covers; one that is absent is signed as absent."""


class DkimSigner:
    """Signs messages with one domain's DKIM key; thread-safe (it keeps no state)."""

    def __init__(self, settings: DkimSettings) -> None:
        if settings.key is None:
            raise ConfigError("[dkim] has no private key loaded", hint="set key_file or key_env")
        self.selector = settings.selector.encode("ascii")
        self.domain = settings.domain.encode("idna")
        self._key = settings.key.get_secret_value().encode("ascii")
        try:
            crypto.parse_pem_private_key(self._key)
        except crypto.UnparsableKeyError as exc:
            raise ConfigError(
                f"[dkim] the private key cannot be read: {exc}",
                hint="use an RSA key in PEM form, e.g. from `openssl genrsa -out dkim.pem 2048`",
            ) from exc

    def __call__(self, message: Message) -> Message:
        """The message with a DKIM-Signature header field on top."""
        try:
            header = dkim.sign(
                message.data,
                self.selector,
                self.domain,
                self._key,
                include_headers=list(SIGNED_HEADERS),
            )
        except dkim.DKIMException as exc:
            raise DeliveryError(
                f"cannot DKIM-sign {message.message_id}: {exc}", is_permanent=True
            ) from exc
        if not isinstance(header, bytes):
            raise DeliveryError(f"dkimpy returned no signature for {message.message_id}")
        return dataclasses.replace(message, data=header + message.data)

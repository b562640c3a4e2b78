"""Unsubscribe tokens: an HMAC of list and address, so nobody can unsubscribe another.

A token is ``base64url(list NUL address) "." base64url(hmac_sha256(key, list NUL address))``,
truncated to 128 bits of MAC: short enough for a URL, far too long to guess.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Protocol
from urllib.parse import quote

from ..config import Settings

_MAC_BYTES = 16


class SecretKeeper(Protocol):
    """Where a random secret is kept once made (the state store)."""

    def secret(self, name: str) -> bytes:
        """The secret of this name, made on first use."""
        ...


def signing_key(settings: Settings, keeper: SecretKeeper) -> bytes:
    """The HMAC key of unsubscribe links: from the environment, else kept in the state."""
    if settings.unsubscribe_key is not None:
        return settings.unsubscribe_key.get_secret_value().encode()
    return keeper.secret("unsubscribe")


def make_token(key: bytes, list_name: str, email: str) -> str:
    """A token that proves the holder got this list's mail at this address."""
    payload = f"{list_name}\0{email.lower()}".encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return f"{_b64(payload)}.{_b64(mac)}"


def read_token(key: bytes, token: str) -> tuple[str, str] | None:
    """The (list, address) a token stands for, or None if it is forged or malformed."""
    try:
        payload_part, mac_part = token.split(".", 1)
        payload = _unb64(payload_part)
        mac = _unb64(mac_part)
        list_name, email = payload.decode().split("\0", 1)
    except ValueError:
        return None
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return (list_name, email) if hmac.compare_digest(mac, expected) else None


def unsubscribe_url(base_url: str, key: bytes, list_name: str, email: str) -> str:
    """The one-click unsubscribe URL for one recipient of one list."""
    token = make_token(key, list_name, email)
    return f"{base_url.rstrip('/')}/u/{quote(token, safe='.-_')}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

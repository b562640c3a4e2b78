"""The send stage."""

from __future__ import annotations

from ._send import Sender, open_sender, send_all
from ._shared_limit import SharedRateLimiter

__all__ = ["Sender", "SharedRateLimiter", "open_sender", "send_all"]

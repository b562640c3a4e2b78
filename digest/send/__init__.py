"""The send stage."""

from __future__ import annotations

from ._send import Sender, open_sender, send_all

__all__ = ["Sender", "open_sender", "send_all"]

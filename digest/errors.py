"""Errors that digest reports to its users.

    DigestError           base: str(exc) is a sentence a user can act on; .hint is the next step
    ├── ConfigError       bad or missing config, template or path         → exit 2
    ├── SourceError       one source failed to fetch or parse             → logged, run goes on
    ├── RenderError       a template failed or used an undefined variable
    ├── RunLockedError    another run holds the run lock (state/_lock.py)  → exit 1
    ├── StateError        the state cannot be written: disk full, read-only → exit 1
    └── DeliveryError     SMTP connect/refused, outbox not writable
        └── SmtpAuthError the SMTP server refused the login

A bug is anything else: it keeps its traceback.
"""

from __future__ import annotations


class DigestError(Exception):
    """Base of every error digest reports to the user; raised only through a subclass."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class RunLockedError(DigestError):
    """Raised when another run (the daemon or `digest run`) holds the run lock."""


class StateError(DigestError):
    """Raised when the state file or its folder cannot be written (disk full, read-only)."""


class ConfigError(DigestError):
    """Raised when the config, a subscriber file, a template or a path is wrong."""

    exit_code = 2


class SourceError(DigestError):
    """Raised when one source cannot be fetched or parsed."""


class RenderError(DigestError):
    """Raised when a template fails or refers to an undefined variable."""

    exit_code = 2


class DeliveryError(DigestError):
    """Raised when a message cannot be handed to the SMTP server or written to the outbox."""

    def __init__(
        self, message: str, *, hint: str | None = None, is_permanent: bool = False
    ) -> None:
        super().__init__(message, hint=hint)
        self.is_permanent = is_permanent
        """True when retrying cannot help (a 5xx reply for this recipient)."""


class SmtpAuthError(DeliveryError):
    """Raised when the SMTP server refuses the configured login."""

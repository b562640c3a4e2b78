"""SMTP delivery: one connection per SmtpSender, and a rate limit shared by many of them.

    RateLimiter   spaces hand-offs under a per-second and a per-hour limit; thread-safe
    SmtpSender    one reused connection; STARTTLS/TLS, login, retries with backoff
                  (tenacity), reconnect on drop; a 5xx is final for its recipient

`_pool.PooledSender` runs several SmtpSenders in threads behind one RateLimiter.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Self

import tenacity

from ..config import SmtpSettings
from ..errors import DeliveryError, SmtpAuthError
from ..models import Message
from ._session import Session, SslSession

log = logging.getLogger(__package__)

Signer = Callable[[Message], Message]
"""Adds a signature (DKIM) to a finished message; called once per message."""

_CONNECT_HINT = 'check [smtp] host/port, or set transport = "outbox" to write to a Maildir instead'
_TLS_HINT = 'check [smtp] security: port 465 usually needs "tls", port 587 "starttls"'
_AUTH_HINT = (
    "check [smtp] username and the password in the environment variable named by "
    "[smtp] password_env"
)
_LATER_HINT = "the server asked to try again later; run again later"
_RECIPIENT_HINT = "the server refused this address; check or remove the subscriber"


class RateLimiter:
    """Spaces out sends so that a run stays under a server's per-second and per-hour limits.

    Thread-safe: each caller reserves the next free slot under a lock and sleeps until
    it outside the lock, so several connections share one budget.
    """

    def __init__(
        self,
        per_second: float | None = None,
        per_hour: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second is not None and per_second <= 0:
            raise ValueError(f"per_second must be positive, got {per_second}")
        if per_hour is not None and per_hour < 1:
            raise ValueError(f"per_hour must be at least 1, got {per_hour}")
        self._interval = 1.0 / per_second if per_second else 0.0
        self._per_hour = per_hour
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()
        self.is_limited = bool(per_second or per_hour)
        """False when there is no limit, so callers may skip wait() altogether."""

    def wait(self) -> None:
        """Block until one more send is allowed, and count it."""
        if not self.is_limited:
            return
        with self._lock:
            now = self._clock()
            slot = now
            if self._last is not None:
                slot = max(slot, self._last + self._interval)
            if self._per_hour is not None:
                while self._recent and self._recent[0] <= slot - 3600:
                    self._recent.popleft()
                if len(self._recent) >= self._per_hour:
                    slot = max(slot, self._recent[0] + 3600)
                self._recent.append(slot)
                while len(self._recent) > self._per_hour:
                    self._recent.popleft()
            self._last = slot
        if slot > now:
            log.debug("rate limit: waiting %.3f s", slot - now)
            self._sleep(slot - now)


class SmtpSender:
    """Hands messages to one SMTP server over one reused connection, reconnecting if it drops.

    A 4xx reply, a timeout or a refused connection is retried `attempts` times in all,
    waiting `backoff`, then twice as long, and so on. A connection that drops between
    messages is reopened once at no cost. If connecting or logging in fails for good,
    later messages fail at once with the same error instead of waiting again.
    `attempts` and `backoff` default to the settings'; `limiter` may be shared with other
    senders, else one is made from [smtp] max_per_second and max_per_hour. `sign` (DKIM)
    runs once per message, before the first attempt. Not thread-safe: use one per thread.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        attempts: int | None = None,
        backoff: float | None = None,
        max_backoff: float = 30.0,
        limiter: RateLimiter | None = None,
        ssl_context: ssl.SSLContext | None = None,
        sign: Signer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        attempts = settings.attempts if attempts is None else attempts
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.settings = settings
        self.connections = 0
        """How many connections this sender has opened."""
        self._where = f"{settings.host}:{settings.port}"
        self._attempts = attempts
        self._backoff = settings.backoff if backoff is None else backoff
        self._max_backoff = max_backoff
        # create_default_context verifies the certificate and host name; smtplib's own
        # default for starttls() does not.
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._sleep = sleep
        self._limiter = limiter or RateLimiter(
            settings.max_per_second, settings.max_per_hour, sleep=sleep
        )
        self._sign = sign
        self._conn: smtplib.SMTP | None = None
        self._broken: DeliveryError | None = None
        self._has_reconnected = False
        """Whether the message being sent has had its free reconnect."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT and close the connection, if one is open; never raises."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.sock is not None:
                conn.quit()
        except (smtplib.SMTPException, OSError) as exc:
            log.debug("while closing the connection to %s: %s", self._where, exc)
        finally:
            conn.close()

    def send(self, message: Message) -> None:
        """Deliver one message to its one recipient, retrying what a retry can fix."""
        if self._broken is not None:
            broken = self._broken
            text = f"{broken} (so {message.message_id} was not sent)"
            raise type(broken)(text, hint=broken.hint) from broken
        if self._sign is not None:
            message = self._sign(message)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._attempts),
            wait=tenacity.wait_exponential(multiplier=self._backoff, max=self._max_backoff),
            retry=tenacity.retry_if_exception_type(_Retry),
            before_sleep=lambda state: self._log_retry(message, state),
            sleep=self._sleep,
            reraise=True,
        )
        self._has_reconnected = False
        try:
            retrying(self._attempt, message)
        except _Retry as exc:  # the last attempt failed too
            if exc.is_connect:
                self._broken = exc.error
            raise exc.error from exc.__cause__
        log.info("sent %s via %s", message.message_id, self._where)
        log.debug("sent %s to %s", message.message_id, message.to)

    def _attempt(self, message: Message) -> None:
        """One attempt: a connection, then the transaction; _Retry if another may succeed."""
        self._limiter.wait()
        try:
            conn = self._connection()
        except (smtplib.SMTPException, OSError, DeliveryError) as exc:
            error, is_retryable = self._connect_error(exc)
            if is_retryable:
                raise _Retry(error, is_connect=True) from exc
            self._broken = error
            if error is exc:
                raise
            raise error from exc
        try:
            self._transact(conn, message)
            return
        except (smtplib.SMTPException, OSError) as exc:
            if not isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
                self._drop()  # a timeout or a closed socket leaves the session in doubt
            is_dropped = isinstance(exc, smtplib.SMTPServerDisconnected) and not _is_timeout(exc)
            if not is_dropped or self._has_reconnected:
                error, is_retryable = self._transaction_error(exc, message)
                if is_retryable:
                    raise _Retry(error, is_connect=False) from exc
                raise error from exc
        # Servers close idle connections: one free reconnect per message, not an attempt.
        self._has_reconnected = True
        log.info("the SMTP server %s closed the connection; reconnecting", self._where)
        self._attempt(message)

    def _log_retry(self, message: Message, state: tenacity.RetryCallState) -> None:
        """Say why message is not sent yet and when the next attempt comes."""
        assert state.outcome is not None and state.next_action is not None
        failure = state.outcome.exception()
        assert isinstance(failure, _Retry)
        if not failure.is_connect:
            log.debug("%s", failure.error)  # it names the recipient
        log.warning(
            "%s not sent yet: %s; retrying in %.2f s (attempt %d of %d)",
            message.message_id,
            failure.error if failure.is_connect else "the server did not take it",
            state.next_action.sleep,
            state.attempt_number + 1,
            self._attempts,
        )

    def _connection(self) -> smtplib.SMTP:
        """The open connection, or a new one: connected, TLS as configured, logged in."""
        if self._conn is not None and self._conn.sock is not None:
            return self._conn
        self._drop()
        settings = self.settings
        log.info("connecting to the SMTP server %s (%s)", self._where, settings.security)
        # Connecting in the constructor is what sets the host name that TLS verifies.
        conn = (
            SslSession(
                settings.host, settings.port, timeout=settings.timeout, context=self._ssl_context
            )
            if settings.security == "tls"
            else Session(settings.host, settings.port, timeout=settings.timeout)
        )
        try:
            conn.ehlo_or_helo_if_needed()
            if settings.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise DeliveryError(
                        f"the SMTP server {self._where} does not offer STARTTLS",
                        hint=_TLS_HINT + ' (or "none" on a trusted network only)',
                    )
                conn.starttls(context=self._ssl_context)
                conn.ehlo()
            if settings.username:
                self._login(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self.connections += 1
        return conn

    def _login(self, conn: smtplib.SMTP) -> None:
        username, password = self.settings.username, self.settings.password
        assert username
        if password is None:
            raise SmtpAuthError(
                f"[smtp] username is {username!r} but no SMTP password was given",
                hint="set the environment variable named by [smtp] password_env",
            )
        if not conn.has_extn("auth"):
            raise SmtpAuthError(
                f"the SMTP server {self._where} does not offer AUTH, but [smtp] username is set",
                hint=_TLS_HINT + " (many servers offer AUTH only over TLS), "
                "or remove [smtp] username",
            )
        conn.login(username, password.get_secret_value())

    def _transact(self, conn: smtplib.SMTP, message: Message) -> None:
        options: list[str] = []
        if not message.data.isascii() and conn.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if not (message.sender.isascii() and message.to.isascii()):
            if not conn.has_extn("smtputf8"):
                raise DeliveryError(
                    f"the SMTP server {self._where} cannot take the non-ASCII address "
                    f"{message.to} or {message.sender} (no SMTPUTF8)",
                    is_permanent=True,
                )
            options.append("SMTPUTF8")
        conn.sendmail(message.sender, [message.to], message.data, mail_options=options)

    def _drop(self) -> None:
        """Forget the connection without QUIT: its state is unknown."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _connect_error(self, exc: OSError | DeliveryError) -> tuple[DeliveryError, bool]:
        """The error to report for a failure while connecting, and whether to retry."""
        where = self._where
        if isinstance(exc, DeliveryError):
            return exc, False
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            reply = _reply(exc.smtp_code, exc.smtp_error)
            message = f"the SMTP server {where} refused the login for {self.settings.username!r}"
            return SmtpAuthError(f"{message}: {reply}", hint=_AUTH_HINT), False
        if isinstance(exc, ssl.SSLCertVerificationError):
            message = f"cannot verify the TLS certificate of the SMTP server {where}"
            return DeliveryError(f"{message}: {exc.verify_message}", hint=_TLS_HINT), False
        if isinstance(exc, ssl.SSLError):
            message = f"the TLS handshake with the SMTP server {where} failed"
            return DeliveryError(f"{message}: {exc.reason or exc}", hint=_TLS_HINT), False
        if _is_timeout(exc):
            message = f"no answer from the SMTP server {where} within {self.settings.timeout:g} s"
            hint = _TLS_HINT if self.settings.port in (465, 587) else _CONNECT_HINT
            return DeliveryError(message, hint=hint), True
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            message = f"the SMTP server {where} closed the connection before it was ready"
            return DeliveryError(message, hint=_CONNECT_HINT), True
        if isinstance(exc, smtplib.SMTPResponseException):
            reply = _reply(exc.smtp_code, exc.smtp_error)
            message = f"the SMTP server {where} turned the connection down: {reply}"
            is_transient = 400 <= exc.smtp_code < 500
            return DeliveryError(message, hint=_CONNECT_HINT), is_transient
        message = f"cannot connect to the SMTP server {where}: {exc.strerror or exc}"
        return DeliveryError(message, hint=_CONNECT_HINT), True

    def _transaction_error(self, exc: OSError, message: Message) -> tuple[DeliveryError, bool]:
        """The error to report for a failed transaction, and whether to retry."""
        where, to = self._where, message.to
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, raw = exc.recipients.get(to) or next(iter(exc.recipients.values()))
            reply = _reply(code, raw)
            return _refusal(code, f"the SMTP server {where} refused recipient {to}: {reply}")
        if isinstance(exc, smtplib.SMTPSenderRefused):
            reply = _reply(exc.smtp_code, exc.smtp_error)
            text = f"the SMTP server {where} refused sender {message.sender} (for {to}): {reply}"
            if exc.smtp_code >= 500:  # the sender, not this recipient, is the problem
                hint = "check the sender address and whether the server needs [smtp] username"
                return DeliveryError(text, hint=hint), False
            return _refusal(exc.smtp_code, text)
        if isinstance(exc, smtplib.SMTPResponseException):
            reply = _reply(exc.smtp_code, exc.smtp_error)
            return _refusal(
                exc.smtp_code, f"the SMTP server {where} refused the message to {to}: {reply}"
            )
        if _is_timeout(exc):
            text = f"no answer from the SMTP server {where} within {self.settings.timeout:g} s"
            return DeliveryError(f"{text} while sending to {to}", hint=_CONNECT_HINT), True
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            text = f"the SMTP server {where} closed the connection while sending to {to}"
            return DeliveryError(text, hint=_CONNECT_HINT), True
        text = f"lost the connection to the SMTP server {where} while sending to {to}"
        return DeliveryError(f"{text}: {exc.strerror or exc}", hint=_CONNECT_HINT), True


class _Retry(Exception):
    """A failed attempt that a later one may cure; error is what the user sees at the end."""

    def __init__(self, error: DeliveryError, *, is_connect: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.is_connect = is_connect
        """True when connecting (or logging in) failed, before any transaction."""


def _is_timeout(exc: BaseException) -> bool:
    """True for a timeout, also when smtplib reported it as a closed connection."""
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


def _reply(code: int, text: bytes | str) -> str:
    """An SMTP reply as one readable line."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


def _refusal(code: int, text: str) -> tuple[DeliveryError, bool]:
    """A 5xx is final for this recipient; anything else may pass on a later attempt."""
    if 500 <= code < 600:
        return DeliveryError(text, hint=_RECIPIENT_HINT, is_permanent=True), False
    return DeliveryError(text, hint=_LATER_HINT), True

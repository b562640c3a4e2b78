"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, recording what it receives.

`SmtpSink` records every accepted message and can inject faults: reply with a chosen
code to the next (or the n-th) MAIL/RCPT/DATA, drop the connection, stall before
answering, refuse an address for good or a few times, and take its time per message.
`copies()` counts what each recipient received. The `smtp_server` fixture yields a
started, plain-text sink.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from digest.config._settings import Security, SmtpSettings

Command = Literal["MAIL", "RCPT", "DATA"]


class Received(NamedTuple):
    """One message the sink accepted: the envelope and the exact bytes after DATA."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, as PEM files."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting this certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A verifying client-side context that trusts only this certificate."""
        return ssl.create_default_context(cafile=str(self.cert))


def make_certificate(directory: Path) -> Certificate:
    """Generate a self-signed certificate with openssl; skip the test if openssl is missing."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not found: cannot make a test certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subject = ["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    ec_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    files = ["-keyout", str(key), "-out", str(cert)]
    command = [openssl, "req", "-x509", "-days", "2", *ec_key, *subject, *files]
    subprocess.run(command, check=True, capture_output=True)
    return Certificate(cert=cert, key=key)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (aiosmtpd 1.4.6 cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class SmtpSink:
    """An aiosmtpd server that keeps what it receives and fails on request."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        security: Security = "none",
        certificate: Certificate | None = None,
        users: dict[str, str] | None = None,
        idle_timeout: float = 300.0,
    ) -> None:
        if security != "none" and certificate is None:
            raise ValueError(f"security = {security!r} needs a certificate")
        self.host = host
        self.port = 0
        self.security: Security = security
        self.certificate = certificate
        self.users = users
        """Login → password; when set, AUTH is offered (also without TLS) and required."""
        self.idle_timeout = idle_timeout
        """Seconds after which the server closes an idle connection."""
        self.messages: list[Received] = []
        self.logins: list[str] = []
        self._peers: set[object] = set()
        self._faults: defaultdict[str, deque[str | None]] = defaultdict(deque)
        self._nth: dict[tuple[str, int], str | None] = {}
        self._seen: Counter[str] = Counter()
        self._stalls: defaultdict[str, deque[float]] = defaultdict(deque)
        self._rejected: dict[str, tuple[str, int | None]] = {}
        self.delay = 0.0
        """Seconds the sink takes over each message before it accepts it."""
        self.on_accept: Callable[[int], None] | None = None
        """Called with the number of messages kept so far, just before each 250 reply."""
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def connections(self) -> int:
        """How many client connections said EHLO (a STARTTLS upgrade is not a new one)."""
        return len(self._peers)

    def fail(self, command: Command, reply: str, *, times: int = 1) -> None:
        """Answer the next `times` MAIL, RCPT or DATA commands with `reply` (421 also hangs up)."""
        with self._lock:
            self._faults[command].extend([reply] * times)

    def drop(self, command: Command, *, times: int = 1) -> None:
        """Close the connection, without a reply, at the next `times` commands of this kind."""
        with self._lock:
            self._faults[command].extend([None] * times)

    def fail_nth(self, command: Command, n: int, reply: str | None) -> None:
        """Answer the n-th MAIL, RCPT or DATA since the start with `reply` (None: hang up)."""
        with self._lock:
            self._nth[command, n] = reply

    def stall(self, command: Command, seconds: float, *, times: int = 1) -> None:
        """Wait `seconds` before handling the next `times` commands of this kind."""
        with self._lock:
            self._stalls[command].extend([seconds] * times)

    def reject(
        self, address: str, reply: str = "550 5.1.1 No such user", *, times: int | None = None
    ) -> None:
        """Refuse RCPT TO for `address` with `reply`: every time, or only the next `times`."""
        with self._lock:
            self._rejected[address] = (reply, times)

    def allow(self, address: str) -> None:
        """Stop refusing `address`."""
        with self._lock:
            self._rejected.pop(address, None)

    def copies(self) -> Counter[str]:
        """How many copies each recipient has received."""
        with self._lock:
            return Counter(rcpt for message in self.messages for rcpt in message.rcpt_tos)

    def settings(self, **overrides: object) -> SmtpSettings:
        """SmtpSettings pointing at this sink (short timeout)."""
        values: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "timeout": 5.0,
        }
        values.update(overrides)
        return SmtpSettings.model_validate(values)

    def start(self) -> Self:
        """Bind a free port and serve in a background thread."""
        kwargs: dict[str, Any] = {"timeout": self.idle_timeout}
        if self.users is not None:
            # auth_required=True with auth_require_tls=False makes aiosmtpd warn (an error
            # under filterwarnings=error), so handle_MAIL enforces the login instead.
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        ssl_context = None
        if self.certificate is not None and self.security == "starttls":
            kwargs["tls_context"] = self.certificate.server_context()
        elif self.certificate is not None and self.security == "tls":
            ssl_context = self.certificate.server_context()
        for _ in range(5):  # another process may grab the port between probe and bind
            self.port = free_port(self.host)
            controller = Controller(
                _Handler(self),
                hostname=self.host,
                port=self.port,
                ssl_context=ssl_context,
                **kwargs,
            )
            try:
                controller.start()
            except OSError:
                controller.stop(no_assert=True)
                continue
            self._controller = controller
            return self
        raise RuntimeError(f"no free port for the test SMTP server on {self.host}")

    def stop(self) -> None:
        """Stop serving."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.users is None:
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        is_ok = self.users.get(login) == password
        if is_ok:
            self.logins.append(login)
        return AuthResult(success=is_ok, handled=False)

    async def _fault(self, command: Command, server: SMTP) -> str | None:
        """The injected reply for this command, or None; hangs up when the fault says so."""
        with self._lock:
            self._seen[command] += 1
            stall = self._stalls[command].popleft() if self._stalls[command] else 0.0
            key = (command, self._seen[command])
            queue = self._faults[command]
            if key in self._nth:
                reply = self._nth.pop(key)
            elif queue:
                reply = queue.popleft()
            else:
                reply = ""
        if stall:
            await asyncio.sleep(stall)
        if reply == "":
            return None
        if reply is None or reply.startswith("421"):
            transport = server.transport
            assert transport is not None
            if reply is None:
                transport.close()  # the reply pushed after this is discarded
                return "421 4.4.2 dropped by the test"
            server.loop.call_soon(transport.close)  # after the 421 went out
        return reply


class _Handler:
    """aiosmtpd hooks that delegate to one SmtpSink."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        with self.sink._lock:
            self.sink._peers.add(session.peer)
        return responses

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        fault = await self.sink._fault("MAIL", server)
        if fault is not None:
            return fault
        if self.sink.users is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        fault = await self.sink._fault("RCPT", server)
        if fault is not None:
            return fault
        with self.sink._lock:
            reply, times = self.sink._rejected.get(address, ("", None))
            if reply and times is not None:
                if times <= 1:
                    del self.sink._rejected[address]
                else:
                    self.sink._rejected[address] = (reply, times - 1)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = await self.sink._fault("DATA", server)
        if fault is not None:
            return fault
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        data = envelope.original_content
        assert envelope.mail_from is not None and isinstance(data, bytes)
        with self.sink._lock:
            self.sink.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), data))
            count = len(self.sink.messages)
        if self.sink.on_accept is not None:
            self.sink.on_accept(count)
        return "250 OK: queued"


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """A started plain-text SMTP sink on 127.0.0.1 (no TLS, no AUTH)."""
    with SmtpSink() as sink:
        yield sink

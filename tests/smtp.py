"""A real SMTP server (aiosmtpd) on a free loopback port, for tests that send email."""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """Records every message it accepts; ``refuse(n)`` answers the next n with a 4xx."""

    def __init__(self) -> None:
        self.host, self.port = "127.0.0.1", free_port()
        self.messages: list[EmailMessage] = []
        self.refused = 0
        # The client's (address, port) of each message's connection, and the QUITs heard.
        self.peers: list[tuple[str, int]] = []
        self.goodbyes = 0
        self._open: set = set()
        self._refusals: list[str] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> "SmtpServer":
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, times: int, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer the next ``times`` messages with ``reply`` instead of accepting them."""
        with self._lock:
            self._refusals.extend([reply] * times)

    def accept_all(self) -> None:
        """Stop refusing: the next message is accepted."""
        with self._lock:
            self._refusals.clear()

    @property
    def connections(self) -> int:
        """How many connections the accepted and refused messages came over."""
        return len(set(self.peers))

    def drop_connections(self) -> None:
        """Hang up on every client (as a server does after an idle timeout or a restart)."""

        async def hang_up():
            for protocol in list(self._open):
                protocol.transport.close()
            self._open.clear()

        asyncio.run_coroutine_threadsafe(hang_up(), self._controller.loop).result(5)

    async def handle_QUIT(self, server, session, envelope) -> str:
        with self._lock:
            self.goodbyes += 1
            self._open.discard(server)
        return "221 Bye"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.peers.append(tuple(session.peer))
            self._open.add(server)
            if self._refusals:
                self.refused += 1
                return self._refusals.pop(0)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 OK"


@pytest.fixture
def smtp_server(app):
    """A started SMTP server that the portal sends to for this test (``SMTP_HOST``/``SMTP_PORT``)."""
    server = SmtpServer().start()
    saved = {key: app.config[key] for key in ("SMTP_HOST", "SMTP_PORT")}
    app.config.update(SMTP_HOST=server.host, SMTP_PORT=server.port)
    yield server
    app.config.update(saved)
    server.stop()

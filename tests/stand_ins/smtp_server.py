"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keep:
    def __init__(self, server: "SMTPStandIn"):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.messages.append(
                {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message}
            )
        return "250 Message accepted for delivery"


class SMTPStandIn:
    """`messages`: every email received, each {"from", "to", "message"}."""

    def __init__(self):
        self.messages: list[dict] = []
        # Mailboxes the server answers "550 No such mailbox" for.
        self.refused: set[str] = set()
        self.lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller = Controller(_Keep(self), hostname=self.host, port=self.port)

    def start(self) -> "SMTPStandIn":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.refused.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m["message"] for m in self.messages if address in m["to"]]

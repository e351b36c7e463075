"""The tests' Twilio stand-in, plus what a benchmark reads from it: the code
each phone received (waited for without scanning every request) and when the
provider accepted each message, on the wall clock that Challenge.created_at
uses."""

import re
import threading
import time

from tests.stand_ins.twilio_server import TwilioStandIn

CODE_RE = re.compile(r"#(\d{6})\b")


class CodeTimeout(Exception):
    pass


class RecordingTwilio(TwilioStandIn):
    def __init__(self, *, account_sid: str, auth_token: str):
        super().__init__(account_sid=account_sid, auth_token=auth_token)
        self._arrived = threading.Condition()
        self._by_to: dict[str, list[dict]] = {}
        # socketserver listens with a backlog of 5: a burst of connections
        # from 32 worker threads would overflow it and wait a second for a
        # SYN retry, which is the network, not the portal. Linux lets a
        # listening socket be given a longer backlog.
        self._server.socket.listen(1024)

    def _answer(self, kind, path_sid, authorization, form):
        record, status, body, latency = super()._answer(kind, path_sid, authorization, form)
        # Wait here rather than in the handler, so the message is "accepted"
        # (and its code readable) only when the provider answers.
        if latency:
            time.sleep(latency)
        record["accepted_wall"] = time.time()
        if status == 201:
            with self._arrived:
                self._by_to.setdefault(form.get("To", ""), []).append(record)
                self._arrived.notify_all()
        return record, status, body, 0

    def count(self, to: str) -> int:
        with self._arrived:
            return len(self._by_to.get(to, ()))

    def wait_code(
        self, to: str, *, seen: int, timeout: float = 15.0, pattern: str | None = None
    ) -> str:
        """The code in the first message to `to` after the first `seen` ones
        (the first group of `pattern`, by default the portal's "#123456")."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._by_to.get(to, ())) <= seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CodeTimeout(f"no code reached {to} in {timeout:.0f} s")
                self._arrived.wait(left)
            body = self._by_to[to][seen]["form"].get("Body", "")
        match = (re.compile(pattern) if pattern else CODE_RE).search(body)
        if not match:
            raise CodeTimeout(f"no code in the message to {to}")
        return match[1]

    def accepted_records(self) -> list[dict]:
        with self._arrived:
            return [r for records in self._by_to.values() for r in records]

    def clear(self) -> None:
        with self._arrived:
            self._by_to.clear()
        with self.lock:
            self.requests.clear()

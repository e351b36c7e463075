import sys
import threading

from twofactor.channels.base import BaseChannel, render_message


class ConsoleChannel(BaseChannel):
    """Development: prints the message to the terminal that runs the sender
    (OPTIONS "stream": another file-like object to print to)."""

    option_names = frozenset({"stream"})
    _lock = threading.Lock()

    def send_code(self, *, to: str, code: str, status_callback: str | None = None) -> str:
        rendered = render_message(self.alias, code)
        subject = f"Subject: {rendered.subject}\n" if self.alias == "email" else ""
        stream = self.options.get("stream") or sys.stdout
        with self._lock:
            stream.write(
                f"\n----- {self.alias.upper()} to {to} -----\n"
                f"{subject}{rendered.body}\n"
                f"{'-' * 40}\n"
            )
            stream.flush()
        return ""

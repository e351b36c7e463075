"""Logs an operator can follow (docs/OPERATIONS.md, "Logs"): with
LOG_FORMAT=json, one JSON object per line; every line of a request carries
its request id, and so does every line of the Celery tasks it queued (the id
travels in the task's headers). A phone number that reaches a log line is
masked to its first two and last four characters; codes, passwords and
session keys are never logged (tests/delivery/test_no_code_in_logs_or_results.py)."""

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
HEADER = "X-Request-ID"
# An id a proxy sends along is kept if it looks like one (no log injection).
ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
PHONE = re.compile(r"\+\d{7,15}")


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Every record gets `request_id` (the request's or the task's, or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class MaskPhones(logging.Filter):
    """A phone number in a message is shown as +1••••••1299."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = PHONE.sub(
            lambda m: m.group()[:2] + "•" * (len(m.group()) - 6) + m.group()[-4:], message
        )
        if masked != message:
            record.msg, record.args = masked, None
        return True


class RequestIdMiddleware:
    """Takes the proxy's X-Request-ID (if it looks like one) or makes one;
    every log line of the request carries it, and the response says it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if ACCEPTED.match(given) else new_id()
        token = REQUEST_ID.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response[HEADER] = request_id
        return response

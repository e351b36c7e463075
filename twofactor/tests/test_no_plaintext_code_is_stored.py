"""docs/BEHAVIOUR.md: no plaintext code in the database or in any log."""

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter

from tests.code_step import T0, twofactor_on
from tests.fixtures import PASSWORD, last_code, password_step, wrong_code
from twofactor.models import Challenge


def whole_database() -> str:
    """Every row of every table as text, sessions decoded."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.append(" | ".join(_text(value) for value in row))
    parts.extend(str(s.get_decoded()) for s in Session.objects.all())
    return "\n".join(parts)


def _text(value) -> str:
    if isinstance(value, memoryview | bytes):
        return bytes(value).decode("latin-1")
    return str(value)


def contains(haystack: str, code: str) -> bool:
    return re.search(rf"(?<!\d){code}(?!\d)", haystack) is not None


def full_login_and_change(client, user, outbox, time_machine) -> list[str]:
    """Password, a wrong code, Resend, the right code; then a change with a code.
    Returns every code that was sent."""
    time_machine.move_to(T0, tick=False)
    password_step(client, user)
    first = last_code(outbox)
    client.post(reverse("login_verify"), {"code": wrong_code(first)})
    time_machine.shift(timedelta(seconds=31))
    client.post(reverse("login_resend"))
    second = last_code(outbox)
    assert client.post(reverse("login_verify"), {"code": second}).status_code == 302
    time_machine.shift(timedelta(seconds=31))
    client.post(reverse("accounts:settings"), {"email": user.email, "phone": ""})
    third = last_code(outbox)
    client.post(reverse("twofactor:verify"), {"code": third})
    return [first, second, third]


def test_no_code_and_no_password_anywhere_in_the_database(
    client, coworker, acme, outbox, time_machine
):
    twofactor_on(acme, coworker, channel="sms")

    codes = full_login_and_change(client, coworker, outbox, time_machine)

    assert Challenge.objects.exclude(code_hash="").count() == 3  # hashes were stored
    dump = whole_database()
    assert "carl@example.com" in dump  # the dump does see the data
    for code in codes:
        assert not contains(dump, code), code
    assert PASSWORD not in dump


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())
        self.lines.append(str(record.args))
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def every_log_record():
    """Every logger at DEBUG, SQL with its parameters included."""
    handler = Collect()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    levels = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(handler)
    connection.force_debug_cursor = True
    yield handler.lines
    connection.force_debug_cursor = False
    for lg, level in levels:
        lg.setLevel(level)
        lg.removeHandler(handler)


def test_no_code_in_any_log(client, coworker, acme, outbox, time_machine, every_log_record):
    twofactor_on(acme, coworker, channel="sms")

    codes = full_login_and_change(client, coworker, outbox, time_machine)

    logs = "\n".join(every_log_record)
    assert "INSERT INTO" in logs  # SQL was captured too
    for code in codes:
        assert not contains(logs, code), code
    assert PASSWORD not in logs


def test_a_crash_while_checking_a_code_does_not_report_the_code(
    coworker, acme, outbox, monkeypatch
):
    """An error report (mailed to ADMINS, or sent to an error tracker) shows
    POST data and each frame's variables: the code must be hidden in both."""
    twofactor_on(acme, coworker)
    client = Client(raise_request_exception=False)
    password_step(client, coworker)
    code = last_code(outbox)

    def database_gone(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr("twofactor.codes.audit_record", database_gone)
    reports = []
    handler = logging.Handler()
    handler.emit = lambda record: reports.append(
        ExceptionReporter(record.request, *record.exc_info, is_email=True).get_traceback_text()
    )
    logging.getLogger("django.request").addHandler(handler)
    try:
        response = client.post(reverse("login_verify"), {"code": code})
    finally:
        logging.getLogger("django.request").removeHandler(handler)

    assert response.status_code == 500
    assert len(reports) == 1 and "server closed the connection" in reports[0]
    assert not contains(reports[0], code)

"""The Audit Log and the co-worker table as CSV, streamed: fixed memory
however long the log or many the co-workers."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enterprise.models import AuditEvent
from twofactor.models import CodeDevice, Lock

# A cell a spreadsheet would run as a formula (CSV injection, OWASP): a
# username or detail is text the people being audited chose.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    _("Time (UTC)"),
    _("Event"),
    _("Count"),
    _("Last (UTC)"),
    _("By"),
    _("For"),
    _("IP"),
    _("Detail"),
]
COWORKER_HEADER = [
    _("Username"),
    _("First name"),
    _("Last name"),
    _("Email"),
    _("Phone number"),
    _("Administrator"),
    _("2FA"),
    _("Methods"),
]
CHUNK = 2000


class _Line:
    """csv.writer writes to this and hands back each line."""

    def write(self, value: str) -> str:
        return value


def cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def audit_csv(events: QuerySet) -> Iterator[str]:
    """The words (header, events' names) are in the language of the request,
    read now: the lines are written later, as the response streams."""
    header = [str(title) for title in HEADER]
    actions = {value: str(label) for value, label in AuditEvent.Action.choices}
    return _audit_lines(events, header, actions)


def _audit_lines(events: QuerySet, header: list[str], actions: dict[str, str]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    rows: Iterable = events.iterator(chunk_size=CHUNK)
    for event in rows:
        yield writer.writerow(
            [
                cell(event.created_at.strftime("%Y-%m-%d %H:%M:%S")),
                cell(actions.get(event.action, event.action)),
                cell(event.count),
                cell(event.last_at.strftime("%Y-%m-%d %H:%M:%S") if event.last_at else ""),
                cell(event.actor.username if event.actor else ""),
                cell(event.target.username if event.target else ""),
                cell(event.ip),
                cell(event.detail),
            ]
        )


def twofactor_label(*, enrolled: bool | None, confirmed: bool | None, account_on: bool) -> str:
    """A co-worker's Two-factor column, in the words of the co-worker table
    (templates/enterprise/_coworkers.html: keep the two in step); `enrolled`
    is None without a device."""
    if not enrolled:
        return gettext("Disabled")
    if not account_on:
        return gettext("Disabled (kept for later)")
    return gettext("Enabled") if confirmed else gettext("Verification required")


def lock_label(lock: Lock) -> str:
    """The Two-factor column of a co-worker whose code step is locked, as the
    table says it (templates/enterprise/_coworkers.html)."""
    if lock.until is None:
        return gettext("Locked until an administrator unlocks it")
    return gettext("Locked until %(until)s UTC") % {"until": f"{lock.until.astimezone(UTC):%H:%M}"}


def methods_label(*, on: bool, channel: str, has_app: bool) -> str:
    """How a co-worker can answer the code step: the channel's code, and
    their authenticator app if they have one."""
    if not on:
        return ""
    if has_app:
        return gettext("Authenticator app, code by %(channel)s") % {"channel": channel}
    return gettext("Code by %(channel)s") % {"channel": channel}


def coworkers_csv(rows: QuerySet, *, enterprise) -> Iterator[str]:
    """`rows`: selectors.coworkers_for_export(), tuples read from a server-side
    cursor (PostgreSQL) CHUNK at a time, so memory stays flat. Yields the
    header line, then the lines of each CHUNK of rows as one string: one
    write to the socket per chunk, not per line, which streams 100,000 rows
    through gunicorn in a third of the time (docs/PERFORMANCE.md).

    The words are in the language of the request, read now (the lines are
    written later, as the response streams), each once: not once a row."""
    account_on = enterprise.twofactor_enabled
    channel = str(enterprise.get_twofactor_channel_display())
    words = _CoworkerWords(
        header=[str(title) for title in COWORKER_HEADER],
        yes_no=(gettext("No"), gettext("Yes")),
        twofactor={
            (enrolled, confirmed): twofactor_label(
                enrolled=enrolled, confirmed=confirmed, account_on=account_on
            )
            for enrolled in (False, True)
            for confirmed in (False, True)
        },
        methods={
            (on, has_app): methods_label(on=on, channel=channel, has_app=has_app)
            for on in (False, True)
            for has_app in (False, True)
        },
    )
    return _coworker_lines(rows, words, account_on=account_on)


@dataclass(frozen=True)
class _CoworkerWords:
    header: list[str]
    yes_no: tuple[str, str]
    twofactor: dict[tuple[bool, bool], str]
    methods: dict[tuple[bool, bool], str]


def _coworker_lines(rows: QuerySet, words: _CoworkerWords, *, account_on: bool) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(words.header)
    lines: list[str] = []
    for (
        username,
        first,
        last,
        email,
        phone,
        admin,
        enrolled,
        confirmed,
        has_app,
        failures,
        failed_at,
    ) in rows.iterator(chunk_size=CHUNK):
        state = words.twofactor[bool(enrolled), bool(confirmed)]
        if failures and failures >= settings.TWOFACTOR_LOCKOUT_FAILURES:
            # Rare: a model instance only for the few rows that may be locked.
            lock = CodeDevice(
                throttling_failure_count=failures, throttling_failure_timestamp=failed_at
            ).lock()
            if lock:
                state = lock_label(lock)
        lines.append(
            writer.writerow(
                [
                    cell(username),
                    cell(first),
                    cell(last),
                    cell(email),
                    cell(phone),
                    words.yes_no[bool(admin)],
                    state,
                    words.methods[account_on and bool(enrolled), bool(has_app)],
                ]
            )
        )
        if len(lines) == CHUNK:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)

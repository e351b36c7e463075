"""The Audit Log and the co-worker table as CSV, streamed: fixed memory
however long the log or many the co-workers."""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

# A cell a spreadsheet would run as a formula (CSV injection, OWASP): a
# username or detail is text the people being audited chose.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["Time (UTC)", "Event", "Count", "Last (UTC)", "By", "For", "IP", "Detail"]
COWORKER_HEADER = [
    "Username",
    "First name",
    "Last name",
    "Email",
    "Phone number",
    "Administrator",
    "Two-factor",
    "Methods",
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
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    rows: Iterable = events.iterator(chunk_size=CHUNK)
    for event in rows:
        yield writer.writerow(
            [
                cell(event.created_at.strftime("%Y-%m-%d %H:%M:%S")),
                cell(event.get_action_display()),
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
        return "Disabled"
    if not account_on:
        return "Disabled (kept for later)"
    return "Enabled" if confirmed else "Verification required"


def methods_label(*, on: bool, channel: str, has_app: bool) -> str:
    """How a co-worker can answer the code step: the channel's code, and
    their authenticator app if they have one."""
    if not on:
        return ""
    return f"Authenticator app, code by {channel}" if has_app else f"Code by {channel}"


def coworkers_csv(rows: QuerySet, *, enterprise) -> Iterator[str]:
    """`rows`: selectors.coworkers_for_export(), tuples read from a server-side
    cursor (PostgreSQL) CHUNK at a time, so memory stays flat. Yields the
    header line, then the lines of each CHUNK of rows as one string: one
    write to the socket per chunk, not per line, which streams 100,000 rows
    through gunicorn in a third of the time (docs/PERFORMANCE.md)."""
    writer = csv.writer(_Line())
    yield writer.writerow(COWORKER_HEADER)
    account_on = enterprise.twofactor_enabled
    channel = enterprise.get_twofactor_channel_display()
    lines: list[str] = []
    for username, first, last, email, phone, admin, enrolled, confirmed, has_app in rows.iterator(
        chunk_size=CHUNK
    ):
        label = twofactor_label(enrolled=enrolled, confirmed=confirmed, account_on=account_on)
        lines.append(
            writer.writerow(
                [
                    cell(username),
                    cell(first),
                    cell(last),
                    cell(email),
                    cell(phone),
                    "Yes" if admin else "No",
                    label,
                    methods_label(
                        on=account_on and bool(enrolled), channel=channel, has_app=bool(has_app)
                    ),
                ]
            )
        )
        if len(lines) == CHUNK:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)

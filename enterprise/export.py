"""The Audit Log as CSV, streamed: fixed memory however long the log."""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

# A cell a spreadsheet would run as a formula (CSV injection, OWASP): a
# username or detail is text the people being audited chose.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["Time (UTC)", "Event", "Count", "Last (UTC)", "By", "For", "IP", "Detail"]


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
    rows: Iterable = events.iterator(chunk_size=2000)
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

"""Delivery insight on the Two-Factor Authentication tab: the last 30 days of
codes by channel (sent, delivered, failed, fallbacks) as small bar charts
drawn on the server (inline SVG) and as a table. Readable without colour:
a day's codes sent are an outlined bar, the failed ones a solid bar inside
it, and every number is in the table."""

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from django.utils import timezone

from twofactor import insight
from twofactor.vocabulary import Channel

DAYS = 30
WIDTH, HEIGHT, BAR_GAP = 300, 72, 2
BAR = WIDTH / DAYS


@dataclass
class Bar:
    day: date
    sent: int
    failed: int
    x: float
    y: float
    height: float
    failed_y: float
    failed_height: float


@dataclass
class ChannelChart:
    channel: str
    label: str
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    fallbacks: int = 0
    bars: list[Bar] = field(default_factory=list)
    peak: int = 0


@dataclass
class Row:
    day: date
    channel: str
    sent: int
    delivered: int
    failed: int
    fallbacks: int


def delivery_insight(enterprise_id: int) -> tuple[list[ChannelChart], list[Row], date, date]:
    """(a chart per channel, the table's rows (days with codes), first day, last day)."""
    today = timezone.now().astimezone(UTC).date()
    first = today - timedelta(days=DAYS - 1)
    rows = insight.last_days(enterprise_id, DAYS)
    by_key = {(r.channel, r.day): r for r in rows}
    charts = []
    for channel, label in Channel.choices:
        chart = ChannelChart(channel=channel, label=str(label))
        days = [by_key.get((channel, first + timedelta(days=i))) for i in range(DAYS)]
        chart.peak = max((r.sent for r in days if r), default=0)
        scale = (HEIGHT - 2) / chart.peak if chart.peak else 0
        for i, row in enumerate(days):
            sent, failed = (row.sent, row.failed) if row else (0, 0)
            height, failed_height = sent * scale, min(failed, sent) * scale
            chart.bars.append(
                Bar(
                    day=first + timedelta(days=i),
                    sent=sent,
                    failed=failed,
                    x=round(i * BAR + BAR_GAP / 2, 2),
                    y=round(HEIGHT - height, 2),
                    height=round(height, 2),
                    failed_y=round(HEIGHT - failed_height, 2),
                    failed_height=round(failed_height, 2),
                )
            )
            if row:
                chart.sent += row.sent
                chart.delivered += row.delivered
                chart.failed += row.failed
                chart.fallbacks += row.fallbacks
        charts.append(chart)
    table = [
        Row(r.day, str(Channel(r.channel).label), r.sent, r.delivered, r.failed, r.fallbacks)
        for r in rows
    ]
    return charts, table, first, today

"""Roll-out counts and CSV export at 100,000 co-workers.

An enterprise of 100,000 co-workers on PostgreSQL, in every roll-out state
(60 % Enabled, 20 % Verification required, 20 % Not set up: half with no
device row, half opted out), requiring 2FA with a deadline that has passed,
so Overdue shows too. Its administrator (2FA on, logged in with an SMS code):
- the counts query (selectors.rollout_counts, one conditional aggregation)
  in this process: median of N runs;
- the Two-Factor Authentication tab over HTTP, unfiltered and with each
  filter (?state=...), 50 GETs each: p50, p95 (target <= 300 ms), and the
  number of queries (counted in this process with Django's test client);
- Export CSV of every co-worker over HTTP, streamed by gunicorn, twice: time
  to the first byte and to the last, rows, size, and the web workers' RSS
  before, at its highest while streaming (sampled every 256 KB) and after.

    .venv/bin/python -m bench.rollout [--quick] [--coworkers N]
"""

import argparse
import datetime as dt
import http.client
import statistics
import time

from bench import client, cpu, report, seed
from bench.stack import Stack, config_for

TAB = "/enterprise/settings/two-factor/"
EXPORT = "/enterprise/settings/two-factor/export/"
LATENCY_TARGET = 0.3
# Flat: streaming 100,000 rows (about 8 MB of CSV) grows no worker by more
# than this, at any moment of the export.
RSS_FLAT_MB = 5
SAMPLE_EVERY = 256 * 1024
ADMIN_PHONE = seed.phone_for(8, 0)


def seed_rollout(size: int):
    """The enterprise, its co-workers in every state, and its administrator
    (whose own login uses 2FA: past the deadline a login without it opens
    nothing but My Account)."""
    from django.db.models import F

    from enterprise.models import Enterprise
    from twofactor.models import CodeDevice

    big = seed.enterprise_create("Rollout", channel="sms")
    seed.coworkers_create(big, count=size, prefix="co")
    devices = CodeDevice.objects.filter(user__enterprise=big).annotate(bucket=F("user_id") % 10)
    devices.filter(bucket__in=[3, 4]).update(confirmed=False)  # Verification required
    devices.filter(bucket=5).update(enrolled=False, confirmed=False)  # opted out
    devices.filter(bucket=6).delete()  # never set up: no device row
    Enterprise.objects.filter(pk=big.pk).update(
        twofactor_required=True,
        twofactor_deadline=dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3),
    )
    big.refresh_from_db()
    admin = seed.admin_create(big, username="rollout-admin")
    admin.phone = ADMIN_PHONE
    admin.save(update_fields=["phone"])
    CodeDevice.objects.create(
        user=admin, name="Customer Portal code", enrolled=True, confirmed=True
    )
    return big, admin


def counts_timed(enterprise, repeat: int) -> tuple[list[float], dict, list[str]]:
    """Seconds of each run, the counts, and the SQL of the last run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enterprise.selectors import rollout_counts

    rollout_counts(enterprise)  # warm: the plan, the pages in PostgreSQL's cache
    seconds = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            counts = rollout_counts(enterprise)
            seconds.append(time.perf_counter() - start)
    return seconds, counts, [q["sql"] for q in captured.captured_queries]


def plan_of(sql: str) -> str:
    """The query's plan as PostgreSQL ran it: its top nodes and the time."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
    nodes = [lines[0].strip()] + [line.strip() for line in lines[1:] if "->" in line]
    return "\n".join(nodes[:4] + [line for line in lines if "Execution Time" in line])


def queries_for(admin, path: str) -> int:
    """Queries one GET of `path` makes, in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.code_step import verified_login

    browser = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"})
    verified_login(browser, admin)
    browser.get(path)  # first use: sessions, content types
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(path)
    assert response.status_code == 200, response.status_code
    return len(queries)


def stream(browser: client.Browser, path: str, pids: list[int]) -> dict:
    """GET `path` and read the answer as it comes, SAMPLE_EVERY bytes at a
    time, noting the web workers' RSS at each; nothing is kept but counts."""
    headers = {
        "Host": f"{browser.host}:{browser.port}",
        "X-Forwarded-Proto": "https",
        "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
    }
    before = [cpu.rss_mb(pid) for pid in pids]
    highest = list(before)
    size = lines = 0
    start = time.perf_counter()
    conn = http.client.HTTPConnection(browser.host, browser.port, timeout=120)
    try:
        conn.request("GET", path, headers=headers)
        raw = conn.getresponse()
        chunk = raw.read1(SAMPLE_EVERY)  # whatever has come: the first bytes
        first = time.perf_counter() - start
        while chunk:
            size += len(chunk)
            lines += chunk.count(b"\n")
            highest = [max(h, cpu.rss_mb(pid)) for h, pid in zip(highest, pids, strict=True)]
            chunk = raw.read(SAMPLE_EVERY)
        status = raw.status
        kind = raw.headers.get("Content-Type", "")
    finally:
        conn.close()
    total = time.perf_counter() - start
    time.sleep(0.2)  # the worker has closed the response
    return {
        "status": status,
        "type": kind,
        "first": first,
        "total": total,
        "bytes": size,
        "rows": lines - 1,  # the header line
        "before": before,
        "highest": highest,
        "after": [cpu.rss_mb(pid) for pid in pids],
    }


def run(*, quick: bool, coworkers: int | None) -> bool:
    size = coworkers or (2000 if quick else 100_000)
    gets = 5 if quick else 50
    counts_repeat = 5 if quick else 21
    config = config_for(quick=quick)
    with Stack(config) as stack:
        from django.conf import settings
        from django.db import connection

        started = time.perf_counter()
        big, admin = seed_rollout(size)
        seeded = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        # 1. The counts, in this process.
        counts_seconds, counts, counts_sql = counts_timed(big, counts_repeat)
        counts_queries = len(counts_sql)
        plan = plan_of(counts_sql[0])

        # 2. The tab, over HTTP, as the administrator logged in with a code.
        browser = client.Browser(stack.base_url)
        client.login_with_code(browser, stack.twilio, admin.username, ADMIN_PHONE)
        for _ in range(4):  # warm both workers
            client.expect(browser.get(TAB), 200)
        per_page = settings.ENTERPRISE_COWORKERS_PER_PAGE
        last_overdue = (counts["overdue"] + per_page - 1) // per_page
        pages = {
            "all": "",
            "Enabled": "?state=enabled",
            "Verification required": "?state=verification_required",
            "Not set up": "?state=not_set_up",
            "Overdue": "?state=overdue",
            "Overdue, last page": f"?state=overdue&page={last_overdue}",
        }
        latency_rows, worst = [], 0.0
        for label, query in pages.items():
            seconds = [client.expect(browser.get(TAB + query), 200).seconds for _ in range(gets)]
            p95 = report.percentile(seconds, 95)
            worst = max(worst, p95)
            latency_rows.append(
                [
                    f"{label} ({query or 'no filter'})",
                    gets,
                    report.ms(report.percentile(seconds, 50)),
                    report.ms(p95),
                    report.ms(max(seconds)),
                    queries_for(admin, TAB + query),
                ]
            )

        # 3. Export CSV of everyone, streamed by gunicorn, twice.
        pids = stack.web_pids()
        exports = [stream(browser, EXPORT, pids) for _ in range(2)]
        filtered = stream(browser, EXPORT + "?state=overdue", pids)

    print(
        report.table(
            f"Roll-out counts of an enterprise of {size:,} co-workers, in this process "
            f"({report.machine()}; seeded in {seeded:.0f} s)",
            [
                "total",
                "Enabled",
                "Verification required",
                "Not set up",
                "Overdue",
                "queries",
                "median ms",
                "min ms",
                "max ms",
            ],
            [
                [
                    counts["total"],
                    counts["enabled"],
                    counts["verification_required"],
                    counts["not_set_up"],
                    counts["overdue"],
                    counts_queries,
                    report.ms(statistics.median(counts_seconds)),
                    report.ms(min(counts_seconds)),
                    report.ms(max(counts_seconds)),
                ]
            ],
        )
    )
    ok_counts = counts_queries == 1 and counts["total"] == size + 1
    print(f"{counts_repeat} runs, one query each: {report.verdict(ok_counts)}")
    print(f"the query: {counts_sql[0][:400]}")
    print(f"its plan (EXPLAIN ANALYZE):\n{plan}")
    print(
        report.table(
            "The 2FA tab with the roll-out view, as its administrator over HTTP",
            ["filter", "GETs", "p50 ms", "p95 ms", "max ms", "queries"],
            latency_rows,
        )
    )
    ok_latency = worst <= LATENCY_TARGET
    print(
        f"p95 worst filter {worst * 1000:.0f} ms (target <= {LATENCY_TARGET * 1000:.0f} ms: "
        f"{report.verdict(ok_latency)})"
    )
    rows, growth = [], 0.0
    for label, result in [
        ("everyone, 1st", exports[0]),
        ("everyone, 2nd", exports[1]),
        ("?state=overdue", filtered),
    ]:
        grew = max(h - b for h, b in zip(result["highest"], result["before"], strict=True))
        growth = max(growth, grew)
        rows.append(
            [
                label,
                result["status"],
                result["rows"],
                f"{result['bytes'] / 1e6:.1f}",
                report.ms(result["first"]),
                f"{result['total']:.2f}",
                " / ".join(f"{v:.1f}" for v in result["before"]),
                " / ".join(f"{v:.1f}" for v in result["highest"]),
                " / ".join(f"{v:.1f}" for v in result["after"]),
            ]
        )
    print(
        report.table(
            "Export CSV over HTTP, streamed (RSS in MB, worker 1 / worker 2)",
            [
                "export",
                "status",
                "rows",
                "MB",
                "first byte ms",
                "seconds",
                "RSS before",
                "RSS highest",
                "RSS after",
            ],
            rows,
        )
    )
    ok_export = (
        all(r["status"] == 200 and r["type"].startswith("text/csv") for r in [*exports, filtered])
        and all(r["rows"] == size + 1 for r in exports)
        and filtered["rows"] == counts["overdue"]
    )
    ok_rss = growth <= RSS_FLAT_MB
    print(
        f"every row exported: {report.verdict(ok_export)}; largest growth of a worker while "
        f"streaming {growth:.1f} MB (flat = <= {RSS_FLAT_MB} MB: {report.verdict(ok_rss)})"
    )
    return ok_counts and ok_latency and ok_export and ok_rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 co-workers, to prove it works")
    parser.add_argument("--coworkers", type=int, help="size of the enterprise")
    args = parser.parse_args()
    run(quick=args.quick, coworkers=args.coworkers)


if __name__ == "__main__":
    main()

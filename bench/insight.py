"""The delivery insight chart at 10 million challenges.

PostgreSQL holds 10,000,000 challenge rows over the last 60 days, spread over
200 enterprises of 50 co-workers each (one enterprise, the one charted, is
ten times busier than the rest), every channel and delivery outcome; and the
daily roll-up the portal keeps as codes happen (twofactor.insight), made here
from those same rows by one GROUP BY. Timed in this process, warm, median and
p95 of N runs:
- the chart's query (enterprise.insight.delivery_insight: the roll-up);
- for comparison, the same numbers counted from the challenges themselves
  (a GROUP BY over 30 days joined to the users), which the roll-up avoids.
Target: the chart's query <= 100 ms.

    .venv/bin/python -m bench.insight [--quick] [--rows N]
"""

import argparse
import statistics
import time

from bench import report
from bench.stack import Stack, config_for

TARGET = 0.1
ENTERPRISES = 200
PER_ENTERPRISE = 50

FILL = """
INSERT INTO twofactor_challenge
    (user_id, flow, purpose, channel, destination, code_hash, salt, status,
     failed_attempts, created_at, expires_at, delivery, delivery_detail, provider_id,
     language)
SELECT %(first_user)s + r.who, md5(r.g::text)::uuid, 'login',
       (ARRAY['sms', 'sms', 'sms', 'email', 'voice'])[1 + floor(r.c * 5)::int],
       '+13035550000', '', '', 'used', 0,
       now() - r.age, now() - r.age + interval '10 minutes',
       (ARRAY['delivered', 'delivered', 'delivered', 'delivered', 'delivered',
              'delivered', 'delivered', 'delivered', 'undelivered', 'sent'])
           [1 + floor(r.d * 10)::int],
       '', '', 'en'
FROM (
    SELECT g, random() AS c, random() AS d, random() * interval '60 days' AS age,
           CASE WHEN random() < 0.1 THEN floor(random() * %(per)s)::int
                ELSE floor(random() * %(users)s)::int END AS who
    FROM generate_series(1, %(rows)s) AS g
) AS r
"""

ROLL_UP = """
INSERT INTO twofactor_deliveryday (enterprise_id, day, channel, sent, delivered, failed, fallbacks)
SELECT u.enterprise_id, (c.created_at AT TIME ZONE 'UTC')::date, c.channel,
       count(*),
       count(*) FILTER (WHERE c.delivery = 'delivered'),
       count(*) FILTER (WHERE c.delivery IN ('undelivered', 'failed')),
       0
FROM twofactor_challenge c JOIN accounts_user u ON u.id = c.user_id
GROUP BY 1, 2, 3
"""

DIRECT = """
SELECT (c.created_at AT TIME ZONE 'UTC')::date AS day, c.channel,
       count(*),
       count(*) FILTER (WHERE c.delivery = 'delivered'),
       count(*) FILTER (WHERE c.delivery IN ('undelivered', 'failed'))
FROM twofactor_challenge c JOIN accounts_user u ON u.id = c.user_id
WHERE u.enterprise_id = %s
  AND c.created_at >= (date_trunc('day', now() AT TIME ZONE 'UTC') - interval '29 days')
      AT TIME ZONE 'UTC'
GROUP BY 1, 2 ORDER BY 1, 2
"""


def seed(rows: int):
    """The enterprises, their co-workers, the challenges and the roll-up.
    Returns the charted enterprise."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from enterprise.models import Enterprise

    User = get_user_model()
    enterprises = Enterprise.objects.bulk_create(
        [Enterprise(name=f"Insight {i}", twofactor_enabled=True) for i in range(ENTERPRISES)]
    )
    User.objects.bulk_create(
        [
            User(username=f"in{e.pk}-{i}", enterprise=e, email=f"in{e.pk}-{i}@example.com")
            for e in enterprises
            for i in range(PER_ENTERPRISE)
        ],
        batch_size=5000,
    )
    first_user = User.objects.order_by("id").values_list("id", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")  # the same rows every run
        cursor.execute(
            FILL,
            {
                "rows": rows,
                "first_user": first_user,
                "per": PER_ENTERPRISE,
                "users": ENTERPRISES * PER_ENTERPRISE,
            },
        )
        cursor.execute(ROLL_UP)
        cursor.execute("ANALYZE twofactor_challenge")
        cursor.execute("ANALYZE twofactor_deliveryday")
        cursor.execute("ANALYZE accounts_user")
    # The busiest: the first enterprise (its co-workers get a tenth of all codes).
    return User.objects.get(pk=first_user).enterprise


def timed(run, repeat: int) -> list[float]:
    run()  # warm
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


def run(*, quick: bool, rows: int | None) -> bool:
    rows = rows or (100_000 if quick else 10_000_000)
    repeat = 10 if quick else 50
    with Stack(config_for(quick=quick)) as _stack:
        from django.db import connection

        from enterprise.insight import delivery_insight
        from twofactor.models import Challenge

        started = time.perf_counter()
        enterprise = seed(rows)
        seeding = time.perf_counter() - started
        total = Challenge.objects.count()
        mine = Challenge.objects.filter(user__enterprise=enterprise).count()

        chart = timed(lambda: delivery_insight(enterprise.pk), repeat)

        def direct():
            with connection.cursor() as cursor:
                cursor.execute(DIRECT, [enterprise.pk])
                return cursor.fetchall()

        counted = timed(direct, max(3, repeat // 10))
        charts, table, _first, _last = delivery_insight(enterprise.pk)
        by_hand = direct()
        agree = sum(c.sent for c in charts) == sum(r[2] for r in by_hand)

    rows_out = [
        [
            "the chart (daily roll-up)",
            f"{total:,}",
            len(chart),
            report.ms(statistics.median(chart)),
            report.ms(report.percentile(chart, 95)),
        ],
        [
            "the same, counted from the challenges",
            f"{total:,}",
            len(counted),
            report.ms(statistics.median(counted)),
            report.ms(report.percentile(counted, 95)),
        ],
    ]
    print(
        report.table(
            f"Delivery insight at {total:,} challenges ({report.machine()})",
            ["query", "challenges", "runs", "median ms", "p95 ms"],
            rows_out,
        )
    )
    ok = statistics.median(chart) <= TARGET and agree
    print(
        f"the charted enterprise has {mine:,} of them; {len(table)} day-and-channel rows; "
        f"the roll-up and the challenges agree: {agree}; seeding took {seeding:.0f} s"
    )
    print(f"chart median <= {TARGET * 1000:.0f} ms: {report.verdict(ok)}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows, to prove it works")
    parser.add_argument("--rows", type=int, help="challenge rows (default 10,000,000)")
    args = parser.parse_args()
    run(quick=args.quick, rows=args.rows)


if __name__ == "__main__":
    main()

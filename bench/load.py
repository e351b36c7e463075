"""5. Load: 50 people logging in with a code at once, for 60 seconds.

Each of 50 threads of this process logs in again and again as a different
co-worker (open the login page, password, wait for the SMS at the Twilio
stand-in, code), until the time is up; it starts no login after that. Every
answer that isn't what a person expects counts as an error.
Target: zero errors; throughput and p95 printed.

    .venv/bin/python -m bench.load [--quick] [--users 50] [--seconds 60]
"""

import argparse
import itertools
import threading
import time

from bench import client, cpu, report, seed
from bench.stack import Stack, config_for


def run(*, quick: bool, users: int | None, seconds: float | None) -> bool:
    users = users or (5 if quick else 50)
    seconds = seconds or (3 if quick else 60)
    # Each co-worker logs in once (the hourly limits are per person and per
    # phone); more than the stack could serve in the time.
    accounts_needed = int(users * seconds * 2) + 100 if quick else 4000
    config = config_for(quick=quick)
    with Stack(config) as stack:
        enterprise = seed.enterprise_create("Load")
        accounts = iter(seed.coworkers_create(enterprise, count=accounts_needed, prefix="load"))
        take = threading.Lock()
        done: list[dict] = []
        errors: list[str] = []
        ran_out = threading.Event()

        def person(deadline: float) -> None:
            while time.monotonic() < deadline:
                with take:
                    account = next(accounts, None)
                if account is None:
                    ran_out.set()
                    return
                browser = client.Browser(stack.base_url, timeout=60)
                try:
                    done.append(client.login_with_code(browser, stack.twilio, *account))
                except Exception as exc:  # every kind of failure is an error here
                    errors.append(f"{type(exc).__name__}: {exc}")

        # Warm-up: both web workers and the worker's threads have run once.
        warm_deadline = time.monotonic() + 2
        warm = [threading.Thread(target=person, args=(warm_deadline,)) for _ in range(4)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        done.clear()
        errors.clear()

        web, worker = stack.web_pids(), stack.worker_pids()
        cpu_before = cpu.cpu_of(web), cpu.cpu_of(worker), cpu.postgres_cpu()
        start = time.monotonic()
        deadline = start + seconds
        threads = [
            threading.Thread(target=person, args=(deadline,), daemon=True) for _ in range(users)
        ]
        for t in threads:
            t.start()
        for t in threads:
            # A login started just before the deadline finishes; none hangs
            # past the client's timeout.
            t.join(timeout=seconds + 120)
        elapsed = time.monotonic() - start
        cpu_used = [
            after - before
            for before, after in zip(
                cpu_before,
                (cpu.cpu_of(web), cpu.cpu_of(worker), cpu.postgres_cpu()),
                strict=True,
            )
        ]

    totals = [d["total"] for d in done]
    rows = [
        [
            users,
            f"{elapsed:.0f}",
            len(done),
            len(errors),
            f"{len(done) / elapsed:.1f}",
            report.ms(report.percentile(totals, 50)),
            report.ms(report.percentile(totals, 95)),
            report.ms(report.percentile([d["password"] for d in done], 95)),
            report.ms(report.percentile([d["code_wait"] for d in done], 95)),
            report.ms(report.percentile([d["verify"] for d in done], 95)),
        ]
    ]
    print(
        report.table(
            f"Full 2FA logins under load ({report.machine()})",
            [
                "users",
                "seconds",
                "logins",
                "errors",
                "logins/s",
                "login p50 ms",
                "login p95 ms",
                "password POST p95 ms",
                "code at phone after POST p95 ms",
                "code POST p95 ms",
            ],
            rows,
        )
    )
    web_cpu, worker_cpu, db_cpu = cpu_used
    print(
        f"CPU used: web {web_cpu:.1f} s, worker {worker_cpu:.1f} s, PostgreSQL (all) "
        f"{db_cpu:.1f} s over {elapsed:.0f} s on {report.machine().split(' ')[0]} cores"
    )
    for message, count in itertools.islice(_counted(errors), 5):
        print(f"error x{count}: {message[:300]}")
    if ran_out.is_set():
        print("ran out of co-workers before the time was up: raise accounts_needed")
    ok = not errors and not ran_out.is_set() and bool(done)
    print(f"zero errors: {report.verdict(ok)}")
    return ok


def _counted(messages):
    counts: dict[str, int] = {}
    for m in messages:
        counts[m] = counts.get(m, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 users for 3 s, to prove it works")
    parser.add_argument("--users", type=int)
    parser.add_argument("--seconds", type=float)
    args = parser.parse_args()
    run(quick=args.quick, users=args.users, seconds=args.seconds)


if __name__ == "__main__":
    main()

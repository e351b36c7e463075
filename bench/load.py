"""5. Load: 50 people logging in with a code at once, for 60 seconds.

Each of 50 threads of this process logs in again and again as a different
co-worker (open the login page, password, wait for the SMS at the Twilio
stand-in, code), until the time is up; it starts no login after that. Every
answer that isn't what a person expects counts as an error. Both variants of
bench/variants.py run in one run on one stack, one after the other: today's
(Django's Argon2 parameters, today's gunicorn) and the new.
Target: zero errors; new logins/s >= 3 x today's (issue 14, acceptance 2).

    .venv/bin/python -m bench.load [--quick] [--users 50] [--seconds 60] [--sweep ROUNDS]
"""

import argparse
import itertools
import statistics
import threading
import time

from bench import client, cpu, report, seed
from bench.stack import Stack, config_for
from bench.variants import NEW, TODAY, VARIANTS, Variant, gunicorn_label

RATIO_TARGET = 3.0
# Co-workers per variant in a full run: more than 60 s can serve.
ACCOUNTS = 4000


def run_variant(stack: Stack, variant: Variant, *, users: int, seconds: float, quick: bool) -> dict:
    """One variant's closed loop: the served portal restarted with its
    settings and gunicorn, co-workers of its own with hashes of its parameters."""
    stack.restart_web(settings_module=variant.settings_module, **variant.web)
    shape = gunicorn_label(stack.web_shape())
    # Each co-worker logs in once (the hourly limits are per person and per
    # phone); more than the stack could serve in the time.
    accounts_needed = int(users * seconds * 2) + 100 if quick else ACCOUNTS
    enterprise = seed.enterprise_create(f"Load {variant.name}")
    accounts = iter(
        seed.coworkers_create(
            enterprise,
            count=accounts_needed,
            prefix=f"load{variant.name}",
            password_hash=variant.password_hash(),
        )
    )
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

    # Warm-up: every web worker and the worker's threads have run once.
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
    threads = [threading.Thread(target=person, args=(deadline,), daemon=True) for _ in range(users)]
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
    return {
        "gunicorn": shape,
        "done": done,
        "errors": errors,
        "elapsed": elapsed,
        "cpu": cpu_used,
        "ran_out": ran_out.is_set(),
    }


def run(*, quick: bool, users: int | None, seconds: float | None) -> bool:
    users = users or (5 if quick else 50)
    seconds = seconds or (3 if quick else 60)
    results: dict[str, dict] = {}
    with Stack(config_for(quick=quick)) as stack:
        for variant in VARIANTS:
            results[variant.name] = run_variant(
                stack, variant, users=users, seconds=seconds, quick=quick
            )
            time.sleep(1)  # the worker's last sends, before the next variant's web starts

    rows = []
    for variant in VARIANTS:
        r = results[variant.name]
        done = r["done"]
        totals = [d["total"] for d in done]
        rows.append(
            [
                variant.name,
                variant.hasher,
                r["gunicorn"],
                users,
                f"{r['elapsed']:.0f}",
                len(done),
                len(r["errors"]),
                f"{len(done) / r['elapsed']:.1f}",
                report.ms(report.percentile(totals, 50)),
                report.ms(report.percentile(totals, 95)),
                report.ms(report.percentile([d["password"] for d in done], 95)),
                report.ms(report.percentile([d["code_wait"] for d in done], 95)),
                report.ms(report.percentile([d["verify"] for d in done], 95)),
                f"{r['cpu'][0] / max(len(done), 1) * 1000:.0f}",
            ]
        )
    print(
        report.table(
            f"Full 2FA logins under load ({report.machine()})",
            [
                "variant",
                "password hasher",
                "gunicorn",
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
                "web CPU ms/login",
            ],
            rows,
        )
    )
    cores = report.machine().split(" ")[0]
    for variant in VARIANTS:
        r = results[variant.name]
        web_cpu, worker_cpu, db_cpu = r["cpu"]
        print(
            f"{variant.name}: CPU used: web {web_cpu:.1f} s, worker {worker_cpu:.1f} s, "
            f"PostgreSQL (all) {db_cpu:.1f} s over {r['elapsed']:.0f} s on {cores} cores"
        )
        for message, count in itertools.islice(_counted(r["errors"]), 5):
            print(f"{variant.name}: error x{count}: {message[:300]}")
        if r["ran_out"]:
            print(f"{variant.name}: ran out of co-workers before the time was up: raise ACCOUNTS")
    today, new = results[TODAY.name], results[NEW.name]
    rate = {name: len(r["done"]) / r["elapsed"] for name, r in results.items()}
    ratio = rate[NEW.name] / rate[TODAY.name] if rate[TODAY.name] else float("inf")
    clean = all(not r["errors"] and not r["ran_out"] and r["done"] for r in (today, new))
    ok = clean and ratio >= RATIO_TARGET
    print(
        f"new / today logins/s = {ratio:.2f} (target >= {RATIO_TARGET:g} with 0 errors: "
        f"{report.verdict(ok)})"
    )
    return ok


# gunicorn for a 2-core machine (--sweep): (worker class, workers, threads).
SWEEP = [
    ("sync", 3, 1),
    ("sync", 4, 1),
    ("sync", 6, 1),
    ("gthread", 2, 4),
    ("gthread", 3, 4),
]


def sweep(*, quick: bool, users: int | None, seconds: float | None, rounds: int) -> None:
    """The new hasher under each gunicorn of SWEEP, `rounds` times, the order
    reversed every other round so drift on a shared machine hits all alike."""
    users = users or (5 if quick else 50)
    seconds = seconds or (3 if quick else 30)
    results: dict[tuple, list[dict]] = {shape: [] for shape in SWEEP}
    with Stack(config_for(quick=quick)) as stack:
        for n in range(rounds):
            for shape in SWEEP if n % 2 == 0 else SWEEP[::-1]:
                kind, workers, threads = shape
                variant = Variant(
                    f"{kind}{workers}x{threads}r{n}",
                    NEW.hasher,
                    NEW.settings_module,
                    {"web_workers": workers, "web_worker_class": kind, "web_threads": threads},
                )
                r = run_variant(stack, variant, users=users, seconds=seconds, quick=quick)
                r["pss"] = cpu.pss_mb(stack.web_pids())
                results[shape].append(r)
                time.sleep(1)
    rows = []
    for (kind, workers, threads), runs in results.items():
        rates = [len(r["done"]) / r["elapsed"] for r in runs]
        web_ms = [r["cpu"][0] / max(len(r["done"]), 1) * 1000 for r in runs]
        p95s = [report.percentile([d["total"] for d in r["done"]], 95) for r in runs]
        rows.append(
            [
                f"{kind} {workers}" + (f"x{threads}" if threads > 1 else ""),
                sum(len(r["done"]) for r in runs),
                sum(len(r["errors"]) for r in runs),
                f"{statistics.median(rates):.1f}",
                " ".join(f"{rate:.1f}" for rate in rates),
                report.ms(statistics.median(p95s)),
                " ".join(report.ms(p) for p in p95s),
                f"{statistics.median(web_ms):.0f}",
                f"{statistics.median(r['pss'] for r in runs):.0f}",
            ]
        )
    print(
        report.table(
            f"gunicorn for this machine: {users} users, {seconds:g} s a run, {NEW.hasher}, "
            f"median of {rounds} rounds ({report.machine()})",
            [
                "gunicorn",
                "logins",
                "errors",
                "logins/s",
                "each round",
                "login p95 ms",
                "each round",
                "web CPU ms/login",
                "web MB (PSS)",
            ],
            rows,
        )
    )


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
    parser.add_argument(
        "--sweep", type=int, metavar="ROUNDS", help="compare gunicorn's workers and threads"
    )
    args = parser.parse_args()
    if args.sweep:
        sweep(quick=args.quick, users=args.users, seconds=args.seconds, rounds=args.sweep)
        return
    run(quick=args.quick, users=args.users, seconds=args.seconds)


if __name__ == "__main__":
    main()

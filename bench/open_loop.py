"""Logins arriving at random: 10 full 2FA logins a second for 60 seconds.

An open loop (issue 14, acceptance 1): arrivals are a Poisson process (the
gaps between them drawn from an exponential distribution, seeded), and each
login starts at its arrival on a thread of its own, whether or not earlier
ones have finished, as people on a Monday morning do not wait for each other.
A login is what bench.load's is (open the page, password, the SMS's code
read at the Twilio stand-in, code), each as a co-worker of its own; its time
runs from its arrival to the answer that logs the person in. Both variants
(bench/variants.py: today's hasher parameters and gunicorn, and the new ones)
run on one stack, one after the other, with the same arrival times.
Target (new): 0 errors and login p95 <= 1 s.

    .venv/bin/python -m bench.open_loop [--quick] [--rate 10] [--seconds 60]
"""

import argparse
import itertools
import random
import threading
import time

from bench import client, cpu, report, seed
from bench.load import _counted
from bench.stack import Stack, config_for
from bench.variants import NEW, VARIANTS, Variant, gunicorn_label

P95_TARGET = 1.0


def arrivals(*, rate: float, seconds: float, seed_: int) -> list[float]:
    """Arrival offsets in seconds: a Poisson process of `rate` per second."""
    rng = random.Random(seed_)
    times, t = [], rng.expovariate(rate)
    while t < seconds:
        times.append(t)
        t += rng.expovariate(rate)
    return times


def run_variant(stack: Stack, variant: Variant, schedule: list[float], warm: int) -> dict:
    stack.restart_web(settings_module=variant.settings_module, **variant.web)
    shape = gunicorn_label(stack.web_shape())
    enterprise = seed.enterprise_create(f"Open loop {variant.name}")
    accounts = iter(
        seed.coworkers_create(
            enterprise,
            count=len(schedule) + warm,
            prefix=f"open{variant.name}",
            password_hash=variant.password_hash(),
        )
    )
    # Warm-up, one at a time: every web worker and the worker's threads have
    # run once, so no first request imports or connects.
    for _ in range(warm):
        client.login_with_code(client.Browser(stack.base_url), stack.twilio, *next(accounts))

    people = [next(accounts) for _ in schedule]
    done: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    in_flight = 0
    most_in_flight = 0
    last_end = 0.0

    def login(account, arrived: float) -> None:
        nonlocal in_flight, most_in_flight, last_end
        with lock:
            in_flight += 1
            most_in_flight = max(most_in_flight, in_flight)
        try:
            client.login_with_code(
                client.Browser(stack.base_url, timeout=60), stack.twilio, *account
            )
            with lock:
                done.append(time.perf_counter() - arrived)
        except Exception as exc:  # every kind of failure is an error here
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            with lock:
                in_flight -= 1
                last_end = max(last_end, time.perf_counter())

    web = stack.web_pids()
    web_before = cpu.cpu_of(web)
    threads = []
    start = time.perf_counter()
    for account, offset in zip(people, schedule, strict=True):
        arrive = start + offset
        delay = arrive - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=login, args=(account, arrive), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=180)
    web_cpu = cpu.cpu_of(web) - web_before
    return {
        "gunicorn": shape,
        "done": done,
        "errors": errors,
        "seconds": (last_end or time.perf_counter()) - start,
        "most_in_flight": most_in_flight,
        "web_cpu": web_cpu,
    }


def run(*, quick: bool, rate: float | None, seconds: float | None, seed_: int) -> bool:
    rate = rate or (2.0 if quick else 10.0)
    seconds = seconds or (3.0 if quick else 60.0)
    warm = 2 if quick else 6
    schedule = arrivals(rate=rate, seconds=seconds, seed_=seed_)
    results: dict[str, dict] = {}
    with Stack(config_for(quick=quick)) as stack:
        for variant in VARIANTS:
            results[variant.name] = run_variant(stack, variant, schedule, warm)
            time.sleep(1)  # the worker's last sends, before the next variant's web starts

    rows = []
    for variant in VARIANTS:
        r = results[variant.name]
        finished = len(r["done"]) + len(r["errors"])
        rows.append(
            [
                variant.name,
                variant.hasher,
                r["gunicorn"],
                f"{rate:g}",
                len(schedule),
                len(r["done"]),
                len(r["errors"]),
                f"{len(r['done']) / r['seconds']:.1f}",
                report.ms(report.percentile(r["done"], 50)),
                report.ms(report.percentile(r["done"], 95)),
                report.ms(report.percentile(r["done"], 99)),
                report.ms(max(r["done"], default=float("nan"))),
                r["most_in_flight"],
                f"{r['web_cpu'] / max(finished, 1) * 1000:.0f}",
            ]
        )
    print(
        report.table(
            f"Open-loop 2FA logins, Poisson arrivals at {rate:g}/s for {seconds:g} s "
            f"({report.machine()})",
            [
                "variant",
                "password hasher",
                "gunicorn",
                "offered /s",
                "arrived",
                "logins",
                "errors",
                "achieved /s",
                "login p50 ms",
                "login p95 ms",
                "login p99 ms",
                "max ms",
                "most in flight",
                "web CPU ms/login",
            ],
            rows,
        )
    )
    print(
        f"arrivals: seed {seed_}, the same {len(schedule)} arrival times for each variant; "
        "achieved /s = logins / (first arrival to last login's end)"
    )
    for variant in VARIANTS:
        for message, count in itertools.islice(_counted(results[variant.name]["errors"]), 5):
            print(f"{variant.name}: error x{count}: {message[:300]}")
    new = results[NEW.name]
    p95 = report.percentile(new["done"], 95)
    ok = bool(new["done"]) and not new["errors"] and p95 <= P95_TARGET
    print(
        f"new: {len(new['errors'])} errors, login p95 {report.ms(p95)} ms "
        f"(target 0 errors and <= {P95_TARGET * 1000:.0f} ms: {report.verdict(ok)})"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2/s for 3 s, to prove it works")
    parser.add_argument("--rate", type=float, help="logins arriving per second (default 10)")
    parser.add_argument("--seconds", type=float, help="seconds of arrivals (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="the arrivals' random seed")
    args = parser.parse_args()
    run(quick=args.quick, rate=args.rate, seconds=args.seconds, seed_=args.seed)


if __name__ == "__main__":
    main()

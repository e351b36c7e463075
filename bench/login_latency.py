"""1. The login never waits on a provider.

Password-step POST latency (p50, p95) with the Twilio stand-in answering at
once and after 2 seconds, one request at a time, fast and slow interleaved;
then the same with no broker, so the task runs inline in the request (eager),
to show what queuing buys. Each login waits for its code to reach the phone
before the next starts, so the worker is never busy during a measured POST.
Target: queued p50 slow/fast <= 1.1.

    .venv/bin/python -m bench.login_latency [--quick] [--logins N]
"""

import argparse
import time

from bench import client, report, seed
from bench.stack import Stack, config_for

SLOW = 2.0
RATIO_TARGET = 1.1


def measure(stack: Stack, accounts, latencies: list[float], rounds: int) -> dict:
    """{latency: ([POST seconds], [POST start -> code at the phone seconds])}"""
    results = {latency: ([], []) for latency in latencies}
    for _ in range(rounds):
        for latency in latencies:
            username, phone = next(accounts)
            stack.twilio.latency = latency
            browser = client.Browser(stack.base_url)
            client.expect(browser.get("/login/"), 200)
            seen = stack.twilio.count(phone)
            start = time.perf_counter()
            post = client.expect(
                browser.post("/login/", {"username": username, "password": client.PASSWORD}),
                302,
                "/login/verify/",
            )
            stack.twilio.wait_code(phone, seen=seen, timeout=latency + 15)
            results[latency][0].append(post.seconds)
            results[latency][1].append(time.perf_counter() - start)
    return results


def run(*, quick: bool, logins: int | None) -> bool:
    rounds = logins or (2 if quick else 40)
    warmup = 2 if quick else 6
    per_mode = (rounds + warmup) * 2
    config = config_for(quick=quick)
    rows, p50 = [], {}
    with Stack(config) as stack:
        enterprise = seed.enterprise_create("Latency")
        accounts = iter(seed.coworkers_create(enterprise, count=per_mode * 2, prefix="lat"))
        for mode in ("queued", "eager"):
            if mode == "eager":
                stack.stop("worker")
                stack.restart_web(eager=True)
            measure(stack, accounts, [0.0], warmup * 2)
            results = measure(stack, accounts, [0.0, SLOW], rounds)
            for latency, (posts, arrivals) in results.items():
                p50[mode, latency] = report.percentile(posts, 50)
                rows.append(
                    [
                        mode,
                        f"{latency:.0f} s",
                        len(posts),
                        report.ms(report.percentile(posts, 50)),
                        report.ms(report.percentile(posts, 95)),
                        report.ms(max(posts)),
                        f"{report.percentile(arrivals, 50):.2f}",
                    ]
                )
    print(
        report.table(
            f"Password-step POST latency, one request at a time ({report.machine()})",
            ["mode", "provider", "logins", "p50 ms", "p95 ms", "max ms", "code at phone p50 s"],
            rows,
        )
    )
    queued = p50["queued", SLOW] / p50["queued", 0.0]
    eager = p50["eager", SLOW] / p50["eager", 0.0]
    ok = queued <= RATIO_TARGET
    print(f"queued: p50 slow/fast = {queued:.2f} (target <= {RATIO_TARGET}: {report.verdict(ok)})")
    print(f"eager:  p50 slow/fast = {eager:.2f} (what queuing buys)")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few logins, to prove it works")
    parser.add_argument("--logins", type=int, help="logins per mode and provider latency")
    args = parser.parse_args()
    run(quick=args.quick, logins=args.logins)


if __name__ == "__main__":
    main()

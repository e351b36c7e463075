"""What the worker spends on one code, Celery aside.

The delivery task's body (twofactor.tasks.challenge_deliver without Celery:
claim the challenge, draw the code, the Twilio SDK's request to the stand-in,
mark it sent, the audit row, the catch-up for early status reports) run for
N challenges, one after another in one thread of this process, the stand-in
answering at once. CPU time of that thread only (time.thread_time): the
stand-in's CPU is not in it, and the machine's other processes move it less
than they move bench.delivery's throughput. Run it on two checkouts to
compare a change to the worker's path.

    .venv/bin/python -m bench.task_cpu [--quick]
"""

import argparse
import statistics
import time
from datetime import timedelta

from bench import report, seed
from bench.stack import Stack, config_for

ROUNDS = 5


def run(*, quick: bool) -> bool:
    per_round = 20 if quick else 500
    rounds = 1 if quick else ROUNDS
    with Stack(config_for(quick=quick, eager=True)) as stack:
        stack.twilio.latency = 0
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from twofactor import delivery, reports
        from twofactor.models import Challenge

        enterprise = seed.enterprise_create("Task CPU")
        created = seed.coworkers_create(enterprise, count=per_round * rounds + 20, prefix="cpu")
        ids = dict(get_user_model().objects.values_list("username", "id"))
        users = [(ids[username], phone) for username, phone in created]

        def challenges(part) -> list[int]:
            expires = timezone.now() + timedelta(minutes=10)
            rows = Challenge.objects.bulk_create(
                Challenge(
                    user_id=uid,
                    purpose=Challenge.Purpose.LOGIN,
                    channel="sms",
                    destination=phone,
                    expires_at=expires,
                    requested_ip="127.0.0.1",
                )
                for uid, phone in part
            )
            return [row.pk for row in rows]

        def deliver(pks: list[int]) -> float:
            start = time.thread_time()
            for pk in pks:
                provider_id = delivery.challenge_deliver(challenge_id=pk)
                reports.challenge_delivery_catch_up(provider_id=provider_id)
            return (time.thread_time() - start) / len(pks)

        deliver(challenges(users[:20]))  # warm-up: connections, templates, imports
        rows, results = [], []
        for n in range(rounds):
            pks = challenges(users[20 + n * per_round : 20 + (n + 1) * per_round])
            cpu = deliver(pks)
            sent = Challenge.objects.filter(pk__in=pks, delivery=Challenge.Delivery.SENT).count()
            if sent != len(pks):
                raise RuntimeError(f"only {sent} of {len(pks)} codes were sent")
            results.append(cpu)
            rows.append([n + 1, len(pks), f"{cpu * 1000:.2f}"])
    print(
        report.table(
            f"The delivery task's body, one thread, provider answering at once "
            f"({report.machine()})",
            ["round", "codes", "CPU ms/code"],
            rows,
        )
    )
    print(f"median of {rounds}: {statistics.median(results) * 1000:.2f} CPU ms per code")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few codes, to prove it works")
    args = parser.parse_args()
    run(quick=args.quick)


if __name__ == "__main__":
    main()

"""Roll-out reminders on the real stack: two `celery -A portal beat`
processes tick every second beside a real worker on Redis, emailing through
a real SMTP server. Each co-worker without 2FA gets the reminder once."""

import datetime as dt
import subprocess
import time

import pytest

from enterprise.models import Enterprise, RolloutReminder
from tests.delivery.parts import BASE_DIR, CELERY, wait_for
from tests.stand_ins.processes import stop
from twofactor.models import CodeDevice

SUBJECT = "turn on two-factor authentication by"


@pytest.fixture
def two_beats(worker_env, worker_logs, redis_broker):
    started = []

    def start(name: str):
        log = open(worker_logs / f"{name}.log", "w")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "portal",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(worker_logs / f"{name}-schedule"),
            ],
            cwd=BASE_DIR,
            env={**worker_env, "ROLLOUT_REMINDER_EVERY_SECONDS": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log, worker_logs / f"{name}.log"))

    yield start
    for process, log, path in started:
        stop(process)
        log.close()
        print(f"----- log of {path.name} -----\n{path.read_text(errors='replace')}")


def test_a_reminder_goes_once_per_person_with_two_beats_running(
    live_delivery, providers, make_user, two_beats
):
    _twilio, smtp = providers
    today = dt.datetime.now(dt.UTC).date()
    acme = Enterprise.objects.create(
        name="Acme",
        twofactor_enabled=True,
        twofactor_required=True,
        twofactor_deadline=today + dt.timedelta(days=7),
    )
    waiting = [make_user(name, acme) for name in ("ann", "bob", "cy")]
    done = make_user("dee", acme)
    CodeDevice.objects.create(user=done, enrolled=True, confirmed=True, name="code")

    two_beats("beat-1")
    two_beats("beat-2")

    def reminders():
        return [m for m in smtp.messages if SUBJECT in m["message"]["Subject"]]

    wait_for(lambda: len(reminders()) >= 3, timeout=60, what="three reminders")
    # Both beats keep ticking (each every second): give them several more
    # rounds to send a second one.
    time.sleep(6)

    sent = reminders()
    assert sorted(to for m in sent for to in m["to"]) == sorted(u.email for u in waiting)
    assert RolloutReminder.objects.filter(milestone=7).count() == 3
    assert not RolloutReminder.objects.filter(user=done).exists()

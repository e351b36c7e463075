"""The benchmarks still work: each runs once in --quick mode (about three minutes
in all) against the machine's PostgreSQL and Redis, starting and stopping its
own gunicorn, Celery worker and Twilio stand-in. The numbers of a quick run
are too small to judge the targets; docs/PERFORMANCE.md has the full runs.

Runs in CI (PORTAL_REQUIRE_REAL_PARTS=1) or with PORTAL_BENCH=1; a plain
`make test` skips it, so the everyday test run stays fast."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("PORTAL_REQUIRE_REAL_PARTS") == "1"
TITLES = [
    "Password-step POST latency",
    "Delivery, one worker",
    "The delivery task's body, one thread",
    "Server CPU per login",
    "Passkey checks, py_webauthn and fido2",
    "The 2FA tab of an enterprise",
    "Channel change for every enrolment",
    "Roll-out counts of an enterprise",
    "The 2FA tab with the roll-out view",
    "Full 2FA logins under load",
    "Logins when 10% of SMS are undelivered",
    "Logins whose first SMS was undelivered",
    "Delivery insight at",
    "Argon2id, one hash per parameter set",
    "Open-loop 2FA logins, Poisson arrivals",
    "Password step beside django-two-factor-auth",
]


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_it_runs_every_benchmark_in_quick_mode():
    if not (REQUIRED or os.environ.get("PORTAL_BENCH") == "1"):
        pytest.skip("benchmarks run in CI or with PORTAL_BENCH=1 (see docs/PERFORMANCE.md)")
    parts = {"PostgreSQL": 5432, "Redis": 6379}
    missing = [name for name, port in parts.items() if not reachable(port)]
    if missing:
        message = f"real part missing for the benchmarks: {', '.join(missing)} on 127.0.0.1"
        if REQUIRED:
            pytest.fail(message, False)
        pytest.skip(message)

    result = subprocess.run(
        [sys.executable, "-m", "bench.all", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # About three minutes, and up to a minute more the first time on a
        # machine: bench.dj2fa builds django-two-factor-auth's virtualenv
        # (var/bench-dj2fa-venv, 35-40 s from PyPI), then reuses it.
        timeout=480,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for title in TITLES:
        assert title in output, f"no table {title!r}:\n{output[-4000:]}"
    assert "Traceback" not in output, output[-4000:]

"""docs/SECURITY.md: DEBUG is off unless DJANGO_DEBUG=1; /dev/outbox/ exists only
with DEBUG and for loopback clients.

Before the fix, DEBUG was on when DJANGO_DEBUG was unset, and /dev/outbox/
then showed live codes to anyone."""

import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

BASE = Path(__file__).resolve().parents[2]


def debug_with(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_debug_is_off_when_nothing_is_set():
    assert debug_with(DJANGO_SECRET_KEY="x" * 60) == "False"


def test_only_a_one_turns_development_mode_on():
    assert debug_with(DJANGO_DEBUG="1") == "True"
    assert debug_with(DJANGO_DEBUG="yes-please", DJANGO_SECRET_KEY="x" * 60) == "False"


def test_the_outbox_is_for_the_developers_own_machine(client, settings, db):
    settings.DEBUG = True

    assert client.get(reverse("dev_outbox"), REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get(reverse("dev_outbox"), REMOTE_ADDR="::1").status_code == 200
    assert client.get(reverse("dev_outbox"), REMOTE_ADDR="203.0.113.5").status_code == 404
    assert client.get(reverse("dev_outbox"), REMOTE_ADDR="10.0.0.8").status_code == 404

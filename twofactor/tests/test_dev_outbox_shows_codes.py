"""README: in development (DEBUG on), every code sent is also listed at
/dev/outbox/, so a newcomer can log in without a phone or a mail server.
settings.py wraps each channel in the outbox backend only when DEBUG is on."""

import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from tests.code_step import T0, twofactor_on
from tests.fixtures import LOCMEM, last_code, password_step

OUTBOX = "twofactor.channels.outbox.OutboxChannel"
BASE = Path(__file__).resolve().parents[2]


def test_the_code_of_a_login_is_listed_with_whom_it_went_to(
    client, coworker, acme, outbox, settings, tmp_path, time_machine
):
    settings.DEBUG = True
    settings.TWOFACTOR_DEV_OUTBOX = tmp_path / "outbox.jsonl"
    settings.TWOFACTOR_CHANNELS = {
        alias: {"BACKEND": OUTBOX, "OPTIONS": LOCMEM} for alias in ("email", "sms", "voice")
    }
    twofactor_on(acme, coworker, channel="sms")
    time_machine.move_to(T0, tick=False)

    password_step(client, coworker)
    page = client.get(reverse("dev_outbox")).content.decode()

    assert last_code(outbox) in page  # sent by the wrapped backend, and listed
    assert "<strong>SMS</strong> to +13035551299" in page
    assert T0.isoformat() in page


def channel_backends(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    code = (
        "from django.conf import settings; "
        "print(sorted({c['BACKEND'] for c in settings.TWOFACTOR_CHANNELS.values()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip() or result.stderr


def test_only_development_wraps_the_channels_in_the_outbox():
    assert channel_backends(DJANGO_DEBUG="1") == f"['{OUTBOX}']"
    assert OUTBOX not in channel_backends(DJANGO_SECRET_KEY="k" * 60)

"""docs/BEHAVIOUR.md: production values come from the environment, and with them
`manage.py check --deploy` reports no warnings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"
PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "PORTAL_BASE_URL": "https://portal.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "EMAIL_USE_TLS": "1",
    "DEFAULT_FROM_EMAIL": "Customer Portal <codes@portal.example.com>",
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
    "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
    "TWILIO_FROM_NUMBER": "+15005550006",
}
CASES = {
    "production": PRODUCTION,
    "weak key": {**PRODUCTION, "DJANGO_SECRET_KEY": "short-and-guessable"},
    "no key": {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"},
    "no providers": {"DJANGO_SECRET_KEY": PRODUCTION["DJANGO_SECRET_KEY"]},
}


@pytest.fixture(scope="module")
def check_deploy() -> dict[str, subprocess.CompletedProcess]:
    """`check --deploy --fail-level WARNING` with DEBUG off, once per case,
    the three processes side by side to keep the suite fast."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TWILIO_", "EMAIL_"))
    }
    base.update(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="portal.example.com")
    running = {
        name: subprocess.Popen(
            [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
            env={**base, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, extra in CASES.items()
    }
    results = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=60)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return results


def test_production_settings_have_no_deploy_warnings(check_deploy):
    result = check_deploy["production"]

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_weak_secret_key_is_reported(check_deploy):
    result = check_deploy["weak key"]

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_without_a_secret_key_production_does_not_start(check_deploy):
    result = check_deploy["no key"]

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off." in result.stderr


def test_the_development_outbox_does_not_exist_without_debug(client, settings):
    settings.DEBUG = False

    assert client.get(reverse("dev_outbox")).status_code == 404


def test_a_portal_that_would_only_print_its_codes_is_reported(check_deploy):
    """Production with no SMTP, no Twilio and a plain-HTTP address: every code
    would be printed, not sent."""
    result = check_deploy["no providers"]

    assert result.returncode != 0
    for check in ("twofactor.W020", "twofactor.W022", "twofactor.W023"):
        assert check in result.stdout + result.stderr

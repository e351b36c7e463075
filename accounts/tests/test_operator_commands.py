"""The commands an operator runs (README, "Commands"): what they create, and
a clear refusal, changing nothing, for what they cannot do."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from enterprise.models import Enterprise
from tests.fixtures import PASSWORD


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_create_enterprise(db):
    assert run("create_enterprise", "  Acme Logistics ") == 'Created enterprise "Acme Logistics".\n'
    assert Enterprise.objects.get().name == "Acme Logistics"


@pytest.mark.parametrize("name", ["", "   "])
def test_an_enterprise_needs_a_name(db, name):
    with pytest.raises(CommandError, match="cannot be empty"):
        run("create_enterprise", name)
    assert not Enterprise.objects.exists()


def test_an_enterprise_name_is_taken_once(acme):
    with pytest.raises(CommandError, match='An enterprise named "Acme" already exists'):
        run("create_enterprise", "Acme")


def test_create_portal_user_as_administrator(acme):
    out = run(
        "create_portal_user",
        "ada",
        enterprise="Acme",
        email="ada@acme.example",
        phone="+1 303 555 1212",
        admin=True,
        password=PASSWORD,
    )

    assert out == 'Created administrator "ada" in "Acme".\n'
    ada = get_user_model().objects.get(username="ada")
    assert ada.is_enterprise_admin and ada.phone.as_e164 == "+13035551212"
    assert ada.check_password(PASSWORD) and ada.password.startswith("md5$")


def test_the_password_can_come_from_the_environment(acme, monkeypatch):
    monkeypatch.setenv("PORTAL_USER_PASSWORD", PASSWORD)

    out = run("create_portal_user", "carl", enterprise="Acme", email="carl@acme.example")

    assert out == 'Created co-worker "carl" in "Acme".\n'


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"enterprise": "Nowhere"}, 'No enterprise named "Nowhere"'),
        ({"phone": "303-555-1212"}, "E.164 format"),
        ({"phone": "+19002345678"}, "premium-rate numbers are refused"),
        ({"password": "short"}, "too short"),
        ({"email": "not an email"}, "valid email"),
    ],
)
def test_create_portal_user_refuses_with_a_reason(acme, options, message):
    arguments = {"enterprise": "Acme", "email": "carl@acme.example", "password": PASSWORD}

    with pytest.raises(CommandError, match=message):
        run("create_portal_user", "carl", **{**arguments, **options})
    assert not get_user_model().objects.filter(username="carl").exists()


def test_create_portal_user_needs_a_password(acme, monkeypatch):
    monkeypatch.delenv("PORTAL_USER_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="Give --password or set PORTAL_USER_PASSWORD"):
        run("create_portal_user", "carl", enterprise="Acme", email="carl@acme.example")


def test_seed_demo_is_idempotent(db, monkeypatch):
    monkeypatch.delenv("PORTAL_USER_PASSWORD", raising=False)

    first = run("seed_demo")
    second = run("seed_demo")

    assert first == second
    assert "admin  / demo-password-2fa   (administrator, phone +13035551212)" in first
    assert "bob    / demo-password-2fa   (co-worker, phone none)" in first
    users = get_user_model().objects.order_by("username")
    assert [u.username for u in users] == ["admin", "alice", "bob"]
    assert Enterprise.objects.get().name == "Demo Enterprise"

"""Every POST is refused without a CSRF token, and the change does not happen."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from enterprise.models import Enterprise
from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code
from twofactor.models import CodeDevice

CSRF_PAGE = "This form has expired"
# Provider callbacks cannot hold a token; each checks a signature instead
# (its own tests prove that). Nothing else may be exempt.
SIGNED_CALLBACKS = {"/twofactor/twilio/status/"}
ADMIN_POSTS = ["/admin/login/", "/admin/logout/", "/admin/password_change/"]


def portal_paths(user_id: int) -> list[str]:
    """Every URL of the portal outside /admin/, with sample arguments."""
    paths = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith("admin/"):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                route = re.sub(r"<int:\w+>", str(user_id), route)
                route = re.sub(r"<(?:str:|slug:)?\w+>", "login", route)
                paths.append("/" + route.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def token(client, url=None) -> str:
    client.get(url or reverse("login"))
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def test_the_list_covers_the_pages_we_know(admin_user):
    paths = portal_paths(admin_user.pk)
    for known in ["/login/", "/login/verify/", "/logout/", "/account/settings/"]:
        assert known in paths
    assert f"/enterprise/settings/coworkers/{admin_user.pk}/" in paths


def test_every_portal_post_without_a_token_is_refused(admin_user, acme):
    client = csrf_client()
    verified_login(client, admin_user)
    for path in portal_paths(admin_user.pk) + ADMIN_POSTS:
        response = client.post(path, {"anything": "x"})
        if path in SIGNED_CALLBACKS:
            assert response.status_code == 403, path
            continue
        assert response.status_code == 403, path
        assert CSRF_PAGE in page_text(response), path


def test_a_stale_token_is_refused_too(admin_user, acme):
    client = csrf_client()
    verified_login(client, admin_user)
    token(client, reverse("enterprise:twofactor"))

    response = client.post(
        reverse("enterprise:twofactor"),
        {"status": "on", "channel": "sms", "csrfmiddlewaretoken": "x" * 64},
    )

    assert response.status_code == 403
    assert Enterprise.objects.get().twofactor_enabled is False


def test_log_in_without_a_token_logs_nobody_in(coworker, outbox):
    client = csrf_client()
    data = {"username": coworker.username, "password": PASSWORD}

    refused = client.post(reverse("login"), data)
    accepted = client.post(reverse("login"), {**data, "csrfmiddlewaretoken": token(client)})

    assert refused.status_code == 403 and CSRF_PAGE in page_text(refused)
    assert accepted.status_code == 302 and is_logged_in(client)


@pytest.fixture
def at_code_step(coworker, acme, outbox):
    twofactor_on(acme, coworker)
    client = csrf_client()
    client.post(
        reverse("login"),
        {"username": coworker.username, "password": PASSWORD, "csrfmiddlewaretoken": token(client)},
    )
    assert len(outbox) == 1
    return client


def test_verify_and_resend_without_a_token_change_nothing(at_code_step, outbox):
    client = at_code_step
    code = last_code(outbox)

    verify = client.post(reverse("login_verify"), {"code": code})
    resend = client.post(reverse("login_resend"))

    assert verify.status_code == 403 and not is_logged_in(client)
    assert resend.status_code == 403 and len(outbox) == 1
    csrf = token(client, reverse("login_verify"))
    client.post(reverse("login_verify"), {"code": code, "csrfmiddlewaretoken": csrf})
    assert is_logged_in(client)


def test_log_out_without_a_token_keeps_the_session(coworker):
    client = csrf_client()
    verified_login(client, coworker)

    response = client.post(reverse("logout"))

    assert response.status_code == 403 and is_logged_in(client)


def test_my_account_without_a_token_changes_nothing(coworker, acme, outbox):
    twofactor_on(acme, coworker)
    client = csrf_client()
    verified_login(client, coworker)

    response = client.post(
        reverse("accounts:settings"), {"email": "mallory@example.net", "phone": ""}
    )

    assert response.status_code == 403
    coworker.refresh_from_db()
    assert coworker.email == "carl@example.com"
    assert CodeDevice.objects.get(user=coworker).enrolled is True
    assert outbox == []


def test_a_change_waiting_for_its_code_cannot_be_verified_without_a_token(coworker, acme, outbox):
    twofactor_on(acme, coworker)
    client = csrf_client()
    verified_login(client, coworker)
    csrf = token(client, reverse("accounts:settings"))
    client.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "", "csrfmiddlewaretoken": csrf},
    )
    assert len(outbox) == 1

    verify = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    resend = client.post(reverse("twofactor:resend"))

    assert verify.status_code == 403 and resend.status_code == 403
    assert CodeDevice.objects.get(user=coworker).enrolled is True
    assert len(outbox) == 1


def test_enterprise_settings_without_a_token_change_nothing(admin_user, coworker, acme):
    client = csrf_client()
    verified_login(client, admin_user)
    acme.twofactor_enabled = True
    acme.save()

    policy = client.post(reverse("enterprise:twofactor"), {"channel": "voice"})
    notify = client.post(reverse("enterprise:notify"))

    assert policy.status_code == 403 and notify.status_code == 403
    acme.refresh_from_db()
    assert (acme.twofactor_enabled, acme.twofactor_channel) == (True, "email")
    assert mail.outbox == []


def test_admin_without_a_token_changes_nothing(acme, make_user):
    operator = make_user("olga", acme)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    victim = make_user("vic", acme)
    twofactor_on(acme, operator)
    client = csrf_client()
    verified_login(client, operator)
    assert client.get("/admin/").status_code == 200

    response = client.post(f"/admin/accounts/user/{victim.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert get_user_model().objects.filter(pk=victim.pk).exists()

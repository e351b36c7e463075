"""Recovery codes: ten, `xxxx-xxxx`, shown once after a step-up, stored as
hashes, each single use, counted toward the same locks; using one emails the
person with how many are left; generating new ones voids the old."""

import re
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import is_logged_in, page_text, twofactor_on, verified_login
from tests.fixtures import last_code, password_step
from twofactor.models import CodeDevice, RecoveryCode

CODE = re.compile(r"<li>([a-z0-9]{4}-[a-z0-9]{4})</li>")


@pytest.fixture
def enrolled(acme, coworker):
    twofactor_on(acme, coworker)
    return coworker


def generate(client, outbox) -> list[str]:
    """Generate recovery codes on the Security tab: a step-up, then the page."""
    response = client.post(reverse("accounts:recovery_codes"))
    if response.url == reverse("twofactor:verify"):
        response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    page = client.get(response.url)
    return CODE.findall(page.content.decode())


def test_generating_shows_ten_codes_once_and_stores_only_hashes(client, enrolled, outbox):
    verified_login(client, enrolled)

    codes = generate(client, outbox)

    assert len(codes) == 10 and len(set(codes)) == 10
    alphabet = set(settings.TWOFACTOR_RECOVERY_ALPHABET)
    for code in codes:
        assert set(code.replace("-", "")) <= alphabet
        assert not set(code) & set("0o1il5s2z8b")
    stored = str(list(RecoveryCode.objects.values_list("code_hash", "salt")))
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored
    # Shown once: the page again shows none, only how many are left.
    again = page_text(client.get(reverse("accounts:security")))
    assert not CODE.search(client.get(reverse("accounts:security")).content.decode())
    assert "10 of 10" in again
    assert AuditEvent.objects.filter(action="recovery_codes_generated", target=enrolled).exists()
    assert any("new recovery codes" in m.subject for m in mail.outbox)


def test_the_download_holds_the_same_codes(client, enrolled, outbox):
    verified_login(client, enrolled)
    client.post(reverse("accounts:recovery_codes"))
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    page = client.get(reverse("accounts:security")).content.decode()
    link = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)" download="([^"]+)"', page)
    from urllib.parse import unquote

    assert link.group(2).endswith(".txt")
    assert unquote(link.group(1)).split() == CODE.findall(page)


def test_generating_needs_a_step_up_and_2fa_on(client, acme, coworker, outbox):
    verified_login(client, coworker)
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 400
    assert "Turn on two-factor authentication first" in page_text(response)
    assert not RecoveryCode.objects.exists()

    twofactor_on(acme, coworker)
    verified_login(client, coworker)
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.url == reverse("twofactor:verify")
    assert not RecoveryCode.objects.exists()  # not before the code


def test_a_recovery_code_logs_in_once_and_the_person_is_told(client, enrolled, outbox):
    verified_login(client, enrolled)
    codes = generate(client, outbox)
    client.post(reverse("logout"))

    password_step(client, enrolled)
    page = page_text(client.get(reverse("login_verify")))
    assert "Use a recovery code" in page
    mail.outbox.clear()
    response = client.post(reverse("login_verify"), {"recovery_code": codes[0].upper()})
    assert response.status_code == 302 and is_logged_in(client)
    assert AuditEvent.objects.filter(action="recovery_code_used", detail="9 left").exists()
    assert "you have 9 left" in mail.outbox[-1].body

    # The same code a second time: refused.
    again = Client()
    password_step(again, enrolled)
    refused = again.post(reverse("login_verify"), {"recovery_code": codes[0]})
    assert refused.status_code == 400 and not is_logged_in(again)
    assert "not correct, or it was already used" in page_text(refused)


def test_generating_new_codes_voids_the_old(client, enrolled, outbox):
    verified_login(client, enrolled)
    old = generate(client, outbox)
    new = generate(client, outbox)
    assert not set(old) & set(new)
    other = Client()
    password_step(other, enrolled)
    assert other.post(reverse("login_verify"), {"recovery_code": old[1]}).status_code == 400
    assert other.post(reverse("login_verify"), {"recovery_code": new[1]}).status_code == 302


def test_wrong_recovery_codes_count_toward_the_same_lock(client, enrolled, outbox):
    verified_login(client, enrolled)
    codes = generate(client, outbox)
    attacker = Client()
    password_step(attacker, enrolled)
    for _ in range(settings.TWOFACTOR_LOCKOUT_FAILURES):
        attacker.post(reverse("login_verify"), {"recovery_code": "aaaa-aaaa"})
    assert CodeDevice.objects.get(user=enrolled).lock() is not None
    # Locked: even a right recovery code (or a sent code) waits.
    response = attacker.post(reverse("login_verify"), {"recovery_code": codes[0]})
    assert response.status_code == 429 and not is_logged_in(attacker)


def test_a_recovery_code_is_a_step_up_but_never_proves_a_new_phone(client, acme, coworker, outbox):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)
    codes = generate(client, outbox)
    fresh = Client()
    verified_login(fresh, coworker)

    # Change the phone: step 1 (step-up) may be a recovery code...
    fresh.post(
        reverse("accounts:settings"),
        {"email": coworker.email, "phone": "+13035550177", "twofactor": "on"},
    )
    assert "Use a recovery code" in page_text(fresh.get(reverse("twofactor:verify")))
    fresh.post(reverse("twofactor:verify"), {"recovery_code": codes[0]})
    # ...step 2, the new phone's own code, may not.
    page = fresh.get(reverse("twofactor:verify"))
    assert "Use a recovery code" not in page_text(page)
    refused = fresh.post(reverse("twofactor:verify"), {"recovery_code": codes[1]})
    assert refused.status_code == 400
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035551299"


def test_turning_2fa_off_voids_the_codes(client, enrolled, outbox):
    verified_login(client, enrolled)
    generate(client, outbox)
    client.post(reverse("accounts:settings"), {"email": enrolled.email, "phone": ""})
    assert not RecoveryCode.objects.filter(user=enrolled).exists()


@pytest.mark.django_db(transaction=True)
def test_two_requests_cannot_both_use_one_code(enrolled, outbox):
    from twofactor.codes import CodeError
    from twofactor.recovery import recovery_generate, recovery_verify

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    code = recovery_generate(user=enrolled, ip=None)[0]
    results = []
    barrier = threading.Barrier(4)

    def use():
        barrier.wait()
        try:
            recovery_verify(user=enrolled, code=code, ip=None)
            results.append("ok")
        except CodeError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "refused", "refused", "refused"]


@pytest.mark.django_db(transaction=True)
def test_six_security_pages_at_once_after_the_step_up_draw_one_set(enrolled, outbox):
    """A double click, a second tab or a copy of the cookie: the pages that
    load at once after the step-up show one set of codes, and only it works."""
    from accounts.services import RECOVERY_SHOW

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    owner = Client()
    verified_login(owner, enrolled)
    owner.post(reverse("accounts:recovery_codes"))
    owner.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert owner.session.get(RECOVERY_SHOW)
    copies = []
    for _ in range(6):
        copy = Client()
        copy.cookies = owner.cookies.__class__(owner.cookies)
        copies.append(copy)
    pages = [None] * 6
    barrier = threading.Barrier(6)

    def load(i):
        try:
            barrier.wait()
            pages[i] = copies[i].get(reverse("accounts:security")).content.decode()
        finally:
            connection.close()

    threads = [threading.Thread(target=load, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    shown = [CODE.findall(page) for page in pages if CODE.findall(page)]
    assert len(shown) == 1
    assert RecoveryCode.objects.filter(user=enrolled, used_at__isnull=True).count() == 10

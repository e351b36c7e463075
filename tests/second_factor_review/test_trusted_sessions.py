"""The _trusted_by session check: can a session opened by a remembered
browser outlive that trust, or make the middleware fail?"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.sessions import CODE_PROVEN, TRUSTED_BY
from tests.code_step import is_logged_in, twofactor_on, verified_login
from tests.second_factor_review.helpers import (
    COOKIE,
    NOW,
    copy_of,
    password_only_login,
    remember_with_code,
)
from twofactor.models import TrustedBrowser


@pytest.fixture
def remembering(acme, coworker, time_machine):
    twofactor_on(acme, coworker)
    acme.remember_browser_days = 30
    acme.save()
    time_machine.move_to(NOW, tick=False)
    return acme


def thief_in_by_the_remembered_browser(coworker, outbox):
    """Carl's laptop is remembered; a thief with his password uses it (a shared
    desk, or a copy of its trust cookie): a session opened by that trust."""
    laptop = Client()
    remember_with_code(laptop, coworker, outbox)
    laptop.post(reverse("logout"))
    thief = Client()
    thief.cookies[COOKIE] = laptop.cookies[COOKIE].value
    assert password_only_login(thief, coworker, outbox)
    assert TRUSTED_BY in thief.session
    return thief


@pytest.mark.parametrize("how", ["revoke_all", "revoke_this_one"])
def test_a_session_opened_by_a_browser_cuts_itself_loose_by_revoking_it(
    remembering, acme, coworker, outbox, how
):
    """FINDING. A session opened by a remembered browser must end when that
    browser's trust ends, Revoke included (docs/SECURITY.md). The thief, in
    the session the trust opened, presses Revoke (or Revoke all) first: the
    views drop _trusted_by from *that* session and keep it, with
    _code_proven. The trust is gone, the session is not: Carl finds nothing
    left to revoke on Security, and the administrator's answer (Remember
    browsers for 0 days, which ends every trust and the sessions they
    opened) no longer reaches it. For up to 12 hours the thief holds a
    session as good as one verified by a code."""
    thief = thief_in_by_the_remembered_browser(coworker, outbox)
    if how == "revoke_all":
        thief.post(reverse("accounts:browsers_revoke_all"))
    else:
        trusted = TrustedBrowser.objects.get(user=coworker)
        thief.post(reverse("accounts:browser_revoke", args=[trusted.pk]))
    assert not TrustedBrowser.objects.filter(user=coworker).exists()

    # The administrator ends remembered browsers for everyone.
    acme.remember_browser_days = 0
    acme.save()

    response = thief.get(reverse("accounts:security"))
    still_in = response.status_code == 200 and is_logged_in(thief)
    assert not still_in, (
        "the session a remembered browser opened revoked that browser and stayed logged in, "
        f"code-proven: {thief.session.get(CODE_PROVEN)}"
    )


def test_the_owner_revoking_ends_the_thiefs_session(remembering, coworker, outbox):
    """Defeated: Carl revoking from his own session ends the thief's one."""
    thief = thief_in_by_the_remembered_browser(coworker, outbox)
    owner = Client()
    verified_login(owner, coworker)
    owner.post(reverse("accounts:browsers_revoke_all"))
    thief.get(reverse("home"))
    assert not is_logged_in(thief)


def test_a_copy_of_the_trusted_session_dies_with_the_trust(remembering, coworker, outbox):
    """Defeated: a copy of the trust-opened session cookie, after the days are
    lowered to 0, is logged out too (the row is gone)."""
    thief = thief_in_by_the_remembered_browser(coworker, outbox)
    twin = copy_of(thief)
    coworker.enterprise.remember_browser_days = 0
    coworker.enterprise.save()
    from twofactor.trust import trust_shorten

    trust_shorten(enterprise_id=coworker.enterprise_id, days=0)
    for client in (thief, twin):
        client.get(reverse("home"))
        assert not is_logged_in(client)


def test_a_deleted_user_or_odd_trusted_by_values_are_no_500(remembering, coworker, outbox):
    """Defeated: stale, foreign, string and missing _trusted_by values, and a
    deleted person, log out or pass through without a 5xx."""
    thief = thief_in_by_the_remembered_browser(coworker, outbox)
    for value in (10**6, "1", None):
        session = thief.session
        session[TRUSTED_BY] = value
        session.save()
        response = thief.get(reverse("home"))
        assert response.status_code < 500
    other = Client()
    verified_login(other, coworker)
    session = other.session
    session[TRUSTED_BY] = (
        TrustedBrowser.objects.filter(user=coworker).values_list("pk", flat=True).first() or 1
    )
    session.save()
    coworker.delete()
    assert other.get(reverse("home")).status_code < 500


def test_revoke_with_an_id_past_the_column_is_no_500(remembering, coworker, outbox):
    """Defeated: /security/browsers/<huge>/revoke/ is not a 500."""
    client = Client()
    verified_login(client, coworker)
    for big in (2**31, 2**63, 10**30):
        response = client.post(reverse("accounts:browser_revoke", args=[big]))
        assert response.status_code < 500, big

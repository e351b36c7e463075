"""docs/SECURITY.md: the attack of the stolen session on an administrator.
Before the fix, the thief moved the administrator's codes to their own phone,
proved it, and the proof counted as the step-up that disables the account's
two-factor authentication."""

from django.urls import reverse

from enterprise.models import Enterprise
from tests.code_step import twofactor_on, verified_login
from tests.fixtures import last_code

THIEF_PHONE = "+13035550666"


def test_a_thief_cannot_disable_the_accounts_2fa(client, admin_user, acme, outbox):
    twofactor_on(acme, admin_user, channel="sms")
    verified_login(client, admin_user)

    # Move the administrator's codes to the thief's phone; enter what reaches it.
    data = {"email": admin_user.email, "phone": THIEF_PHONE, "twofactor": "on"}
    response = client.post(reverse("accounts:settings"), data)
    if outbox and outbox[-1]["to"] == THIEF_PHONE:
        client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    # Clear Status on the Two-Factor Authentication tab.
    response = client.post(reverse("enterprise:twofactor"), {"channel": "sms"})
    if response.status_code == 302 and outbox and outbox[-1]["to"] == THIEF_PHONE:
        client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    assert Enterprise.objects.get(pk=acme.pk).twofactor_enabled
    assert all(message["to"] != THIEF_PHONE for message in outbox)

"""Any text in any field of any form (hypothesis): the answer is a page or a
redirect (2xx, 3xx or 4xx), never a 5xx, and what is refused changes nothing.
Each example runs in a transaction of its own, rolled back after it."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.services import portal_user_create
from enterprise.models import AuditEvent, Enterprise
from tests.code_step import twofactor_on, verified_login
from tests.fixtures import PASSWORD, last_code
from tests.weird_input import WEIRD_VALUES
from twofactor.channels import locmem
from twofactor.destinations import phone_refusal
from twofactor.models import Challenge, CodeDevice, RecoveryCode, TrustedBrowser

# Values known to break naive code, often; then anything at all.
NASTY = st.sampled_from(
    [v for v in WEIRD_VALUES if isinstance(v, str)]
    + ["carl", " carl", "ｃａｒｌ", "carl\x00", "\x00", "+19002345678", "+881612345678"]
    + ["carl@example.com", "c@x.example\x00", "2025-02-30", "9999-12-31", "code_step_locked"]
)
TEXT = st.one_of(
    NASTY,
    NASTY,
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=300),
    st.text("+0123456789 -().\x00", max_size=20),
    st.emails(),
)
# A field sent once, several times (an array), or not at all.
VALUE = st.one_of(TEXT, st.lists(TEXT, max_size=3))
EXAMPLES = hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def form(**fields) -> dict:
    return {name: value for name, value in fields.items() if value != []}


class AnyInput(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.acme = Enterprise.objects.create(name="Acme")
        cls.admin = cls.person("ada", admin=True, phone="+13035551212")
        cls.carl = cls.person("carl", phone="+13035551299")
        twofactor_on(cls.acme, cls.admin, cls.carl, channel="sms")

    @classmethod
    def person(cls, username, **options):
        return portal_user_create(
            username=username,
            enterprise=cls.acme,
            email=f"{username}@example.com",
            password=PASSWORD,
            **options,
        )

    def state(self) -> tuple:
        """Everything a refused form must leave as it was."""
        users = get_user_model().objects.order_by("pk")
        return (
            list(users.values_list("username", "email", "phone", "password", "is_active")),
            list(
                CodeDevice.objects.order_by("pk").values_list(
                    "user_id", "enrolled", "confirmed", "email_unproven", "phone_unproven"
                )
            ),
            list(
                Enterprise.objects.values_list(
                    "twofactor_enabled",
                    "twofactor_channel",
                    "twofactor_required",
                    "twofactor_deadline",
                    "remember_browser_days",
                )
            ),
            list(RecoveryCode.objects.order_by("pk").values_list("pk", "used_at")),
            TrustedBrowser.objects.count(),
            Challenge.objects.count(),
            len(locmem.outbox),
        )

    def assert_answered(self, response) -> None:
        assert response.status_code < 500, response.status_code

    def signed_in(self, user) -> Client:
        client = Client()
        verified_login(client, user)
        return client

    @EXAMPLES
    @given(username=VALUE, password=VALUE, next_url=VALUE)
    def test_log_in(self, username, password, next_url):
        client = Client()
        before = self.state()

        response = client.post(
            reverse("login"), form(username=username, password=password, next=next_url)
        )

        self.assert_answered(response)
        assert response.status_code in (200, 400, 429)
        assert "_auth_user_id" not in client.session
        assert self.state() == before

    @EXAMPLES
    @given(code=VALUE, recovery_code=VALUE, remember=VALUE, app_code=VALUE)
    def test_the_login_code(self, code, recovery_code, remember, app_code):
        client = Client()
        client.post(reverse("login"), {"username": "carl", "password": PASSWORD})
        before = self.state()

        response = client.post(
            reverse("login_verify"),
            form(code=code, recovery_code=recovery_code, remember=remember, app_code=app_code),
        )

        self.assert_answered(response)
        assert "_auth_user_id" not in client.session
        assert self.state() == before

    @EXAMPLES
    @given(email=VALUE, phone=VALUE, twofactor=VALUE, js=VALUE)
    def test_my_account(self, email, phone, twofactor, js):
        client = self.signed_in(self.carl)
        before = self.state()

        response = client.post(
            reverse("accounts:settings"), form(email=email, phone=phone, twofactor=twofactor, js=js)
        )

        self.assert_answered(response)
        if response.status_code != 302:
            assert self.state() == before
            return
        carl = get_user_model().objects.get(pk=self.carl.pk)
        validate_email(carl.email)
        assert not carl.phone or (carl.phone.is_valid() and not phone_refusal(carl.phone.as_e164))

    @EXAMPLES
    @given(code=VALUE)
    def test_a_change_code(self, code):
        client = self.signed_in(self.carl)
        client.post(reverse("accounts:settings"), {"email": "carl@example.com"})
        before = self.state()

        response = client.post(reverse("twofactor:verify"), form(code=code))

        self.assert_answered(response)
        assert self.state() == before  # 2FA is still on: only the right code turns it off

    @EXAMPLES
    @given(
        status=VALUE,
        channel=VALUE,
        confirm=VALUE,
        required=VALUE,
        deadline=VALUE,
        remember_days=VALUE,
        state=VALUE,
    )
    def test_the_two_factor_tab(
        self, status, channel, confirm, required, deadline, remember_days, state
    ):
        client = self.signed_in(self.admin)
        before = self.state()

        response = client.post(
            reverse("enterprise:twofactor"),
            form(
                status=status,
                channel=channel,
                confirm_unreachable=confirm,
                required=required,
                deadline=deadline,
                remember_days=remember_days,
            ),
        )
        listed = client.get(reverse("enterprise:twofactor"), form(state=state))
        exported = client.get(reverse("enterprise:coworkers_export"), form(state=state))
        assert listed.status_code in (200, 302) and exported.status_code in (200, 302)

        self.assert_answered(response)
        if response.status_code != 302 or response.url != reverse("enterprise:twofactor"):
            assert self.state() == before

    @EXAMPLES
    @given(current=VALUE, new=VALUE, confirm=VALUE)
    def test_change_password(self, current, new, confirm):
        client = self.signed_in(self.carl)
        before = self.state()

        response = client.post(
            reverse("accounts:password"),
            form(current_password=current, new_password=new, confirm_password=confirm),
        )

        self.assert_answered(response)
        assert self.state() == before  # refused, or waiting for the step-up code

    @EXAMPLES
    @given(action=VALUE, person=VALUE, date_from=VALUE, date_to=VALUE, page=VALUE)
    def test_the_audit_log_filters_and_export(self, action, person, date_from, date_to, page):
        client = self.signed_in(self.admin)
        query = form(action=action, person=person, date_from=date_from, date_to=date_to, page=page)
        rows = AuditEvent.objects.count()

        shown = client.get(reverse("enterprise:audit"), query)
        exported = client.get(reverse("enterprise:audit_export"), query)

        assert shown.status_code == 200
        assert exported.status_code == 200
        b"".join(exported.streaming_content)
        # Nothing but the export's own line in the log.
        assert AuditEvent.objects.count() == rows + 1

    @EXAMPLES
    @given(reason=VALUE, trusted_id=st.integers(min_value=0, max_value=2**40))
    def test_reset_and_revoke(self, reason, trusted_id):
        client = self.signed_in(self.admin)
        before = self.state()

        reset = client.post(reverse("enterprise:reset", args=[self.carl.pk]), form(reason=reason))
        revoke = client.post(reverse("accounts:browser_revoke", args=[trusted_id]))

        self.assert_answered(reset)
        self.assert_answered(revoke)
        # Refused, or waiting for the step-up code (one more code sent).
        assert self.state()[:-2] == before[:-2]

    @EXAMPLES
    @given(extra=VALUE)
    def test_buttons_without_fields(self, extra):
        """Unlock, Log out other sessions, Resend, Generate recovery codes and
        Revoke all take no fields:
        anything sent along is ignored."""
        client = self.signed_in(self.admin)
        for name, args in (
            ("enterprise:unlock", [self.carl.pk]),
            ("accounts:sessions_end_others", []),
            ("twofactor:resend", []),
            ("login_resend", []),
            ("accounts:recovery_codes", []),
            ("accounts:browsers_revoke_all", []),
        ):
            response = client.post(reverse(name, args=args), form(anything=extra))
            self.assert_answered(response)
        assert settings.DEBUG is False


def test_a_code_field_never_logs_in_with_the_wrong_code_even_when_it_looks_right(client, db):
    """The property tests above never log in; the right code still does
    (they would pass vacuously if nothing could)."""
    acme = Enterprise.objects.create(name="Acme")
    carl = portal_user_create(
        username="carl", enterprise=acme, email="carl@example.com", password=PASSWORD
    )
    twofactor_on(acme, carl)
    client.post(reverse("login"), {"username": "carl", "password": PASSWORD})

    response = client.post(reverse("login_verify"), {"code": last_code(locmem.outbox)})

    assert response.status_code == 302 and "_auth_user_id" in client.session

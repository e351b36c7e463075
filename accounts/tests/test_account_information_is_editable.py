"""Account Information (the guide's "Click Here" from My Account) edits the
first name, last name, email and phone number. Names save at once and are
audited; a new email or phone number follows exactly My Account's rules
(docs/SECURITY.md): while 2FA is on, a step-up to where codes go now, then a
code to the new detail. A stolen session cannot move the second factor here."""

from django.urls import reverse

from enterprise.models import AuditEvent
from tests.code_step import page_text, twofactor_on, verified_login
from tests.fixtures import last_code
from twofactor.models import CodeDevice

OWNER_PHONE = "+13035551299"
THIEF_PHONE = "+13035550666"
PROFILE = "accounts:profile"


def profile_data(user, **changes):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone.as_e164 if user.phone else "",
    }
    return {**data, **changes}


def test_it_is_a_form_with_the_guides_names(client, coworker):
    verified_login(client, coworker)

    response = client.get(reverse(PROFILE))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Account information</h2>" in html
    for label in ("First name", "Last name", "Email", "Phone number"):
        assert f">{label}</label>" in html
    assert ">Save</button>" in html
    assert 'value="carl@example.com"' in html
    assert 'value="+13035551299"' in html


def test_the_names_are_saved_without_a_code_and_audited(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)

    response = client.post(
        reverse(PROFILE), profile_data(coworker, first_name="Carl", last_name="Jensen")
    )

    assert response.status_code == 302 and response.url == reverse(PROFILE)
    assert outbox == []
    coworker.refresh_from_db()
    assert (coworker.first_name, coworker.last_name) == ("Carl", "Jensen")
    event = AuditEvent.objects.get(action=AuditEvent.Action.NAME_CHANGED)
    assert (event.actor, event.target) == (coworker, coworker)
    assert event.detail == "first name and last name changed"
    assert "Jensen" not in event.detail
    page = client.get(reverse(PROFILE))
    assert "Your account information was saved." in page_text(page)


def test_a_stolen_session_cannot_move_the_phone_through_this_page(client, coworker, acme, outbox):
    """The thief holds a copy of a logged-in session (no fresh step-up) and
    a phone of their own, and enters every code that reaches that phone."""
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)

    response = client.post(reverse(PROFILE), profile_data(coworker, phone=THIEF_PHONE))
    for _ in range(3):
        if response.status_code != 302 or response.url != reverse("twofactor:verify"):
            break
        if not outbox or outbox[-1]["to"] != THIEF_PHONE:
            break  # the code went to the owner's phone: the thief is stuck
        response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})

    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == OWNER_PHONE
    assert outbox and outbox[0]["to"] == OWNER_PHONE
    assert all(message["to"] != THIEF_PHONE for message in outbox)
    device = CodeDevice.objects.get(user=coworker)
    assert device.enrolled and device.confirmed and not device.phone_unproven


def test_a_new_phone_needs_a_code_at_the_new_number(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)
    new_phone = "+13035550177"

    response = client.post(reverse(PROFILE), profile_data(coworker, phone=new_phone))

    assert response.url == reverse("twofactor:verify")
    assert outbox[-1]["to"] == OWNER_PHONE  # first a step-up where codes go now
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == OWNER_PHONE  # nothing changed yet
    assert outbox[-1]["to"] == new_phone  # then the new number proves itself
    response = client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert response.url == reverse(PROFILE)
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == new_phone
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_CHANGED).exists()


def test_a_new_email_needs_a_code_at_the_new_address(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="email")
    verified_login(client, coworker)

    client.post(reverse(PROFILE), profile_data(coworker, email="carl.jensen@example.com"))

    assert outbox[-1]["to"] == "carl@example.com"
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    assert outbox[-1]["to"] == "carl.jensen@example.com"
    coworker.refresh_from_db()
    assert coworker.email == "carl@example.com"
    client.post(reverse("twofactor:verify"), {"code": last_code(outbox)})
    coworker.refresh_from_db()
    assert coworker.email == "carl.jensen@example.com"


def test_with_the_pop_up_the_code_is_asked_over_this_page(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)

    response = client.post(
        reverse(PROFILE), {**profile_data(coworker, phone="+13035550177"), "js": "1"}
    )

    assert response.url == reverse(PROFILE) + "?step=code"
    page = client.get(response.url)
    assert "Two-Factor Authentication" in page_text(page)
    assert 'autocomplete="one-time-code"' in page.content.decode()


def test_bad_input_gets_a_clear_message_and_loses_nothing(client, coworker, acme, outbox):
    twofactor_on(acme, coworker, channel="sms")
    verified_login(client, coworker)

    response = client.post(
        reverse(PROFILE),
        profile_data(coworker, first_name="Carla", email="carl at example", phone="303-555-0177"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="email-error">Enter a valid email address.' in html
    assert "Did you mean +13035550177?" in page_text(response)
    for typed in ("Carla", "carl at example", "303-555-0177"):
        assert f'value="{typed}"' in html
    coworker.refresh_from_db()
    assert coworker.first_name == "" and coworker.email == "carl@example.com"
    assert coworker.phone.as_e164 == OWNER_PHONE
    assert outbox == []


def test_a_name_too_long_is_refused_with_a_message(client, coworker):
    verified_login(client, coworker)

    response = client.post(reverse(PROFILE), profile_data(coworker, last_name="x" * 151))

    assert response.status_code == 400
    assert "Ensure this value has at most 150 characters" in page_text(response)
    coworker.refresh_from_db()
    assert coworker.last_name == ""


def test_with_2fa_off_a_new_phone_saves_unconfirmed(client, coworker, acme, outbox):
    """As on My Account: no code while 2FA is off; the detail is unconfirmed."""
    verified_login(client, coworker)

    response = client.post(reverse(PROFILE), profile_data(coworker, phone="+13035550177"))

    assert response.url == reverse(PROFILE)
    coworker.refresh_from_db()
    assert coworker.phone.as_e164 == "+13035550177"
    assert CodeDevice.objects.get(user=coworker).phone_unproven


def test_a_script_renaming_itself_adds_to_one_audit_row(client, coworker):
    """Red-team finding: 50 renames were 50 audit rows; a co-worker's script
    could bury the enterprise's log. Repeats within AUDIT_REPEAT_WINDOW count
    on one row, as repeated denials do."""
    verified_login(client, coworker)

    for i in range(50):
        client.post(reverse(PROFILE), profile_data(coworker, first_name=f"Carl{i}"))

    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.NAME_CHANGED)
    assert event.count == 50
    assert event.detail == "first name changed"

"""README: in development (DEBUG on), every code sent is also listed at
/dev/outbox/, so a newcomer can log in without a phone or a mail server."""

from django.urls import reverse

from tests.code_step import T0, twofactor_on
from tests.fixtures import last_code, password_step


def test_the_code_of_a_login_is_listed_with_whom_it_went_to(
    client, coworker, acme, outbox, settings, tmp_path, time_machine
):
    settings.DEBUG = True
    settings.TWOFACTOR_DEV_OUTBOX = tmp_path / "outbox.jsonl"
    twofactor_on(acme, coworker, channel="sms")
    time_machine.move_to(T0, tick=False)

    password_step(client, coworker)
    page = client.get(reverse("dev_outbox")).content.decode()

    assert last_code(outbox) in page
    assert f"<strong>SMS</strong> to +13035551299 ({coworker.username})" in page
    assert T0.isoformat() in page


def test_it_lists_nothing_while_debug_is_off(client, coworker, acme, outbox, settings, tmp_path):
    settings.TWOFACTOR_DEV_OUTBOX = tmp_path / "outbox.jsonl"
    twofactor_on(acme, coworker, channel="sms")

    password_step(client, coworker)

    assert not settings.TWOFACTOR_DEV_OUTBOX.exists()

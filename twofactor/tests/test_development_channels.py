"""`make run`: codes and notices print in the terminal and are listed at
/dev/outbox/ (settings.py picks these backends only with DEBUG)."""

from io import StringIO

from django.core.mail import EmailMessage

from twofactor.channels import outbox
from twofactor.channels.console import ConsoleChannel


def test_the_console_channel_prints_the_message(settings):
    stream = StringIO()

    ConsoleChannel(alias="sms", stream=stream).send_code(to="+13035551212", code="482913")

    printed = stream.getvalue()
    assert "----- SMS to +13035551212 -----" in printed
    assert "Your Customer Portal verification code is 482913." in printed


def test_an_email_prints_with_its_subject():
    stream = StringIO()

    ConsoleChannel(alias="email", stream=stream).send_code(to="carl@example.com", code="482913")

    assert "Subject: Your Customer Portal verification code" in stream.getvalue()


def test_development_mail_is_listed_too(settings, tmp_path, capsys):
    settings.TWOFACTOR_DEV_OUTBOX = tmp_path / "outbox.jsonl"
    message = EmailMessage("Customer Portal: a notice", "Hello carl", to=["carl@example.com"])

    assert outbox.EmailBackend().send_messages([message]) == 1

    [listed] = outbox.messages()
    assert listed["to"] == "carl@example.com" and listed["subject"] == "Customer Portal: a notice"
    assert "Hello carl" in capsys.readouterr().out


def test_the_outbox_keeps_the_newest_and_skips_a_damaged_line(settings, tmp_path):
    settings.TWOFACTOR_DEV_OUTBOX = tmp_path / "outbox.jsonl"
    settings.TWOFACTOR_DEV_OUTBOX_KEEP = 3
    for n in range(5):
        outbox.EmailBackend(stream=StringIO()).send_messages(
            [EmailMessage(f"notice {n}", "body", to=["carl@example.com"])]
        )
    with settings.TWOFACTOR_DEV_OUTBOX.open("a") as damaged:
        damaged.write("{not json\n")

    assert [m["subject"] for m in outbox.messages()] == ["notice 4", "notice 3", "notice 2"]

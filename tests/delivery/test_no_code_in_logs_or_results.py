"""Issue 3: no plaintext code in any log, at any level, nor in Celery's
results. Twilio's HTTP client logs every request at INFO; these tests show
it logs no body. The channels run for real (the Twilio SDK against the
stand-in, Django's SMTP backend against the SMTP server) while every log
record at DEBUG is captured, in this process and in the worker's."""

import logging

import pytest
from django.test import Client

from tests.delivery.parts import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, wait_for
from tests.fixtures import CODE_RE, password_step
from twofactor.models import Challenge

TWILIO = {
    "ACCOUNT_SID": ACCOUNT_SID,
    "AUTH_TOKEN": AUTH_TOKEN,
    "FROM_NUMBER": FROM_NUMBER,
    "MESSAGING_SERVICE_SID": "",
}
# aiosmtpd logs what it receives: it plays the mail provider, not the portal.
PROVIDER_LOGGERS = ("mail.log",)


def voice_code(twiml: str) -> str:
    return "".join(ch for ch in twiml.split("code is:", 1)[1] if ch.isdigit())[:6]


@pytest.mark.delivery
@pytest.mark.django_db
def test_sending_by_every_channel_logs_no_code_at_debug(settings, providers, code_user, caplog):
    twilio, smtp = providers
    options = {**TWILIO, "API_BASE_URL": twilio.base_url}
    settings.TWOFACTOR_CHANNELS = {
        "email": {"BACKEND": "twofactor.channels.email.EmailChannel", "OPTIONS": {}},
        "sms": {"BACKEND": "twofactor.channels.twilio.TwilioSMSChannel", "OPTIONS": options},
        "voice": {"BACKEND": "twofactor.channels.twilio.TwilioVoiceChannel", "OPTIONS": options},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
    twilio.fail_first = 1  # a retried error is logged too
    caplog.set_level(logging.DEBUG)
    # Settings keep Twilio's request log at WARNING unless LOG_LEVEL=DEBUG.
    caplog.set_level(logging.DEBUG, logger="twilio.http_client")

    for channel in ("sms", "voice", "email"):
        user = code_user(channel, username=f"user-{channel}")
        password_step(Client(), user)  # the task runs in this process here
        challenge = Challenge.objects.get(user=user)
        assert challenge.delivery == Challenge.Delivery.SENT, challenge.delivery_detail
    sms, call = twilio.accepted("Messages")[0], twilio.accepted("Calls")[0]
    [email] = smtp.to("user-email@example.com")
    codes = [
        CODE_RE.search(sms["form"]["Body"]).group(1),
        voice_code(call["form"]["Twiml"]),
        CODE_RE.search(email.get_content()).group(1),
    ]

    records = [r for r in caplog.records if not r.name.startswith(PROVIDER_LOGGERS)]
    assert any(r.name == "twilio.http_client" for r in records), "Twilio's log was not captured"
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in records)
    for code in codes:
        assert len(code) == 6
        assert code not in logged
        assert " ".join(code) not in logged and ", ".join(code) not in logged


@pytest.mark.delivery
@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_no_code_and_celery_keeps_no_result(
    live_delivery, providers, code_user, redis_client
):
    twilio, smtp = providers
    worker = live_delivery
    log_start = len(worker.log())
    twilio.fail_first = 1
    for channel in ("sms", "voice", "email"):
        password_step(Client(), code_user(channel, username=f"user-{channel}"))
    wait_for(
        lambda: Challenge.objects.filter(delivery=Challenge.Delivery.SENT).count() == 3,
        timeout=20,
        what="three codes sent",
    )
    sms, call = twilio.accepted("Messages")[0], twilio.accepted("Calls")[0]
    [email] = smtp.to("user-email@example.com")
    codes = [
        CODE_RE.search(sms["form"]["Body"]).group(1),
        voice_code(call["form"]["Twiml"]),
        CODE_RE.search(email.get_content()).group(1),
    ]

    log = worker.log()[log_start:]
    assert "twofactor.tasks.challenge_deliver" in log and "Retry in" in log
    for code in codes:
        assert code not in log
        assert " ".join(code) not in log and ", ".join(code) not in log
    assert not list(redis_client.scan_iter("celery-task-meta-*"))

"""The email channel against a real SMTP server: a mailbox the server refuses
is a permanent error the person is shown; a server that does not answer is
a transient one, retried."""

import pytest

from tests.stand_ins.processes import free_port
from twofactor.channels import TransportError
from twofactor.channels.email import EmailChannel

pytestmark = pytest.mark.delivery


@pytest.fixture
def smtp(smtp_stand_in, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_stand_in.host, smtp_stand_in.port
    settings.EMAIL_USE_TLS = False
    smtp_stand_in.reset()
    yield smtp_stand_in
    smtp_stand_in.reset()


def test_a_code_arrives_by_email(smtp):
    EmailChannel(alias="email").send_code(to="carl@example.com", code="482913")

    [message] = smtp.to("carl@example.com")
    assert "482913" in message.get_body(("plain",)).get_content()


def test_a_refused_mailbox_is_shown_not_retried(smtp):
    smtp.refused.add("gone@example.com")

    with pytest.raises(TransportError) as refused:
        EmailChannel(alias="email").send_code(to="gone@example.com", code="482913")

    assert refused.value.permanent
    assert "refused this email address" in refused.value.message


def test_a_mail_server_that_does_not_answer_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2

    with pytest.raises(TransportError) as unavailable:
        EmailChannel(alias="email").send_code(to="carl@example.com", code="482913")

    assert not unavailable.value.permanent

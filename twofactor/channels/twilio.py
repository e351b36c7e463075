"""Twilio SMS and voice, and Twilio's status callbacks. The only module that
imports the Twilio SDK: the rest of the portal speaks of channels, provider
ids and the portal's own delivery states."""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from requests.utils import get_environ_proxies
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from twofactor.channels.base import BaseChannel, TransportError, render_message

# What the person is told is marked for translation but kept in English here
# (gettext_noop): it is stored on the challenge and in delivery reports, and
# the pop-up reads it in the language of whoever reads it.

# Twilio error codes that no retry can fix; the person is told what to do.
PERMANENT_ERRORS = {
    21211: gettext_noop(
        "This phone number is not valid. Ask your administrator to correct it on My Account."
    ),
    21214: gettext_noop("This phone number cannot be reached. Ask your administrator to check it."),
    21408: gettext_noop(
        "Codes cannot be sent to this country. Ask your administrator for another channel."
    ),
    21610: gettext_noop(
        "This number has replied STOP to our messages. Reply START, then click Resend."
    ),
    21612: gettext_noop(
        "This phone number cannot receive messages from us. Ask your administrator."
    ),
    21614: gettext_noop(
        "This number cannot receive SMS (it is not a mobile number). "
        "Ask your administrator to switch the channel to Voice, or add a mobile number."
    ),
}
HTTP_TIMEOUT_SECONDS = 10
TWILIO_API = "https://api.twilio.com"


def _http_client(url: str) -> TwilioHttpClient:
    """The SDK's HTTP client, with the environment read once, here. Left to
    requests, every request scans os.environ for proxy variables and looks
    for ~/.netrc, a seventh of the CPU of each send (docs/PERFORMANCE.md,
    "Delivery"). A proxy (HTTPS_PROXY, NO_PROXY) and a CA bundle
    (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) set for the worker still apply; a
    change to them takes a worker restart."""
    http = TwilioHttpClient(timeout=HTTP_TIMEOUT_SECONDS, proxy=get_environ_proxies(url))
    http.session.trust_env = False
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle:
        http.session.verify = ca_bundle
    return http


def _transport_error(status: int, raw_code: object) -> TransportError:
    code: int | None
    try:
        code = int(str(raw_code))
    except (TypeError, ValueError):
        code = None
    if code in PERMANENT_ERRORS:
        return TransportError(PERMANENT_ERRORS[code], permanent=True, provider_code=code)
    if status == 429 or status >= 500:
        return TransportError(f"Twilio {status}", provider_code=code)
    return TransportError(
        gettext_noop("The code could not be sent. Click Resend, or ask your administrator."),
        permanent=True,
        provider_code=code,
    )


class _TwilioChannel(BaseChannel):
    """One instance per alias per worker thread (twofactor.channels), so its
    client's requests session keeps the connection to Twilio open between
    codes instead of a TLS handshake per code; a session is not meant to be
    shared by threads, and this one never is."""

    option_names = frozenset(
        {"ACCOUNT_SID", "AUTH_TOKEN", "FROM_NUMBER", "MESSAGING_SERVICE_SID", "API_BASE_URL"}
    )

    def __init__(self, *, alias: str, **options: Any) -> None:
        super().__init__(alias=alias, **options)
        base_url = (options.get("API_BASE_URL") or "").rstrip("/")
        self.client = Client(
            options["ACCOUNT_SID"],
            options["AUTH_TOKEN"],
            http_client=_http_client(base_url or TWILIO_API),
        )
        if base_url:
            self.client.api.base_url = base_url

    def _sender(self) -> dict[str, str]:
        if self.options.get("MESSAGING_SERVICE_SID") and self.alias == "sms":
            return {"messaging_service_sid": self.options["MESSAGING_SERVICE_SID"]}
        return {"from_": self.options["FROM_NUMBER"]}

    def _create(self, create: Callable[..., Any], **kwargs: Any) -> str:
        try:
            sid: str = create(**kwargs).sid or ""
            return sid
        # Twilio answers errors in its classic shape or as RFC 9457 problem
        # details; the SDK raises a different class for each, same meaning.
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _transport_error(exc.status, exc.code) from exc
        except (TwilioException, OSError) as exc:
            # Connection errors and timeouts (requests' are OSErrors): the
            # provider may be back in a moment.
            raise TransportError(f"Twilio unreachable: {type(exc).__name__}") from exc


class TwilioSMSChannel(_TwilioChannel):
    """SMS with the WebOTP line, so browsers can offer to fill the code in."""

    def send_code(self, *, to: str, code: str, status_callback: str | None = None) -> str:
        extra = {"status_callback": status_callback} if status_callback else {}
        return self._create(
            self.client.messages.create,
            to=to,
            body=render_message("sms", code).body,
            **self._sender(),
            **extra,
        )


class TwilioVoiceChannel(_TwilioChannel):
    """A call that reads the code digit by digit, slowly, twice. The TwiML goes
    inline with the call request, so no URL anywhere ever carries the code."""

    def send_code(self, *, to: str, code: str, status_callback: str | None = None) -> str:
        # Read by a Twilio voice of the message's language (the active one).
        language = settings.TWOFACTOR_VOICE_LANGUAGES.get(
            (translation.get_language() or "en")[:2], "en-US"
        )
        response = VoiceResponse()
        response.pause(length=1)
        for attempt in range(2):
            words = _("Your Customer Portal verification code is:") if attempt == 0 else _("Again:")
            response.say(str(words), language=language)
            for digit in code:
                response.say(digit, language=language)
                response.pause(length=1)
        extra = {"status_callback": status_callback} if status_callback else {}
        return self._create(
            self.client.calls.create,
            to=to,
            from_=self.options["FROM_NUMBER"],
            twiml=str(response),
            **extra,
        )


# --- status callbacks ------------------------------------------------------------


def signature_valid(url: str, params: Mapping[str, Any], signature: str) -> bool:
    """Whether `signature` (the X-Twilio-Signature header) signs this request:
    `url` is the full public URL Twilio called, `params` the POST fields."""
    token = settings.TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    return bool(RequestValidator(token).validate(url, params, signature))


@dataclass(frozen=True)
class StatusReport:
    """One status callback, in the portal's words.

    `status` is Twilio's own word ("delivered", "no-answer"), kept for the
    record; `delivery` is the matching Challenge.Delivery value; `detail`
    tells the person what to do when the code did not arrive."""

    provider_id: str
    status: str
    delivery: str
    error_code: str
    detail: str


# Messages: https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
MESSAGE_DELIVERY = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
# Calls: https://www.twilio.com/docs/voice/api/call-resource#call-status-values
CALL_DELIVERY = {
    "queued": "queued",
    "initiated": "sending",
    "ringing": "sending",
    "in-progress": "sent",
    "completed": "delivered",
    "busy": "undelivered",
    "no-answer": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
SMS_NOT_DELIVERED = {
    "30003": gettext_noop(
        "Your phone could not be reached (switched off or out of signal). "
        "Check it, then click Resend."
    ),
    "30004": gettext_noop(
        "Your phone number blocks our messages. Allow them, or ask your administrator "
        "for another channel."
    ),
    "30005": gettext_noop(
        "This phone number is unknown or no longer in service. Correct it on My Account, "
        "or ask your administrator."
    ),
    "30006": gettext_noop(
        "This number cannot receive SMS (it is a landline). Ask your administrator to switch "
        "the channel to Voice, or add a mobile number on My Account."
    ),
    "30007": gettext_noop(
        "Your carrier blocked the message. Click Resend, or ask your administrator for "
        "another channel."
    ),
}
SMS_NOT_DELIVERED_DEFAULT = gettext_noop(
    "The SMS did not reach your phone. Click Resend, or ask your administrator "
    "to check your phone number."
)
CALL_NOT_DELIVERED = {
    "busy": gettext_noop("The line was busy. Click Resend to be called again."),
    "no-answer": gettext_noop("Nobody answered the call. Click Resend to be called again."),
}
CALL_NOT_DELIVERED_DEFAULT = gettext_noop(
    "The call could not be made. Click Resend, or ask your administrator "
    "to check your phone number."
)


def status_report(params: Mapping[str, Any]) -> StatusReport | None:
    """The report in a status callback's POST fields, or None if it has none
    (or a status the portal does not know)."""
    error_code = (params.get("ErrorCode") or "").strip()
    if params.get("MessageSid"):
        provider_id = params["MessageSid"]
        status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
        delivery = MESSAGE_DELIVERY.get(status)
        detail = SMS_NOT_DELIVERED.get(error_code, SMS_NOT_DELIVERED_DEFAULT)
    elif params.get("CallSid"):
        provider_id = params["CallSid"]
        status = (params.get("CallStatus") or "").lower()
        delivery = CALL_DELIVERY.get(status)
        detail = CALL_NOT_DELIVERED.get(status, CALL_NOT_DELIVERED_DEFAULT)
    else:
        return None
    if delivery is None:
        return None
    if delivery not in ("undelivered", "failed"):
        detail = ""
    return StatusReport(
        provider_id=provider_id[:64],
        status=status[:20],
        delivery=delivery,
        error_code=error_code[:10],
        detail=detail,
    )

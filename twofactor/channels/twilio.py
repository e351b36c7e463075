"""Twilio SMS and voice. The only module that imports the Twilio SDK."""

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from twofactor.channels.base import BaseChannel, TransportError, render_message

# Twilio error codes that no retry can fix; the person is told what to do.
PERMANENT_ERRORS = {
    21211: "This phone number is not valid. Ask your administrator to correct it on My Account.",
    21214: "This phone number cannot be reached. Ask your administrator to check it.",
    21408: "Codes cannot be sent to this country. Ask your administrator for another channel.",
    21610: "This number has replied STOP to our messages. Reply START, then click Resend.",
    21612: "This phone number cannot receive messages from us. Ask your administrator.",
    21614: "This number cannot receive SMS (it is not a mobile number). "
    "Ask your administrator to switch the channel to Voice, or add a mobile number.",
}
HTTP_TIMEOUT_SECONDS = 10


class _TwilioChannel(BaseChannel):
    def __init__(self, *, alias: str, **options):
        super().__init__(alias=alias, **options)
        self.client = Client(
            options["ACCOUNT_SID"],
            options["AUTH_TOKEN"],
            http_client=TwilioHttpClient(timeout=HTTP_TIMEOUT_SECONDS),
        )
        base_url = options.get("API_BASE_URL")
        if base_url:
            self.client.api.base_url = base_url.rstrip("/")

    def _sender(self) -> dict:
        if self.options.get("MESSAGING_SERVICE_SID") and self.alias == "sms":
            return {"messaging_service_sid": self.options["MESSAGING_SERVICE_SID"]}
        return {"from_": self.options["FROM_NUMBER"]}

    def _create(self, create, **kwargs) -> str:
        try:
            return create(**kwargs).sid
        except TwilioRestException as exc:
            if exc.code in PERMANENT_ERRORS:
                raise TransportError(
                    PERMANENT_ERRORS[exc.code], permanent=True, provider_code=exc.code
                ) from exc
            if exc.status == 429 or exc.status >= 500:
                raise TransportError(f"Twilio {exc.status}", provider_code=exc.code) from exc
            raise TransportError(
                "The code could not be sent. Click Resend, or ask your administrator.",
                permanent=True,
                provider_code=exc.code,
            ) from exc
        except TwilioException as exc:
            # Connection errors and timeouts: the provider may be back in a moment.
            raise TransportError(f"Twilio unreachable: {type(exc).__name__}") from exc
        except OSError as exc:
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
        response = VoiceResponse()
        response.pause(length=1)
        for attempt in range(2):
            response.say("Your Customer Portal verification code is:" if attempt == 0 else "Again:")
            for digit in code:
                response.say(digit)
                response.pause(length=1)
        extra = {"status_callback": status_callback} if status_callback else {}
        return self._create(
            self.client.calls.create,
            to=to,
            from_=self.options["FROM_NUMBER"],
            twiml=str(response),
            **extra,
        )

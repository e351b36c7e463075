"""A small HTTP server of ours that plays Twilio's REST API for the tests.

It answers the two endpoints the portal calls,
POST /2010-04-01/Accounts/{AccountSid}/Messages.json and .../Calls.json, the
way Twilio does: HTTP basic auth with the account SID and auth token, form
fields in, JSON shaped like Twilio's out (so the real SDK parses it), and
Twilio's error bodies ({"code", "message", "more_info", "status"}).

What a test can ask of it: `latency` (seconds before answering), `fail_first`
(answer the next N requests 503), `errors` (To number -> Twilio error code,
answered 400). `requests` keeps every request received, in order.

It also plays Twilio's side of status callbacks: `sign()` computes
X-Twilio-Signature the way Twilio documents it (written here from the docs,
not borrowed from the SDK, so the portal's check is tested against an
independent signer) and `status_callback_fields()` builds the POST fields."""

import base64
import hashlib
import hmac
import json
import re
import secrets
import socket
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

API_VERSION = "2010-04-01"
PATH_RE = re.compile(rf"^/{API_VERSION}/Accounts/(?P<sid>[^/]+)/(?P<kind>Messages|Calls)\.json$")
ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21614: "'To' number is not a valid mobile number",
}


def sign(auth_token: str, url: str, params: dict) -> str:
    """Twilio's request signature: HMAC-SHA1, keyed with the auth token, of the
    full URL followed by each POST field's name and value, sorted by name;
    base64-encoded."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def status_callback_fields(record: dict, status: str, *, error_code: str = "") -> dict:
    """The POST fields Twilio sends to a StatusCallback for `record`."""
    form = record["form"]
    fields = {
        "AccountSid": record["account_sid"],
        "ApiVersion": API_VERSION,
        "From": form.get("From", ""),
        "To": form.get("To", ""),
    }
    if record["kind"] == "Messages":
        fields.update(
            MessageSid=record["sid"],
            SmsSid=record["sid"],
            MessageStatus=status,
            SmsStatus=status,
        )
    else:
        fields.update(CallSid=record["sid"], CallStatus=status, Direction="outbound-api")
    if error_code:
        fields["ErrorCode"] = error_code
    return fields


class TwilioStandIn:
    def __init__(self, *, account_sid: str, auth_token: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.latency = 0.0
        self.fail_first = 0
        self.errors: dict[str, int] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "TwilioStandIn":
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.latency = 0.0
            self.fail_first = 0
            self.errors = {}

    def received(self, kind: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if kind is None or r["kind"] == kind]

    def accepted(self, kind: str | None = None) -> list[dict]:
        """Requests answered 201: messages or calls Twilio would now deliver."""
        return [r for r in self.received(kind) if r["status"] == 201]

    # --- the HTTP side -------------------------------------------------------------

    def _answer(self, kind: str, path_sid: str, authorization: str, form: dict) -> tuple:
        """(record, HTTP status, JSON body, latency) for one request."""
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        auth_ok = hmac.compare_digest(authorization, expected) and path_sid == self.account_sid
        prefix = "SM" if kind == "Messages" else "CA"
        record = {
            "kind": kind,
            "form": form,
            "auth_ok": auth_ok,
            "account_sid": path_sid,
            "received_at": time.monotonic(),
            "received_wall": time.time(),
            "sid": prefix + secrets.token_hex(16),
            "status": None,
            "answered_at": None,
        }
        with self.lock:
            self.requests.append(record)
            latency = self.latency
            if not auth_ok:
                status, body = 401, _error(20003, 401)
            elif self.fail_first > 0:
                self.fail_first -= 1
                status, body = 503, _error(20503, 503)
            elif form.get("To") in self.errors:
                code = self.errors[form["To"]]
                status, body = 400, _error(code, 400, detail=form["To"])
            else:
                status, body = 201, self._resource(kind, record)
            record["status"] = status
        return record, status, body, latency

    def _resource(self, kind: str, record: dict) -> dict:
        form, sid = record["form"], record["sid"]
        now = formatdate(usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/{kind}/{sid}"
        common = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "from": form.get("From"),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "to": form.get("To"),
            "uri": f"{uri}.json",
        }
        if kind == "Messages":
            return {
                **common,
                "body": form.get("Body", ""),
                "date_sent": None,
                "error_code": None,
                "error_message": None,
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "num_media": "0",
                "num_segments": "1",
                "status": "accepted" if form.get("MessagingServiceSid") else "queued",
                "subresource_uris": {"media": f"{uri}/Media.json"},
            }
        return {
            **common,
            "annotation": None,
            "answered_by": None,
            "caller_name": None,
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from_formatted": form.get("From"),
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "queue_time": "0",
            "start_time": None,
            "status": "queued",
            "subresource_uris": {"notifications": f"{uri}/Notifications.json"},
            "to_formatted": form.get("To"),
            "trunk_sid": None,
        }


def _error(code: int, status: int, *, detail: str = "") -> dict:
    message = ERROR_MESSAGES.get(code, "Error")
    return {
        "code": code,
        "message": f"{message}: {detail}" if detail else message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _handler_for(stand_in: TwilioStandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's
            # algorithm and the client's delayed ACK add 40 ms to each answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            match = PATH_RE.match(self.path)
            if not match:
                self._send(404, _error(20404, 404))
                return
            form = {name: values[0] for name, values in parse_qs(raw, True).items()}
            record, status, body, latency = stand_in._answer(
                match["kind"], match["sid"], self.headers.get("Authorization", ""), form
            )
            if latency:
                time.sleep(latency)
            if self._send(status, body):
                record["answered_at"] = time.monotonic()

        def _send(self, status: int, body: dict) -> bool:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                # The caller went away (a worker killed mid-request).
                self.close_connection = True
                return False
            return True

        def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
            pass

    return Handler

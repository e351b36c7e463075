"""A worker that reaches Twilio only through an egress proxy still sends the
code. The channel reads the proxy settings (HTTP_PROXY / HTTPS_PROXY,
NO_PROXY, as requests reads them) once, when it builds its client, instead
of scanning the environment on every code."""

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.delivery.parts import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from twofactor.channels import twilio as twilio_channel

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


class ForwardProxy:
    """A plain-HTTP forward proxy: it receives the absolute URL in the request
    line, notes it, and passes the request on."""

    def __init__(self):
        self.forwarded: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                proxy.forwarded.append(self.path)
                target = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
                upstream.request("POST", target.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.getheader("Content-Type", ""))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def proxy(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    # Each backend instance builds its client (and reads the environment)
    # once; the tests build their own instance after setting it.
    server = ForwardProxy()
    yield server
    server.stop()


def sms_channel(base_url: str) -> twilio_channel.TwilioSMSChannel:
    return twilio_channel.TwilioSMSChannel(
        alias="sms",
        ACCOUNT_SID=ACCOUNT_SID,
        AUTH_TOKEN=AUTH_TOKEN,
        FROM_NUMBER=FROM_NUMBER,
        API_BASE_URL=base_url,
    )


@pytest.mark.delivery
def test_codes_go_through_the_proxy_the_environment_names(monkeypatch, proxy, providers):
    twilio, _smtp = providers
    monkeypatch.setenv("HTTP_PROXY", proxy.url)

    sid = sms_channel(twilio.base_url).send_code(to="+13035550142", code="482913")

    assert proxy.forwarded == [f"{twilio.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"]
    [message] = twilio.accepted("Messages")
    assert message["form"]["To"] == "+13035550142" and sid.startswith("SM")


@pytest.mark.delivery
def test_a_host_in_no_proxy_is_reached_directly(monkeypatch, proxy, providers):
    twilio, _smtp = providers
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    sms_channel(twilio.base_url).send_code(to="+13035550143", code="482913")

    assert proxy.forwarded == []
    assert [m["form"]["To"] for m in twilio.accepted("Messages")] == ["+13035550143"]

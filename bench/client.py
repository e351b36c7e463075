"""A small HTTP client that logs in the way a browser does, for the drivers.

It keeps cookies itself (secure ones too: the stack runs with DEBUG off, as
in production, behind a pretend TLS proxy that sets X-Forwarded-Proto), and
opens a connection per request, as gunicorn's sync workers close each one."""

import http.client
import re
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

PASSWORD = "bench-password-2fa-0042"
# The stack runs with DEBUG off: production cookie names (portal/settings.py).
CSRF_COOKIE = "__Host-csrftoken"


class Unexpected(Exception):
    """The portal answered something a person would call an error."""


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    def __init__(self, base_url: str, *, timeout: float = 60.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = f"https://{self.host}:{self.port}"
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(fields or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        start = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read()
        finally:
            conn.close()
        seconds = time.perf_counter() - start
        for header in raw.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(raw.status, raw.headers, data, seconds)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Response:
        return self.request(
            "POST", path, {"csrfmiddlewaretoken": self.cookies.get(CSRF_COOKIE, ""), **fields}
        )


def expect(response: Response, status: int, location: str | None = None) -> Response:
    if response.status != status or (location is not None and response.location != location):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.body.decode(errors="replace")))
        raise Unexpected(
            f"HTTP {response.status} {response.location!r} (wanted {status} {location!r}): "
            f"{text.strip()[:200]}"
        )
    return response


def password_step(browser: Browser, username: str, password: str = PASSWORD) -> Response:
    """Open the login page, then post Username and Password; returns the POST."""
    expect(browser.get("/login/"), 200)
    return browser.post("/login/", {"username": username, "password": password})


def login_with_code(browser: Browser, twilio, username: str, phone: str) -> dict:
    """A full two-factor login, as a person does it. Returns seconds: the
    password POST, from its answer to the code reaching the phone, the code
    POST, and the whole login from opening the page."""
    seen = twilio.count(phone)
    start = time.perf_counter()
    post = expect(password_step(browser, username), 302, "/login/verify/")
    posted = time.perf_counter()
    code = twilio.wait_code(phone, seen=seen)
    code_wait = time.perf_counter() - posted
    verify = expect(browser.post("/login/verify/", {"code": code}), 302, "/")
    return {
        "password": post.seconds,
        "code_wait": code_wait,
        "verify": verify.seconds,
        "total": time.perf_counter() - start,
    }


def login_password_only(browser: Browser, username: str) -> dict:
    start = time.perf_counter()
    post = expect(password_step(browser, username), 302, "/")
    return {"password": post.seconds, "total": time.perf_counter() - start}

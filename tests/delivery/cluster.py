"""Many nodes on one PostgreSQL and one Redis, as production runs them: web
nodes started from the Procfile's line behind a pretend load balancer, Celery
workers, one beat; and people who reach the nodes over HTTP the way a browser
without JavaScript does (forms, cookies, the CSRF token from the page).

The balancer ends TLS for the public name PUBLIC_HOST: each request reaches a
node as plain HTTP on 127.0.0.1 with that Host, X-Forwarded-Proto: https, and
an X-Request-ID of its own, so the portal runs as in production (DEBUG off,
__Host- cookies, CSRF's origin check) and a request's task can be found in a
worker's log."""

import contextlib
import http.cookiejar
import itertools
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.delivery.parts import BASE_DIR, CELERY
from tests.stand_ins.processes import free_port, stop

PUBLIC_HOST = "portal.test"
PUBLIC_URL = f"https://{PUBLIC_HOST}"
BIN = Path(sys.executable).parent
START_TIMEOUT = 60
REQUEST_TIMEOUT = 30
CODE_SUBJECT = "Your Customer Portal verification code"
SMS_RE = re.compile(r"verification code is (\d{6})\.")
EMAIL_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


# --- processes -----------------------------------------------------------------------


class Served:
    """A process in a process group of its own, its output in a log file."""

    def __init__(self, name: str, command: list[str], *, env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited with {self.process.returncode}:\n{self.log()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole group, as when the machine goes: a gunicorn
        master and its workers die at once, nothing is shut down."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        running = self.process.poll() is None
        stop(self.process)
        if running:
            # Anything it left behind in its group (a gunicorn worker).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


def procfile_command(kind: str, env: dict, *, bind: str) -> list[str]:
    """The Procfile's line for `kind`, its ${NAME:-default}s read from `env`,
    with the programs of this virtualenv, bound to `bind` (on loopback,
    whatever the line or its config file says)."""
    line = next(
        line.split(":", 1)[1]
        for line in (BASE_DIR / "Procfile").read_text().splitlines()
        if line.startswith(f"{kind}:")
    )

    def expand(match: re.Match) -> str:
        return env.get(match["name"]) or match["default"] or ""

    words = shlex.split(re.sub(r"\$\{(?P<name>\w+)(?::-(?P<default>[^}]*))?\}", expand, line))
    program = BIN / words[0]
    if not program.exists():
        pytest.fail(f"the Procfile's {kind} line runs {words[0]}, not in {BIN}")
    command, rest = [str(program)], iter(words[1:])
    for word in rest:
        if word in ("-b", "--bind"):
            next(rest)
        elif not word.startswith("--bind="):
            command.append(word)
    # On the command line, gunicorn's --bind wins over the config file's.
    return [*command, "--bind", bind]


class WebNode(Served):
    """A web node: the Procfile's `web` line on a port of its own."""

    def __init__(self, name: str, *, env: dict, log_dir: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.in_rotation = True
        env = {**env, "PORT": str(self.port), "WEB_CONCURRENCY": str(workers)}
        command = procfile_command("web", env, bind=f"127.0.0.1:{self.port}")
        # gunicorn's control socket is one path per user unless told: each
        # node on this machine needs its own.
        command += ["--control-socket", str(log_dir / f"{name}.ctl")]
        super().__init__(name, command, env=env, log_dir=log_dir)

    def answers(self) -> bool:
        self.check_alive()
        try:
            response = requests.get(
                f"{self.url}/health/live", headers={"Host": PUBLIC_HOST}, timeout=2
            )
        except requests.RequestException:
            return False
        return response.status_code == 200

    def refuses_connections(self) -> bool:
        try:
            requests.get(f"{self.url}/health/live", headers={"Host": PUBLIC_HOST}, timeout=2)
        except requests.ConnectionError:
            return True
        return False


class Beat(Served):
    """`celery -A portal beat`, its schedule file in the test's own folder."""

    def __init__(self, name: str, *, env: dict, log_dir: Path):
        command = [str(CELERY), "-A", "portal", "beat", "--loglevel", "INFO"]
        command += ["--schedule", str(log_dir / f"{name}-schedule")]
        super().__init__(name, command, env=env, log_dir=log_dir)


class Balancer:
    """What a load balancer does: each request to the next node in rotation.
    A node taken out (its health check failed) gets no more requests."""

    def __init__(self, nodes: list[WebNode]):
        self.nodes = nodes
        self._turn = itertools.count()

    def next_node(self) -> WebNode:
        live = [node for node in self.nodes if node.in_rotation]
        return live[next(self._turn) % len(live)]

    def take_out(self, node: WebNode) -> None:
        node.in_rotation = False


# --- people over HTTP ----------------------------------------------------------------


class _BehindTls(http.cookiejar.DefaultCookiePolicy):
    """The person's browser speaks HTTPS to the balancer, so it sends its
    Secure (__Host-) cookies; only the balancer's hop to a node is plain."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    """The forms of a page as a browser would submit them: checked boxes,
    selected options, hidden fields (the CSRF token, the flow)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: tuple[str, bool, list[str], list[str]] | None = None
        self._button: list[str] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def _add(self, name: str | None, value: str) -> None:
        if name and self.forms:
            self.forms[-1].fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", "")))
        elif "disabled" in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                if self.forms:
                    self.forms[-1].buttons.append(a.get("value", ""))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a.get("name"), a.get("value", "on"))
            else:
                self._add(a.get("name"), a.get("value", ""))
        elif tag == "select":
            self._select = (a.get("name", ""), "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[3].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea":
            self._textarea = (a.get("name", ""), [])
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button = []

    def handle_data(self, data):
        if self._button is not None:
            self._button.append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, multiple, chosen, options = self._select
            if not chosen and not multiple and options:
                chosen = options[:1]
            for value in chosen:
                self._add(name, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._add(self._textarea[0], "".join(self._textarea[1]))
            self._textarea = None
        elif tag == "button" and self._button is not None:
            if self.forms:
                self.forms[-1].buttons.append(" ".join("".join(self._button).split()))
            self._button = None


@dataclass(repr=False)
class Page:
    """One answer from one node."""

    response: requests.Response
    node: WebNode
    request_id: str

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def location(self) -> str:
        """Where a redirect leads, as a path on the public site."""
        parts = urlsplit(self.response.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def text(self) -> str:
        """The words of the page, tags removed, spaces collapsed."""
        body = re.sub(r"<(script|style)\b.*?</\1>", " ", self.response.text, flags=re.S)
        return " ".join(re.sub(r"<[^>]+>", " ", body).split())

    def __repr__(self) -> str:
        """For a failed assertion: what came back, and from which node."""
        alerts = re.findall(r'role="alert"[^>]*>(.*?)</', self.response.text, re.S)
        said = [" ".join(alert.split()) for alert in alerts if alert.strip()]
        return (
            f"{self.node.name} answered {self.status} {self.location!r}, alerts {said}: "
            f"{self.text[:600]}"
        )

    def heading(self) -> str:
        match = re.search(r"<h1\b[^>]*>(.*?)</h1>", self.response.text, re.S)
        return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""

    def form(self, button: str) -> Form:
        """The form whose submit button says `button`."""
        parser = _Forms()
        parser.feed(self.response.text)
        for form in parser.forms:
            if button in form.buttons:
                return form
        pytest.fail(f"no form with a {button!r} button on this page:\n{self.text[:1500]}")


class Person:
    """Someone with a browser: a cookie jar of their own, every request
    through the balancer (or to `node`, when the test needs that one)."""

    def __init__(self, username: str, balancer: Balancer, trail: list):
        self.username = username
        self.balancer = balancer
        self.trail = trail
        self.http = requests.Session()
        self.http.cookies.set_policy(_BehindTls())

    def request(self, method: str, path: str, data=None, *, node: WebNode | None = None) -> Page:
        node = node or self.balancer.next_node()
        request_id = f"{self.username}-{uuid.uuid4().hex[:16]}"
        headers = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Request-ID": request_id}
        if method == "POST":
            headers["Origin"] = PUBLIC_URL
        prepared = self.http.prepare_request(
            requests.Request(method, node.url + path, data=data, headers=headers)
        )
        # requests copies the jar into one of its default policy, which keeps
        # Secure cookies from a plain-HTTP URL: the header comes from ours.
        cookies = requests.cookies.get_cookie_header(self.http.cookies, prepared)
        prepared.headers.pop("Cookie", None)
        if cookies:
            prepared.headers["Cookie"] = cookies
        response = self.http.send(prepared, allow_redirects=False, timeout=REQUEST_TIMEOUT)
        self.trail.append((self.username, node.name, method, path, response.status_code))
        return Page(response, node, request_id)

    def get(self, path: str, *, node: WebNode | None = None) -> Page:
        return self.request("GET", path, node=node)

    def submit(
        self, page: Page, button: str, fields: dict | None = None, *, node: WebNode | None = None
    ) -> Page:
        """Fill in `fields` (None clears a box) and click `button`."""
        form = page.form(button)
        data = dict(form.fields)
        for name, value in (fields or {}).items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = [value]
        return self.request("POST", form.action, data, node=node)

    def follow(self, page: Page, *, node: WebNode | None = None) -> Page:
        """Follow redirects, each hop through the balancer."""
        for _ in range(5):
            if page.status not in (301, 302, 303):
                return page
            page = self.get(page.location, node=node)
        pytest.fail(f"too many redirects, last to {page.location}")


# --- phones and mailboxes ------------------------------------------------------------


class Inbox:
    """The codes people receive: texts at the Twilio stand-in, emails at
    the SMTP server. Each read waits (bounded) for the next message."""

    def __init__(self, twilio, smtp):
        self.twilio = twilio
        self.smtp = smtp
        self.read: dict[str, int] = {}

    def texts(self, phone: str) -> list[dict]:
        """Every SMS the stand-in took for `phone`, in order."""
        return [r for r in self.twilio.received("Messages") if r["form"].get("To") == phone]

    def emails(self, address: str) -> list:
        return [m for m in self.smtp.to(address) if m["Subject"] == CODE_SUBJECT]

    def next_code(self, destination: str, *, timeout: float = 30) -> str:
        """The code in the next message to `destination` (a phone or an email)."""
        seen = self.read.get(destination, 0)
        deadline = time.monotonic() + timeout
        while True:
            if destination.startswith("+"):
                texts = [r for r in self.texts(destination) if r["status"] == 201]
                if len(texts) > seen:
                    self.read[destination] = seen + 1
                    return SMS_RE.search(texts[seen]["form"]["Body"]).group(1)
            else:
                emails = self.emails(destination)
                if len(emails) > seen:
                    self.read[destination] = seen + 1
                    body = emails[seen].get_body(("plain",)).get_content()
                    return EMAIL_RE.search(body).group(1)
            if time.monotonic() >= deadline:
                pytest.fail(f"no new code for {destination} within {timeout} s ({seen} read)")
            time.sleep(0.05)

    def skip(self, destination: str) -> None:
        """Count one message as read without using it."""
        self.read[destination] = self.read.get(destination, 0) + 1

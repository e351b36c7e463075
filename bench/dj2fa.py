"""Side by side with django-two-factor-auth 1.18: the password step's latency
when the SMS provider takes 2 seconds.

django-two-factor-auth's login wizard sends the SMS inside the request that
accepts the password (PhoneDevice.generate_challenge() while rendering the
token step), so a slow provider is a slow login page; ours queues the code for
the worker. The bench builds a virtualenv of its own for theirs
(var/bench-dj2fa-venv: django-two-factor-auth 1.18.1 with the Django, twilio,
gunicorn, psycopg and argon2-cffi versions of ours; reused while that list is
unchanged), writes a minimal project for it (var/bench-dj2fa-project: their
login URLs, their Twilio gateway with its API base URL pointed at the Twilio
stand-in, the portal's Argon2id parameters, PostgreSQL, production cookies),
and serves it with gunicorn beside ours (the portal as it runs in production,
bench/variants.py's new). Both talk to one stand-in answering after 2 s.
Logins alternate, ours and theirs, each a co-worker of its own with an SMS
device; each login is completed with the code the stand-in received.
Target: password-step POST p50, ours / theirs <= 0.05 (issue 14, acceptance 3).

    .venv/bin/python -m bench.dj2fa [--quick] [--logins N]
"""

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import textwrap
import time

from bench import client, report, seed
from bench.stack import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PG_SERVER,
    ROOT,
    SECRET_KEY,
    Stack,
    config_for,
    free_port,
)
from bench.variants import NEW, gunicorn_label

VENV = ROOT / "var" / "bench-dj2fa-venv"
PROJECT = ROOT / "var" / "bench-dj2fa-project"
LATENCY = 2.0
RATIO_TARGET = 0.05
THEIR_CODE = r"\b(\d{6})\b"  # "Your OTP token is 123456"


def requirements() -> list[str]:
    """Theirs, with the versions of what both sides share pinned to ours."""
    ours = importlib.metadata.version
    return [
        "django-two-factor-auth[phonenumbers]==1.18.1",
        f"Django=={ours('Django')}",
        f"twilio=={ours('twilio')}",
        f"gunicorn=={ours('gunicorn')}",
        f"psycopg[binary]=={ours('psycopg')}",
        f"argon2-cffi=={ours('argon2-cffi')}",
    ]


def venv_ensure() -> tuple[float, str]:
    """(seconds spent building, pip's complaint if it failed). Reused when its
    requirements are those of today; built from nothing otherwise."""
    wanted = "\n".join(requirements()) + "\n"
    marker = VENV / "bench-requirements.txt"
    python = VENV / "bin" / "python"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return 0.0, ""
    start = time.monotonic()
    shutil.rmtree(VENV, ignore_errors=True)
    VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    done = subprocess.run(
        # Without PyPI, fail within a minute rather than after pip's many retries.
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        + ["--timeout", "15", "--retries", "1", *requirements()],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(VENV, ignore_errors=True)
        errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
        return time.monotonic() - start, "\n".join(errors[-5:]) or done.stderr[-500:]
    marker.write_text(wanted)
    return time.monotonic() - start, ""


PROJECT_FILES = {
    "benchproj/__init__.py": "",
    "benchproj/settings.py": '''
        """django-two-factor-auth 1.18's documented set-up, as small as it
        goes, for bench.dj2fa (written by it; not part of the portal)."""

        import os

        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        DEBUG = False
        ALLOWED_HOSTS = ["127.0.0.1"]
        INSTALLED_APPS = [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django_otp",
            "django_otp.plugins.otp_static",
            "django_otp.plugins.otp_totp",
            "two_factor",
            "two_factor.plugins.phonenumber",
        ]
        MIDDLEWARE = [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django_otp.middleware.OTPMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "two_factor.middleware.threadlocals.ThreadLocals",
        ]
        ROOT_URLCONF = "benchproj.urls"
        TEMPLATES = [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ]
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": os.environ["BENCH_DJ2FA_DATABASE"],
                "HOST": os.environ["BENCH_DJ2FA_PG_HOST"],
                "PORT": os.environ["BENCH_DJ2FA_PG_PORT"],
                "USER": os.environ["BENCH_DJ2FA_PG_USER"],
                "CONN_MAX_AGE": 60,
            }
        }
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        USE_TZ = True
        # The portal's hasher and parameters, so the two differ in the SMS only.
        PASSWORD_HASHERS = ["benchproj.hashers.PortalParameters"]
        LOGIN_URL = "two_factor:login"
        LOGIN_REDIRECT_URL = "two_factor:profile"
        TWO_FACTOR_SMS_GATEWAY = "benchproj.gateway.StandInTwilio"
        TWILIO_ACCOUNT_SID = os.environ["TWILIO_ACCOUNT_SID"]
        TWILIO_AUTH_TOKEN = os.environ["TWILIO_AUTH_TOKEN"]
        TWILIO_CALLER_ID = os.environ["TWILIO_FROM_NUMBER"]
        TWILIO_API_BASE_URL = os.environ["TWILIO_API_BASE_URL"]
        # Production's cookies and proxy header, as the portal's bench runs.
        SESSION_COOKIE_NAME = "__Host-sessionid"
        CSRF_COOKIE_NAME = "__Host-csrftoken"
        SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        LOGGING = {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"console": {"class": "logging.StreamHandler"}},
            "root": {"handlers": ["console"], "level": "INFO"},
            # As the portal: the SDK's request log costs CPU per message.
            "loggers": {"twilio.http_client": {"level": "WARNING"}},
        }
    ''',
    "benchproj/hashers.py": """
        import os

        from django.contrib.auth.hashers import Argon2PasswordHasher

        _memory, _passes, _lanes = (int(n) for n in os.environ["BENCH_ARGON2"].split(","))


        class PortalParameters(Argon2PasswordHasher):
            memory_cost, time_cost, parallelism = _memory, _passes, _lanes
    """,
    "benchproj/gateway.py": '''
        from django.conf import settings
        from two_factor.gateways.twilio.gateway import Twilio


        class StandInTwilio(Twilio):
            """Their Twilio gateway, unchanged but for the API's base URL (the
            bench's Twilio stand-in)."""

            def __init__(self):
                super().__init__()
                self.client.api.base_url = settings.TWILIO_API_BASE_URL
    ''',
    "benchproj/urls.py": """
        from django.urls import include, path
        from two_factor.urls import urlpatterns as tf_urls

        urlpatterns = [path("", include(tf_urls))]
    """,
    "benchproj/wsgi.py": """
        import os

        from django.core.wsgi import get_wsgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchproj.settings")
        application = get_wsgi_application()
    """,
    "benchproj/seed.py": '''
        """Co-workers with a confirmed SMS device named "default" (the one
        their login challenges): python -m benchproj.seed PREFIX COUNT PHONE_PREFIX."""

        import sys

        import django

        django.setup()

        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import User
        from django_otp.util import random_hex
        from two_factor.plugins.phonenumber.models import PhoneDevice

        prefix, count, phone_prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        password = make_password(sys.stdin.readline().strip())
        users = User.objects.bulk_create(
            User(username=f"{prefix}{i:06d}", password=password) for i in range(count)
        )
        PhoneDevice.objects.bulk_create(
            PhoneDevice(
                user=user,
                name="default",
                number=f"+1303{phone_prefix}{i:06d}",
                method="sms",
                key=random_hex(20),
                confirmed=True,
            )
            for i, user in enumerate(users)
        )
    ''',
}


class Theirs:
    """Their project, written, migrated, seeded and served on `stack`."""

    def __init__(self, stack: Stack, *, database: str):
        self.stack = stack
        self.database = database
        self.port = free_port()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        from django.conf import settings

        pg = PG_SERVER.removeprefix("postgres://")
        user, _, hostport = pg.rpartition("@")
        host, _, port = hostport.partition(":")
        return {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(PROJECT),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "benchproj.settings",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "BENCH_DJ2FA_DATABASE": self.database,
            "BENCH_DJ2FA_PG_HOST": host,
            "BENCH_DJ2FA_PG_PORT": port or "5432",
            "BENCH_DJ2FA_PG_USER": user or "postgres",
            "BENCH_ARGON2": ",".join(
                str(n)
                for n in (
                    settings.PASSWORD_ARGON2_MEMORY_KIB,
                    settings.PASSWORD_ARGON2_TIME_COST,
                    settings.PASSWORD_ARGON2_PARALLELISM,
                )
            ),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.stack.twilio.base_url,
        }

    def write(self) -> None:
        shutil.rmtree(PROJECT, ignore_errors=True)
        for name, text in PROJECT_FILES.items():
            path = PROJECT / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip())

    def migrate(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self._python("-m", "django", "migrate", "--noinput", "-v", "0")

    def seed(self, *, prefix: str, count: int, phone_prefix: int) -> list[tuple[str, str]]:
        self._python(
            "-m", "benchproj.seed", prefix, str(count), str(phone_prefix), stdin=client.PASSWORD
        )
        return [(f"{prefix}{i:06d}", seed.phone_for(phone_prefix, i)) for i in range(count)]

    def _python(self, *args: str, stdin: str = "") -> None:
        done = subprocess.run(
            [str(VENV / "bin" / "python"), *args],
            cwd=PROJECT,
            env=self.env(),
            input=stdin + "\n",
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"their project: {' '.join(args)}:\n{done.stderr[-2000:]}")

    def serve(self, shape: tuple[str, int, int]) -> None:
        """Their gunicorn with the same worker class, workers and threads as ours."""
        import urllib.request

        kind, workers, threads = shape
        argv = [
            str(VENV / "bin" / "gunicorn"),
            "benchproj.wsgi",
            "--chdir",
            str(PROJECT),
            "-c",
            "/dev/null",  # not the portal's gunicorn.conf.py (its metrics hooks)
            "-w",
            str(workers),
            "--worker-class",
            kind,
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{self.port}",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            "-",
        ]
        proc = self.stack._spawn("dj2fa", argv, self.env())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"their gunicorn exited:\n{self.stack.log_tail('dj2fa')}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/account/login/", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"their gunicorn did not answer:\n{self.stack.log_tail('dj2fa')}")

    def login(self, username: str, phone: str) -> float:
        """Their wizard: the page, Username and Password (the SMS is sent while
        the token step renders), then the token. Returns the password POST's
        seconds."""
        browser = client.Browser(self.base_url)
        client.expect(browser.get("/account/login/"), 200)
        seen = self.stack.twilio.count(phone)
        post = client.expect(
            browser.post(
                "/account/login/",
                {
                    "login_view-current_step": "auth",
                    "auth-username": username,
                    "auth-password": client.PASSWORD,
                },
            ),
            200,
        )
        if b"token-otp_token" not in post.body:
            raise client.Unexpected(f"no token step after the password: {post.body[:300]!r}")
        code = self.stack.twilio.wait_code(
            phone, seen=seen, timeout=LATENCY + 15, pattern=THEIR_CODE
        )
        client.expect(
            browser.post(
                "/account/login/",
                {"login_view-current_step": "token", "token-otp_token": code},
            ),
            302,
            "/account/two_factor/",
        )
        return post.seconds


def ours_login(stack: Stack, username: str, phone: str) -> float:
    """Our password step (and the code that follows, so every login ends the
    same way). Returns the password POST's seconds."""
    browser = client.Browser(stack.base_url)
    client.expect(browser.get("/login/"), 200)
    seen = stack.twilio.count(phone)
    post = client.expect(
        browser.post("/login/", {"username": username, "password": client.PASSWORD}),
        302,
        "/login/verify/",
    )
    code = stack.twilio.wait_code(phone, seen=seen, timeout=LATENCY + 15)
    client.expect(browser.post("/login/verify/", {"code": code}), 302, "/")
    return post.seconds


def run(*, quick: bool, logins: int | None) -> bool:
    logins = logins or (3 if quick else 40)
    warm = 1 if quick else 3
    built_in, failure = venv_ensure()
    venv_note = (
        f"their virtualenv built in {built_in:.0f} s"
        if built_in
        else f"their virtualenv reused ({VENV.relative_to(ROOT)})"
    )
    config = config_for(quick=quick)
    results: dict[str, list[float]] = {"ours": [], "theirs": []}
    with Stack(config) as stack:
        stack.restart_web(settings_module=NEW.settings_module, **NEW.web)
        shape = stack.web_shape()
        enterprise = seed.enterprise_create("Side by side")
        ours = iter(seed.coworkers_create(enterprise, count=logins + warm, prefix="dj2faours"))
        theirs = None
        if not failure:
            theirs = Theirs(stack, database=f"{config.database}_dj2fa")
            theirs.write()
            theirs.migrate()
            their_people = iter(theirs.seed(prefix="theirs", count=logins + warm, phone_prefix=7))
            theirs.serve(shape)
        stack.twilio.latency = LATENCY
        for n in range(warm + logins):
            seconds = ours_login(stack, *next(ours))
            if n >= warm:
                results["ours"].append(seconds)
            if theirs is not None:
                seconds = theirs.login(*next(their_people))
                if n >= warm:
                    results["theirs"].append(seconds)

    from django.conf import settings

    versions = {
        "ours": f"portal, gunicorn {gunicorn_label(shape)}",
        "theirs": f"django-two-factor-auth 1.18.1, gunicorn {gunicorn_label(shape)}",
    }
    rows = []
    for side, posts in results.items():
        if not posts:
            rows.append([side, versions[side], 0, "—", "—", "—", "—", "skipped"])
            continue
        rows.append(
            [
                side,
                versions[side],
                len(posts),
                report.ms(report.percentile(posts, 50)),
                report.ms(report.percentile(posts, 95)),
                report.ms(min(posts)),
                report.ms(max(posts)),
                "queued for the worker" if side == "ours" else "sent in the request",
            ]
        )
    argon2 = (
        f"{settings.PASSWORD_ARGON2_MEMORY_KIB // 1024} MiB, "
        f"t={settings.PASSWORD_ARGON2_TIME_COST}, p={settings.PASSWORD_ARGON2_PARALLELISM}"
    )
    print(
        report.table(
            f"Password step beside django-two-factor-auth, provider {LATENCY:g} s "
            f"({report.machine()})",
            ["side", "what", "logins", "p50 ms", "p95 ms", "min ms", "max ms", "the SMS"],
            rows,
        )
    )
    print(
        f"both: Argon2id {argon2}, PostgreSQL, the same Twilio stand-in; logins alternate; "
        f"{venv_note}"
    )
    if failure:
        print(f"django-two-factor-auth skipped: its virtualenv could not be built:\n{failure}")
        # CI (--quick) proves our side runs; a full run must compare.
        return quick
    ratio = report.percentile(results["ours"], 50) / report.percentile(results["theirs"], 50)
    ok = ratio <= RATIO_TARGET
    print(
        f"password-step p50, ours / theirs = {ratio:.3f} (target <= {RATIO_TARGET}: "
        f"{report.verdict(ok)})"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 logins each, to prove it works")
    parser.add_argument("--logins", type=int, help="logins of each side (default 40)")
    args = parser.parse_args()
    run(quick=args.quick, logins=args.logins)


if __name__ == "__main__":
    main()

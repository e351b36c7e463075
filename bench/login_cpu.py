"""3. The cost of the second factor.

Server-side CPU of a full two-factor login (open the login page, password,
code: the web workers, the Celery worker that sends the code, and the
PostgreSQL backends serving them) against a password-only login (open the
page, password), same hasher (Argon2id, the first in PASSWORD_HASHERS); a
login answered by an authenticator app (TOTP: nothing is sent); and one
answered by a passkey (the options, then the assertion of a software ES256
authenticator, bench/passkey.py, verified by py_webauthn: nothing is sent).
Blocks of each kind alternate so drift on a shared machine hits all alike;
CPU is read from /proc before and after each block.
Target: 2FA / password-only <= 1.25.

    .venv/bin/python -m bench.login_cpu [--quick] [--logins N]
"""

import argparse
import json
import time

from bench import client, cpu, passkey, report, seed
from bench.stack import Stack, config_for

RATIO_TARGET = 1.25
KINDS = ("password", "2fa", "app", "passkey")
SETTLE = 0.5  # seconds for the worker to finish its bookkeeping after a send


class Meter:
    """CPU seconds used by the web workers, the Celery worker and the
    database's backends between start() and stop()."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.totals = {"web": 0.0, "worker": 0.0, "database": 0.0}

    def _read(self) -> dict:
        return {
            "web": {pid: cpu.process_cpu(pid) for pid in self.stack.web_pids()},
            "worker": {pid: cpu.process_cpu(pid) for pid in self.stack.worker_pids()},
            "database": {pid: cpu.process_cpu(pid) for pid in self.stack.db_backend_pids()},
        }

    def start(self) -> None:
        self._before = self._read()

    def stop(self) -> None:
        after = self._read()
        for part, pids in after.items():
            # A backend that started during the block counts from zero.
            self.totals[part] += sum(
                v - self._before[part].get(pid, 0.0) for pid, v in pids.items()
            )


def app_users(enterprise, *, count: int) -> list[tuple[str, bytes]]:
    """Co-workers with 2FA on and an active authenticator app; the enterprise
    allows apps. Returns (username, the app's secret key)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enterprise.allow_authenticator_app = True
    enterprise.save(update_fields=["allow_authenticator_app"])
    people = seed.coworkers_create(enterprise, count=count, prefix="cpuapp", phone_prefix=4)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__startswith="cpuapp").order_by("username")
    devices = TOTPDevice.objects.bulk_create(
        [TOTPDevice(user=u, name="Authenticator app", confirmed=True) for u in users]
    )
    keys = {d.user.username: d.bin_key for d in devices}
    return [(username, keys[username]) for username, _phone in people]


def login_with_app(browser: client.Browser, username: str, key: bytes) -> None:
    """Password, then the code the person's app shows now: nothing is sent."""
    from django_otp.oath import TOTP

    client.expect(client.password_step(browser, username), 302, "/login/verify/")
    code = TOTP(key, 30, 0, 6)
    code.time = time.time()
    client.expect(browser.post("/login/verify/", {"code": f"{code.token():06d}"}), 302, "/")


def passkey_users(*, count: int) -> list[tuple[str, passkey.SoftKey]]:
    """Co-workers with 2FA on and a passkey each, in an enterprise of their
    own that allows passkeys (so the other kinds' logins stay as they were).
    The relying party is the served portal's: the driver's settings are the
    stack's (PORTAL_BASE_URL). Returns (username, the person's authenticator)."""
    from django.contrib.auth import get_user_model

    from twofactor import passkeys
    from twofactor.models import Passkey

    enterprise = seed.enterprise_create("CPU passkeys")
    enterprise.allow_passkey = True
    enterprise.save(update_fields=["allow_passkey"])
    people = seed.coworkers_create(enterprise, count=count, prefix="cpupk", phone_prefix=5)
    users = get_user_model().objects.filter(username__startswith="cpupk").order_by("username")
    keys = {
        u.username: passkey.SoftKey(rp_id=passkeys.rp_id(), origin=passkeys.origin()) for u in users
    }
    Passkey.objects.bulk_create(
        [
            Passkey(
                user=u,
                name="Bench passkey",
                credential_id=keys[u.username].id,
                public_key=keys[u.username].cose(),
                sign_count=0,
            )
            for u in users
        ]
    )
    return [(username, keys[username]) for username, _phone in people]


def login_with_passkey(browser: client.Browser, username: str, key: passkey.SoftKey) -> None:
    """Password, then what static/portal.js does on the passkey step: POST for
    the options (the session keeps the challenge), the authenticator signs,
    POST its answer; nothing is sent."""
    client.expect(client.password_step(browser, username), 302, "/login/verify/")
    options = passkey.post_json(browser, "/login/passkey/options/")
    client.expect(options, 200)
    challenge = json.loads(options.body)["challenge"]
    answer = passkey.post_json(browser, "/login/passkey/", key.assert_(challenge))
    client.expect(answer, 200)
    if json.loads(answer.body) != {"ok": True, "redirect": "/"}:
        raise client.Unexpected(f"passkey login answered {answer.body[:200]!r}")


def run(*, quick: bool, logins: int | None) -> bool:
    per_block = 3 if quick else 20
    blocks = 1 if quick else max(1, (logins or 100) // per_block)
    config = config_for(quick=quick)
    with Stack(config) as stack:
        enterprise = seed.enterprise_create("CPU")
        n = per_block * (blocks + 1)
        two_factor = iter(seed.coworkers_create(enterprise, count=n, prefix="cpu2f"))
        password_only = iter(
            seed.coworkers_create(
                enterprise, count=n, prefix="cpupw", phone_prefix=3, enrolled=False
            )
        )
        with_app = iter(app_users(enterprise, count=n))
        with_passkey = iter(passkey_users(count=n))
        accounts_of = {
            "2fa": two_factor,
            "password": password_only,
            "app": with_app,
            "passkey": with_passkey,
        }

        def block(kind: str, meter: Meter | None) -> None:
            accounts = accounts_of[kind]
            if meter:
                meter.start()
            for _ in range(per_block):
                username, secret = next(accounts)
                browser = client.Browser(stack.base_url)
                if kind == "2fa":
                    client.login_with_code(browser, stack.twilio, username, secret)
                elif kind == "app":
                    login_with_app(browser, username, secret)
                elif kind == "passkey":
                    login_with_passkey(browser, username, secret)
                else:
                    client.login_password_only(browser, username)
            time.sleep(SETTLE)
            if meter:
                meter.stop()

        block("2fa", None)  # warm-up: both web workers, the worker's threads
        block("password", None)
        block("app", None)
        block("passkey", None)
        meters = {kind: Meter(stack) for kind in KINDS}
        for _ in range(blocks):
            for kind in KINDS:
                block(kind, meters[kind])

        from django.contrib.auth.hashers import check_password, make_password

        encoded = make_password(client.PASSWORD)
        start = time.process_time()
        for _ in range(5):
            check_password(client.PASSWORD, encoded)
        argon2 = (time.process_time() - start) / 5

    count = blocks * per_block
    rows, totals = [], {}
    for kind, label in (
        ("password", "password only"),
        ("2fa", "password + code by SMS"),
        ("app", "password + authenticator app"),
        ("passkey", "password + passkey"),
    ):
        parts = {part: seconds / count for part, seconds in meters[kind].totals.items()}
        totals[kind] = sum(parts.values())
        rows.append(
            [
                label,
                count,
                f"{parts['web'] * 1000:.1f}",
                f"{parts['worker'] * 1000:.1f}",
                f"{parts['database'] * 1000:.1f}",
                f"{totals[kind] * 1000:.1f}",
            ]
        )
    print(
        report.table(
            f"Server CPU per login, Argon2id ({report.machine()})",
            ["login", "logins", "web ms", "worker ms", "PostgreSQL ms", "total CPU ms"],
            rows,
        )
    )
    ratio = totals["2fa"] / totals["password"]
    ok = ratio <= RATIO_TARGET
    print(
        f"2FA / password-only = {ratio:.2f} (target <= {RATIO_TARGET}: {report.verdict(ok)}); "
        f"the code step adds {(totals['2fa'] - totals['password']) * 1000:.1f} CPU ms"
    )
    print(
        f"authenticator app / password-only = {totals['app'] / totals['password']:.2f}; "
        f"app / code by SMS = {totals['app'] / totals['2fa']:.2f}"
    )
    print(
        f"passkey / password-only = {totals['passkey'] / totals['password']:.2f}; "
        f"passkey / code by SMS = {totals['passkey'] / totals['2fa']:.2f}; "
        f"passkey / app = {totals['passkey'] / totals['app']:.2f}"
    )
    print(f"one Argon2id check_password() in this process: {argon2 * 1000:.1f} CPU ms")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few logins, to prove it works")
    parser.add_argument("--logins", type=int, help="logins of each kind (default 100)")
    args = parser.parse_args()
    run(quick=args.quick, logins=args.logins)


if __name__ == "__main__":
    main()

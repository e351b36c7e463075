"""3. The cost of the second factor.

Server-side CPU of a full two-factor login (open the login page, password,
code: the web workers, the Celery worker that sends the code, and the
PostgreSQL backends serving them) against a password-only login (open the
page, password), same hasher (Argon2id, the first in PASSWORD_HASHERS); and
a login answered by an authenticator app (TOTP: nothing is sent).
Blocks of each kind alternate so drift on a shared machine hits both alike;
CPU is read from /proc before and after each block.
Target: 2FA / password-only <= 1.25.

    .venv/bin/python -m bench.login_cpu [--quick] [--logins N]
"""

import argparse
import time

from bench import client, cpu, report, seed
from bench.stack import Stack, config_for

RATIO_TARGET = 1.25
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

        def block(kind: str, meter: Meter | None) -> None:
            accounts = {"2fa": two_factor, "password": password_only, "app": with_app}[kind]
            if meter:
                meter.start()
            for _ in range(per_block):
                username, secret = next(accounts)
                browser = client.Browser(stack.base_url)
                if kind == "2fa":
                    client.login_with_code(browser, stack.twilio, username, secret)
                elif kind == "app":
                    login_with_app(browser, username, secret)
                else:
                    client.login_password_only(browser, username)
            time.sleep(SETTLE)
            if meter:
                meter.stop()

        block("2fa", None)  # warm-up: both web workers, the worker's threads
        block("password", None)
        block("app", None)
        meters = {"password": Meter(stack), "2fa": Meter(stack), "app": Meter(stack)}
        for _ in range(blocks):
            for kind in ("password", "2fa", "app"):
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

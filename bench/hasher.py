"""The password hasher's parameters, by measurement.

One Argon2id hash (what check_password() costs at login) for each candidate
(memory, passes, lanes), in this process: CPU time of the process (every lane's
thread counted) and wall time. Rounds alternate the candidates so drift on a
shared machine hits all alike; the median of the rounds is shown. The row
"portal" is what PASSWORD_HASHERS[0] uses now (portal/settings.py).
Nothing here needs the stack.

    .venv/bin/python -m bench.hasher [--quick]
"""

import argparse
import os
import statistics
import time

import argon2.low_level

from bench import report

MIB = 1024
# OWASP's Password Storage Cheat Sheet: Argon2id with at least 19 MiB, 2 passes,
# 1 lane (or 46 MiB and 1 pass); Django 5.2's default; and two in between.
CANDIDATES = [
    ("OWASP minimum", 19 * MIB, 2, 1),
    ("OWASP, 1 pass", 46 * MIB, 1, 1),
    ("", 32 * MIB, 2, 1),
    ("", 64 * MIB, 2, 1),
    ("", 64 * MIB, 3, 4),
    ("Django 5.2 default", 100 * MIB, 2, 8),
]


def one_hash(memory_kib: int, time_cost: int, lanes: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one hash."""
    cpu, wall = time.process_time(), time.perf_counter()
    argon2.low_level.hash_secret_raw(
        b"bench-password-2fa-0042",
        os.urandom(16),
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=lanes,
        hash_len=32,
        type=argon2.low_level.Type.ID,
    )
    return time.process_time() - cpu, time.perf_counter() - wall


def run(*, quick: bool) -> bool:
    import django
    from django.conf import settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.contrib.auth.hashers import get_hasher

    portal = get_hasher()
    candidates = [
        *CANDIDATES,
        (f"portal ({settings.PASSWORD_HASHERS[0].rsplit('.', 1)[1]})",)
        + (portal.memory_cost, portal.time_cost, portal.parallelism),
    ]
    rounds, per_round = (2, 3) if quick else (7, 10)
    samples: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(candidates))}
    for n in range(rounds):
        # Alternate which goes first.
        order = list(range(len(candidates)))
        if n % 2:
            order.reverse()
        for i in order:
            _label, memory, passes, lanes = candidates[i]
            one_hash(memory, passes, lanes)  # warm: the memory mapped once
            runs = [one_hash(memory, passes, lanes) for _ in range(per_round)]
            samples[i].append(
                (statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs))
            )
    rows = []
    for i, (label, memory, passes, lanes) in enumerate(candidates):
        cpu = statistics.median(c for c, _ in samples[i])
        wall = statistics.median(w for _, w in samples[i])
        owasp = memory >= 19 * MIB and passes >= 2 or memory >= 46 * MIB
        rows.append(
            [
                f"{memory // MIB} MiB, t={passes}, p={lanes}",
                label,
                "yes" if owasp else "no",
                f"{cpu * 1000:.1f}",
                f"{wall * 1000:.1f}",
                f"{1 / cpu:.1f}" if cpu else "—",
            ]
        )
    print(
        report.table(
            f"Argon2id, one hash per parameter set, median of {rounds} rounds of "
            f"{per_round} ({report.machine()})",
            ["parameters", "", "≥ OWASP", "CPU ms", "wall ms", "hashes per CPU second"],
            rows,
        )
    )
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hashes, to prove it works")
    args = parser.parse_args()
    run(quick=args.quick)


if __name__ == "__main__":
    main()

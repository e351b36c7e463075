"""Every benchmark, one after the other, each in its own process.

    .venv/bin/python -m bench.all [--quick]

--quick runs each with tiny sizes (about three minutes in all): CI runs it once,
to prove the benchmarks still work, not to judge the targets.
"""

import argparse
import subprocess
import sys
import time

from bench.stack import ROOT

BENCHMARKS = [
    "login_latency",
    "delivery",
    "task_cpu",
    "login_cpu",
    "webauthn_libs",
    "scale",
    "rollout",
    "load",
    "fallback",
    "insight",
    "hasher",
    "open_loop",
    "dj2fa",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], default=[])
    args = parser.parse_args()
    failed = []
    for name in args.names or BENCHMARKS:
        argv = [sys.executable, "-m", f"bench.{name}", *(["--quick"] if args.quick else [])]
        print(f"\n$ {' '.join(['python', *argv[1:]])}", flush=True)
        start = time.monotonic()
        if subprocess.run(argv, cwd=ROOT, check=False).returncode != 0:
            failed.append(name)
        print(f"({name}: {time.monotonic() - start:.0f} s)", flush=True)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

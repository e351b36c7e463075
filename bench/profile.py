"""py-spy on a process of the stack while a benchmark runs, and a summary of
where its time went. py-spy is a development tool, not a requirement:
`.venv/bin/pip install py-spy`; it needs ptrace rights (root, or
kernel.yama.ptrace_scope=0).

    with profiled(pid, "worker", seconds=10) as summary:
        ...  # the load
    print(summary.text)
"""

import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"


def _frame(frame: str) -> str:
    name, _, where = frame.partition(" (")
    return f"{name} ({Path(where.split(':')[0]).name})" if where else name


def summarize(raw: str, *, top: int = 40, under: str = "") -> str:
    """Inclusive share of samples per function, from py-spy's raw output (one
    'frame;frame;... count' line per stack). With `under`, only stacks that
    pass through a frame whose text contains it (e.g. a task's name)."""
    inclusive: Counter = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or (under and under not in stack):
            continue
        total += int(count)
        for frame in dict.fromkeys(_frame(f) for f in stack.split(";")):
            inclusive[frame] += int(count)
    if not total:
        return "no samples"
    lines = [f"{total} samples{f' under {under}' if under else ''}; inclusive share:"]
    # Frames on every stack (thread start-up, the task wrapper) say nothing.
    shares = [(f, n) for f, n in inclusive.most_common() if n < total][:top]
    lines += [f"  {n / total * 100:5.1f}%  {frame}" for frame, n in shares]
    return "\n".join(lines)


class Summary:
    text = ""
    raw = ""


@contextlib.contextmanager
def profiled(
    pids: list[int], label: str, *, seconds: int, under: str = "", top: int = 40, gil: bool = True
):
    """Sample `pids` with py-spy for up to `seconds` (or until the block ends).
    With `gil` (the default), only the thread holding the GIL is sampled: where
    the CPU goes, not where threads wait."""
    summary = Summary()
    if not PY_SPY.exists() and not shutil.which("py-spy"):
        summary.text = "py-spy is not installed (.venv/bin/pip install py-spy)"
        yield summary
        return
    spy = str(PY_SPY) if PY_SPY.exists() else shutil.which("py-spy")
    out = Path(tempfile.mkdtemp(prefix="portal-profile-"))
    procs = []
    try:
        for pid in pids:
            argv = [spy, "record", "-p", str(pid), "-d", str(seconds), "-r", "25"]
            argv += ["-f", "raw", "--nonblocking", "-o", str(out / f"{pid}.raw")]
            if gil:
                argv.append("--gil")
            procs.append(
                subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        yield summary
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # py-spy writes what it has
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        summary.raw = "\n".join(p.read_text() for p in out.glob("*.raw"))
        what = "CPU (GIL holder)" if gil else "wall time"
        summary.text = f"profile of {label}, {what}: " + summarize(
            summary.raw, under=under, top=top
        )
        shutil.rmtree(out, ignore_errors=True)

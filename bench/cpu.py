"""CPU seconds of processes, read from /proc (Linux)."""

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces; fields after it are space separated.
    return text[text.rindex(")") + 2 :].split()


def process_cpu(pid: int, *, children: bool = False) -> float:
    """utime + stime of a process (all its threads); with `children`, also
    what its exited and reaped children used. 0 if it is gone."""
    try:
        fields = _stat(pid)
    except (OSError, ValueError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def cpu_of(pids) -> float:
    return sum(process_cpu(pid) for pid in pids)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pss_mb(pids) -> float:
    """Proportional set size of processes, summed: what they hold in memory,
    pages shared between them (a prefork pool's children) counted once."""
    total = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total / 1024


def postgres_cpu() -> float:
    """All of PostgreSQL on this machine: the postmaster with every backend it
    has reaped, plus those alive now. Other databases' work is in it too."""
    postmaster = None
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm != "postgres":
            continue
        pid = int(entry.name)
        try:
            parent = int(_stat(pid)[1])
        except (OSError, ValueError):
            continue
        try:
            parent_comm = Path(f"/proc/{parent}/comm").read_text().strip()
        except OSError:
            parent_comm = ""
        if parent_comm != "postgres":
            postmaster = pid
        else:
            total += process_cpu(pid)
    if postmaster is not None:
        total += process_cpu(postmaster, children=True)
    return total

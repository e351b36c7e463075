"""docs/SECURITY.md stays true: every test module and test it names exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "SECURITY.md").read_text()
NAMED = re.compile(r"`((?:[\w/]+/)?test_\w+\.py)(?:::(\w+))?`")


def _module(name: str) -> Path | None:
    if "/" in name:
        return ROOT / name if (ROOT / name).exists() else None
    found = [p for p in ROOT.glob(f"**/{name}") if ".venv" not in p.parts]
    return found[0] if len(found) == 1 else None


def test_every_named_test_exists():
    missing = []
    for module, test in NAMED.findall(DOC):
        path = _module(module)
        if path is None:
            missing.append(module)
        elif test and not re.search(rf"def {test}\(", path.read_text()):
            missing.append(f"{module}::{test}")
    assert NAMED.findall(DOC), "the document names no tests"
    assert missing == []

"""axe-core, injected into the page under test (tests/browser/vendor/)."""

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict]:
    """Every rule axe-core runs by default (WCAG 2.0-2.2 A and AA, and its best
    practices) on the page as it is now, open dialogs included."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not a <script> tag: the
        # portal's Content-Security-Policy refuses inline script, as it should.
        page.evaluate(AXE.read_text())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
    return "\n".join(lines)


def assert_no_serious_violations(page: Page, what: str) -> list[dict]:
    """Fail on any serious or critical violation; return the lesser ones."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {what}:\n{describe(blocking)}"
    return violations

"""docs/BEHAVIOUR.md "Words we use": the words in its last column ("not")
never come back in what a person reads: the templates' translatable text
and every gettext msgid of the project's code (locale/ is the translators'
copy of these, not read here). A word that is part of a term of the first
column ("Two-factor" in "two-factor authentication") is fine."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "enterprise", "twofactor", "portal")
GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
TRANSLATE_RE = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.*?)\1""", re.S)
BLOCK_RE = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}(.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.S
)
PLACEHOLDER_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|%\(\w+\)[sd]")


def words_table() -> tuple[list[str], list[str]]:
    """(terms, banned): the first and last columns of the table."""
    text = (ROOT / "docs" / "BEHAVIOUR.md").read_text()
    section = text.split("## Words we use", 1)[1].split("\n## ", 1)[0]
    terms, banned = [], []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("term", "---"):
            continue
        terms += [term.strip() for term in re.split(r"[;,]", cells[0]) if term.strip()]
        banned += re.findall(r'"([^"]+)"', cells[3])
    # "Two-factor" alone: the word, not what its cell says around it.
    banned = sorted({re.sub(r"\s+alone$", "", word) for word in banned})
    return terms, banned


def template_texts():
    dirs = [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]
    for directory in dirs:
        for path in sorted(directory.rglob("*")):
            if path.suffix not in (".html", ".txt"):
                continue
            source = path.read_text()
            for match in TRANSLATE_RE.finditer(source):
                yield path, match.group(2)
            for match in BLOCK_RE.finditer(source):
                yield path, match.group(1)


def msgids():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in GETTEXT:
                    continue
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        yield path, arg.value


def offences(text: str, terms: list[str], banned: list[str]) -> list[str]:
    text = PLACEHOLDER_RE.sub(" ", text)
    for term in sorted(terms, key=len, reverse=True):
        if any(word.lower() in term.lower() for word in banned):
            text = re.sub(re.escape(term), " ", text, flags=re.I)
    return [word for word in banned if re.search(rf"\b{re.escape(word)}\b", text, re.I)]


def test_the_table_names_the_words_we_do_not_use():
    terms, banned = words_table()
    assert {"code step", "destination", "Two-factor"} <= set(banned)
    assert "two-factor authentication" in terms and "2FA" in terms


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The code step is locked.", ["code step"]),
        ("Codes now go to the new destination.", ["destination"]),
        ("Two-factor", ["Two-factor"]),
        ("Turn on two-factor authentication. Two-Factor Authentication", []),
        ("We sent a code to {{ destination }} by %(destination)s.", []),
    ],
)
def test_the_scan_finds_what_it_should(text, found):
    terms, banned = words_table()
    assert offences(text, terms, banned) == found


def test_no_template_uses_a_word_we_do_not_use():
    terms, banned = words_table()
    found = [
        f"{path.relative_to(ROOT)}: {words} in {' '.join(text.split())[:90]!r}"
        for path, text in template_texts()
        if (words := offences(text, terms, banned))
    ]
    assert not found, "\n".join(found)


def test_no_translatable_string_uses_a_word_we_do_not_use():
    terms, banned = words_table()
    found = [
        f"{path.relative_to(ROOT)}: {words} in {text[:90]!r}"
        for path, text in msgids()
        if (words := offences(text, terms, banned))
    ]
    assert not found, "\n".join(found)

"""Every word the portal shows or sends exists in Spanish and French.

The words are extracted again from the code, now, in a copy of the project
(Django's makemessages, GNU gettext): a string marked for translation since
the .po files were last written shows up here untranslated, and fails. A
fuzzy entry (a guess gettext made from a similar string) fails too; so does
a .mo file that is not the compiled form of its .po (the portal reads the
.mo)."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
SKIP = {".venv", ".git", "node_modules", "staticfiles", "var", ".hypothesis", "htmlcov"}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The .po files as makemessages writes them from today's code, in a copy
    of the project (the real locale/ is left as it is)."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed to check the translations")
    copy = tmp_path_factory.mktemp("project")
    for item in ROOT.iterdir():
        if item.name in SKIP:
            continue
        if item.is_dir():
            shutil.copytree(item, copy / item.name, ignore=shutil.ignore_patterns(*SKIP))
        else:
            shutil.copy2(item, copy / item.name)
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location"]
    for language in LANGUAGES:
        command += ["-l", language]
    done = subprocess.run(
        [*command, "--ignore", "tests/*", "--ignore", "bench/*", "--ignore", "*/tests/*"],
        cwd=copy,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {
        lang: polib.pofile(copy / "locale" / lang / "LC_MESSAGES" / "django.po")
        for lang in LANGUAGES
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(extracted, language):
    catalogue = extracted[language]

    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]

    assert len(catalogue) > 300, "hardly anything is marked for translation"
    assert not missing, f"{len(missing)} strings without a {language} translation: {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy {language} translations: {fuzzy[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_written_one(language):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    written = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.pofile(folder / "django.po")
        if e.translated()
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural
        for e in polib.mofile(folder / "django.mo")
        if e.msgid
    }

    assert compiled == written, "run `manage.py compilemessages` after editing the .po file"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    """A translation keeps every %(name)s and {{ name }} of its English."""
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}|\{\w+\}")
    catalogue = polib.pofile(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    broken = []
    for entry in catalogue.translated_entries():
        wanted = sorted(placeholder.findall(entry.msgid))
        for text in [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values()):
            if sorted(placeholder.findall(text)) != wanted and not entry.msgid_plural:
                broken.append(entry.msgid)
    assert not broken, f"{language}: placeholders lost in {broken[:10]}"

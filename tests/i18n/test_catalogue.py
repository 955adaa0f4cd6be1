"""The Spanish catalogue is complete: no string of the source is left untranslated."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

import procura

PACKAGE = Path(procura.__file__).resolve().parent
CATALOGUE = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}")


def _problems(catalogue: polib.POFile) -> list[str]:
    return [f"untranslated: {e.msgid!r}" for e in catalogue.untranslated_entries()] + [
        f"fuzzy: {e.msgid!r}" for e in catalogue.fuzzy_entries()
    ]


def test_every_entry_of_the_spanish_catalogue_is_translated() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue) > 100
    assert _problems(catalogue) == []


def test_placeholders_survive_translation() -> None:
    def placeholders(text: str) -> list[str]:
        return sorted(PLACEHOLDER.findall(text))

    wrong = [
        (entry.msgid, translation)
        for entry in polib.pofile(str(CATALOGUE)).translated_entries()
        for translation in ([entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values()))
        if placeholders(translation) != placeholders(entry.msgid_plural or entry.msgid)
        and placeholders(translation) != placeholders(entry.msgid)
    ]
    assert wrong == []


def test_the_compiled_catalogue_matches_its_source() -> None:
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(CATALOGUE)).translated_entries()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(CATALOGUE.with_suffix(".mo")))}
    assert compiled == source, "run `make messages` (or scripts/compile_messages.py) and commit the .mo"


def test_the_catalogue_covers_every_translatable_string_in_the_source(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        if os.environ.get("PROCURA_REQUIRE_TOOLS"):
            pytest.fail("GNU gettext (xgettext) is required in CI")
        pytest.skip("needs GNU gettext (apt-get install gettext)")
    # given a copy of the source with the committed catalogue
    copy = tmp_path / "procura"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    # when the strings are extracted again and merged into the catalogue
    cwd = Path.cwd()
    os.chdir(copy)
    try:
        with override_settings(LOCALE_PATHS=[copy / "locale"]):
            call_command("makemessages", locale=["es"], no_obsolete=True, no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
    # then nothing new is untranslated
    assert _problems(polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))) == []

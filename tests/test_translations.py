"""The French catalogue is complete: a missing translation would show English to residents."""

import re
from pathlib import Path

import polib

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_every_french_string_is_translated():
    catalogue = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue.translated_entries()) > 100


def test_french_translations_keep_their_placeholders():
    catalogue = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    for entry in catalogue.translated_entries():
        expected = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        targets = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for target in targets:
            assert set(PLACEHOLDER.findall(target)) == expected, entry.msgid

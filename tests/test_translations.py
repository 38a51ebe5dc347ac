"""Every language has every key of en.json, with the same placeholders; the page follows."""

import json
from pathlib import Path
import re
import string
from typing import Any

import pytest

from custom_components.ring_partner.linking.page import LANGUAGES

TRANSLATIONS = (
    Path(__file__).parent.parent / "custom_components" / "ring_partner" / "translations"
)
OTHER_LANGUAGES = sorted(p.stem for p in TRANSLATIONS.glob("*.json") if p.stem != "en")


def _flatten(node: Any, path: str = "") -> dict[str, str]:
    """Return {dotted.key: text} of a translations document."""
    if isinstance(node, dict):
        flat: dict[str, str] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{path}.{key}" if path else key))
        return flat
    assert isinstance(node, str), f"{path} is not text"
    return {path: node}


def _placeholders(text: str) -> set[str]:
    """Return the {placeholders} of a text, as Home Assistant's formatter sees them."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _load(language: str) -> dict[str, str]:
    return _flatten(json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8")))


def test_languages_are_the_files() -> None:
    """The link page offers exactly the languages that have a file, English included."""
    assert {"de", "es", "fr", "it", "nl"} <= set(OTHER_LANGUAGES)
    assert set(LANGUAGES) == {"en", *OTHER_LANGUAGES}


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_language_has_every_key_and_placeholder(language: str) -> None:
    """Same keys as en.json, same placeholders per key, no text left empty or in English."""
    english = _load("en")
    translated = _load(language)
    assert sorted(set(english) - set(translated)) == [], "missing keys"
    assert sorted(set(translated) - set(english)) == [], "keys en.json does not have"
    for key, text in english.items():
        assert translated[key].strip(), f"{language}: {key} is empty"
        assert _placeholders(translated[key]) == _placeholders(text), (
            f"{language}: {key} has other placeholders"
        )
        # Markdown code spans carry URLs: they survive translation unchanged.
        assert re.findall(r"`[^`]*`", translated[key]) == re.findall(
            r"`[^`]*`", text
        ), f"{language}: {key} changed a code span"

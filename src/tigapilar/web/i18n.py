"""Interface text in Bahasa Indonesia (the default) and English.

Catalogs are data files, ``web/locales/<language>.toml``; nested tables give dotted keys
(``[login.error] invalid = ...`` is ``login.error.invalid``). Text may hold ``{name}`` fields
filled by :func:`translate`. A key missing in a language falls back to Indonesian, then to the key
itself, so a forgotten translation shows up on screen instead of crashing a page.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANGUAGE_COOKIE = "tigapilar_lang"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalog(language: str) -> Mapping[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"no catalog for language {language!r}")
    with (LOCALES_DIR / f"{language}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def translate(language: str, key: str, **fields: object) -> str:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**fields) if fields else text


@dataclass(frozen=True)
class Translator:
    """``t("login.title")`` in templates and page code, bound to one language."""

    language: str

    def __call__(self, key: str, **fields: object) -> str:
        return translate(self.language, key, **fields)


def pick_language(candidates: Iterable[str | None], default: str = DEFAULT_LANGUAGE) -> str:
    """The first supported language among the candidates, in order of preference."""
    for candidate in candidates:
        value = (candidate or "").strip().lower()
        if value in LANGUAGES:
            return value
    return default if default in LANGUAGES else DEFAULT_LANGUAGE

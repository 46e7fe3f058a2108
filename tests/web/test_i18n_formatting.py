"""Catalogs and WITA times (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tigapilar.accounts.validation import LANGUAGES as ACCOUNT_LANGUAGES
from tigapilar.web.formatting import format_datetime, to_local
from tigapilar.web.i18n import LANGUAGES, catalog, pick_language, translate


def test_every_language_has_every_key() -> None:
    assert set(LANGUAGES) == set(ACCOUNT_LANGUAGES)
    keys = {language: set(catalog(language)) for language in LANGUAGES}
    assert keys["id"] == keys["en"]
    assert len(keys["id"]) > 20


def test_translate_fills_fields_and_falls_back() -> None:
    assert translate("id", "login.error.rate_limited", minutes=5).endswith("dalam 5 menit.")
    assert translate("en", "login.title") == "Log in"
    assert translate("fr", "login.title") == "Masuk"  # unknown language: Indonesian
    assert translate("en", "no.such.key") == "no.such.key"


def test_pick_language_order() -> None:
    assert pick_language([None, "EN", "id"]) == "en"
    assert pick_language(["fr", None]) == "id"
    assert pick_language([], default="en") == "en"


def test_times_are_shown_in_wita() -> None:
    moment = datetime(2024, 11, 26, 23, 30, tzinfo=UTC)
    assert format_datetime(moment, "Asia/Makassar") == "27 Nov 2024, 07.30 WITA"
    assert format_datetime(moment, "Asia/Makassar", "en") == "27 Nov 2024, 07:30 WITA"
    assert (
        format_datetime(datetime(2024, 8, 1, 1, 0, tzinfo=UTC), "Asia/Makassar") == "1 Agu 2024, 09.00 WITA"
    )
    assert to_local(moment, "Asia/Makassar").utcoffset() == timedelta(hours=8)
    other = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=7)))
    assert format_datetime(other, "Asia/Makassar") == "1 Jan 2024, 13.00 WITA"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        format_datetime(datetime(2024, 1, 1), "Asia/Makassar")


def test_numbers_are_grouped_the_way_each_language_reads_them() -> None:
    from tigapilar.web.formatting import format_number

    assert format_number(2821202, "id") == "2.821.202"
    assert format_number(2821202, "en") == "2,821,202"
    assert format_number(600, "id") == "600"

"""Showing times to people: stored in UTC, shown in the installation's zone (WITA for Kaltim)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
# Indonesia's zones have no daylight saving, so a fixed offset is exact when a machine lacks tzdata.
_FIXED = {
    "Asia/Jakarta": timezone(timedelta(hours=7), "WIB"),
    "Asia/Makassar": timezone(timedelta(hours=8), "WITA"),
    "Asia/Jayapura": timezone(timedelta(hours=9), "WIT"),
}


@cache
def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return _FIXED.get(name, UTC)


def to_local(moment: datetime, zone_name: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: tigapilar times are aware UTC datetimes")
    return moment.astimezone(zone(zone_name))


def format_datetime(moment: datetime, zone_name: str, language: str = "id") -> str:
    """``27 Nov 2024, 07.00 WITA`` (Indonesian writes hours with a dot) or ``27 Nov 2024, 07:00 WITA``."""
    local = to_local(moment, zone_name)
    month = _MONTHS.get(language, _MONTHS["id"])[local.month - 1]
    separator = ":" if language == "en" else "."
    abbreviation = local.tzname() or zone_name
    return f"{local.day} {month} {local.year}, {local.hour:02d}{separator}{local.minute:02d} {abbreviation}"


def format_number(value: int, language: str = "id") -> str:
    """Thousands grouped as readers expect: 540.017 in Indonesian, 540,017 in English."""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if language == "id" else grouped

"""How a situation report writes dates, times and numbers: the Indonesian of an official document."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def long_date(day: date) -> str:
    """``Selasa, 26 November 2024``."""
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_day(day: date) -> str:
    """``26/11`` for chart axes."""
    return f"{day.day:02d}/{day.month:02d}"


def local_time(moment: datetime, zone_name: str, with_date: bool = True) -> str:
    """``26 Nov 2024 07.30 WITA`` (Indonesian writes hours with a dot), or ``07.30 WITA``."""
    local = moment.astimezone(ZoneInfo(zone_name))
    clock = f"{local.hour:02d}.{local.minute:02d} {local.tzname() or zone_name}"
    if not with_date:
        return clock
    return f"{local.day} {MONTHS[local.month - 1][:3]} {local.year} {clock}"


def number(value: int) -> str:
    """Thousands grouped with dots: ``1.234``."""
    return f"{value:,}".replace(",", ".")


def decimal(value: float, places: int = 1) -> str:
    """The decimal comma: ``56,3``."""
    return f"{value:.{places}f}".replace(".", ",")

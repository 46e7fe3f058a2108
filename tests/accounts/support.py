"""Test helpers shared by tests/accounts and tests/web: a few real Kaltim regions and a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tigapilar.storage.db import Database
from tigapilar.storage.models import Region

# (code, parent, level, kind, name): Kemendagri codes and names as published.
REGIONS = [
    ("64", None, 1, "provinsi", "Kalimantan Timur"),
    ("64.71", "64", 2, "kota", "Kota Balikpapan"),
    ("64.71.01", "64.71", 3, "kecamatan", "Balikpapan Timur"),
    ("64.71.01.1001", "64.71.01", 4, "kelurahan", "Manggar"),
    ("64.72", "64", 2, "kota", "Kota Samarinda"),
    ("64.72.01", "64.72", 3, "kecamatan", "Palaran"),
    ("64.72.01.1001", "64.72.01", 4, "kelurahan", "Rawa Makmur"),
]
PASSWORD = "rahasia-sekali-123"  # the default password of conftest.make_account


def seed_regions(database: Database) -> None:
    with database.session() as session:
        add_regions(session)


def add_regions(session: Session) -> None:
    for code, parent, level, kind, name in REGIONS:
        session.add(
            Region(code=code, parent_code=parent, level=level, kind=kind, name=name, name_key=name.lower())
        )
        session.flush()


class Clock:
    """A settable clock: tests move time forward instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2024, 11, 27, 0, 0, tzinfo=UTC)  # Pilkada day, 08.00 WITA

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

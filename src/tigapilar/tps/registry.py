"""Reading and writing TPS records, always inside the caller's area scope.

A TPS belongs to a desa/kelurahan, so scope is a filter on ``tps.desa_code``. Records outside the
scope behave exactly like records that do not exist (NotFound), so that their existence does not
leak.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.orm import Session

from tigapilar.core.errors import Invalid, NotFound
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.core.scope import Scope
from tigapilar.regions.codes import CODE_LENGTH, level_of, validate_code
from tigapilar.storage.bulk import upsert_rows
from tigapilar.storage.models import Region, Tps
from tigapilar.tps.kinds import DEFAULT_KIND, check_kind

TPS_TABLE = cast(Table, Tps.__table__)
# Length of a region code at each level: 64 / 64.71 / 64.71.01 / 64.71.01.1001.
_ELECTION = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


def tps_uid(desa_code: str, number: int) -> str:
    """The stable identifier of a TPS within an election, e.g. ``64.71.01.1001-003``."""
    return f"{desa_code}-{number:03d}"


def check_election(election: str) -> str:
    """An election key such as ``pilkada-2024``: lower-case letters, digits, '-', '_' or '.'."""
    value = election.strip().lower()
    if not _ELECTION.match(value):
        raise Invalid(
            "tps.bad_election",
            f"'{election}' is not a valid election key; use e.g. pilkada-2024 or pemilu-2024.",
            f"'{election}' bukan kode pemilihan yang valid; contoh: pilkada-2024.",
        )
    return value


def _in_area(area: str) -> ColumnElement[bool]:
    return Scope.of([validate_code(area)]).clause(Tps.desa_code)


def list_tps(
    session: Session,
    scope: Scope,
    *,
    area: str | None = None,
    election: str | None = None,
    kind: str | None = None,
    page: PageRequest | None = None,
) -> Page[Tps]:
    """TPS in scope, optionally inside ``area`` (a code at any level), ordered by village and number."""
    query = select(Tps).where(scope.clause(Tps.desa_code))
    if area:
        query = query.where(_in_area(area))
    if election:
        query = query.where(Tps.election == check_election(election))
    if kind:
        query = query.where(Tps.kind == check_kind(kind))
    query = query.order_by(Tps.desa_code, Tps.number, Tps.election, Tps.id)
    return paginate(session, query, page or PageRequest())


def _not_found() -> NotFound:
    return NotFound("tps.not_found", "No such TPS.", "TPS tidak ditemukan.")


def get_tps(session: Session, scope: Scope, tps_id: int) -> Tps:
    tps = session.scalar(select(Tps).where(Tps.id == tps_id, scope.clause(Tps.desa_code)))
    if tps is None:
        raise _not_found()
    return tps


def get_tps_by_uid(session: Session, scope: Scope, election: str, uid: str) -> Tps:
    tps = session.scalar(
        select(Tps).where(Tps.election == election, Tps.uid == uid, scope.clause(Tps.desa_code))
    )
    if tps is None:
        raise _not_found()
    return tps


@dataclass(frozen=True)
class SummaryRow:
    code: str
    name: str
    tps: int
    dpt_male: int
    dpt_female: int

    @property
    def dpt(self) -> int:
        return self.dpt_male + self.dpt_female


@dataclass(frozen=True)
class TpsSummary:
    """TPS count and registered voters (DPT) per child region of ``area`` (per province if None)."""

    area: str | None
    area_name: str | None
    election: str | None
    level: int  # level of the rows: 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa/kelurahan
    rows: list[SummaryRow]
    total: SummaryRow


def summarise_tps(
    session: Session, scope: Scope, *, area: str | None = None, election: str | None = None
) -> TpsSummary:
    """Counts per child region, grouped in SQL on a prefix of the desa code (fast on 820,000 TPS).

    Children of ``area`` that are in scope but have no TPS are listed with zeros. Without
    ``election``, the TPS in scope must all belong to one election: adding up two elections' TPS
    would give a meaningless number.
    """
    area_name = None
    if area:
        area = validate_code(area)
        region = session.get(Region, area)
        if region is None or not scope.touches(area):
            raise NotFound("region.not_found", f"No region {area}.", f"Wilayah {area} tidak ditemukan.")
        if region.level >= 4:
            raise Invalid(
                "tps.summary_bad_area",
                "A summary needs a province, kab/kota or kecamatan: its TPS are grouped by child region.",
                "Ringkasan hanya untuk provinsi, kabupaten/kota atau kecamatan.",
            )
        area_name = region.name
    level = level_of(area) + 1 if area else 1
    prefix = func.substr(Tps.desa_code, 1, CODE_LENGTH[level]).label("code")
    query = select(
        prefix, Tps.election, func.count(), func.sum(Tps.dpt_male), func.sum(Tps.dpt_female)
    ).where(scope.clause(Tps.desa_code))
    if area:
        query = query.where(_in_area(area))
    if election:
        query = query.where(Tps.election == check_election(election))
    groups = session.execute(query.group_by(prefix, Tps.election)).all()
    elections = sorted({g[1] for g in groups})
    if len(elections) > 1:
        raise Invalid(
            "tps.election_required",
            f"TPS of several elections are stored ({', '.join(elections)}); choose one.",
            f"Ada TPS dari beberapa pemilihan ({', '.join(elections)}); pilih salah satu.",
        )
    counts = {g[0]: (int(g[2]), int(g[3] or 0), int(g[4] or 0)) for g in groups}
    rows = [
        SummaryRow(code, name, *counts.get(code, (0, 0, 0)))
        for code, name in _child_names(session, scope, area, counts)
    ]
    tps, male, female = (sum(c[i] for c in counts.values()) for i in range(3))
    total = SummaryRow(area or "", area_name or "", tps, male, female)
    return TpsSummary(area, area_name, election or (elections[0] if elections else None), level, rows, total)


def _child_names(
    session: Session, scope: Scope, area: str | None, counts: dict[str, tuple[int, int, int]]
) -> list[tuple[str, str]]:
    """(code, name) of the in-scope children of ``area``, plus any code that has TPS, sorted."""
    children = select(Region.code, Region.name)
    children = children.where(Region.parent_code == area) if area else children.where(Region.level == 1)
    names = {code: name for code, name in session.execute(children) if scope.touches(code)}
    for code in counts:
        names.setdefault(code, "")
    return sorted(names.items())


# --- writing -------------------------------------------------------------------------------------

_DEFAULTS: dict[str, Any] = {
    "address": None,
    "lat": None,
    "lng": None,
    "dpt_male": 0,
    "dpt_female": 0,
    "kind": DEFAULT_KIND,
    "notes": None,
}
UPDATABLE = tuple(_DEFAULTS)


def write_tps_rows(
    session: Session, rows: Iterable[dict[str, Any]], update: Sequence[str] = UPDATABLE
) -> int:
    """Upsert complete TPS rows on (election, uid); a re-import updates ``update`` columns only."""
    return upsert_rows(session, TPS_TABLE, rows, key=("election", "uid"), update=list(update))


def add_tps_rows(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Bulk insert-or-update of trusted TPS rows (the demo generator); streams, returns the count.

    Each row needs ``election``, ``desa_code`` and ``number``; ``uid`` is derived when absent and the
    other columns default to empty / zero / ``reguler``. Rows are not validated: use
    :func:`tigapilar.tps.csv_import.import_tps_csv` for files from people.
    """
    return write_tps_rows(session, (_complete(row) for row in rows))


def _complete(row: dict[str, Any]) -> dict[str, Any]:
    full = {**_DEFAULTS, **row}
    full.setdefault("uid", tps_uid(row["desa_code"], row["number"]))
    return full

"""Units (Polda, Polres, Kodim, Pemkab, KPU, ...): creating, importing and reading them in scope.

Units are created from specs (plain strings, as they come from a file or the demo generator);
``prepare_units`` normalises and checks a whole batch against the database and itself, so that the
create functions and the CSV importer apply exactly the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, exists, or_, select
from sqlalchemy.orm import Session

from tigapilar.core.csvrows import match_choice
from tigapilar.core.errors import Invalid, NotFound
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.core.scope import Scope
from tigapilar.organisation.checks import (
    IN_BATCH,
    Problem,
    Where,
    first_seen,
    invalid,
    item_number,
    region_levels,
    region_problem,
    text_problem,
)
from tigapilar.organisation.kinds import AGENCIES, UNIT_KINDS, agency_label, kind_label
from tigapilar.organisation.visibility import unit_visible
from tigapilar.regions.codes import ancestors_of, validate_code
from tigapilar.storage.bulk import batched, replace_links
from tigapilar.storage.models import Unit, UnitArea

_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
CODE_MAX, NAME_MAX = 60, 160


@dataclass(frozen=True)
class UnitSpec:
    """A unit as given by a person or a program; ``areas`` are region codes it is responsible for."""

    code: str
    name: str
    agency: str
    kind: str
    parent_code: str | None = None
    areas: Sequence[str] = ()


def _normalise(spec: UnitSpec) -> UnitSpec:
    """Codes lower-case and trimmed; agency and kind labels ("Polres", "TNI AD") turned into codes."""
    agency = match_choice(spec.agency, AGENCIES) or spec.agency.strip()
    kind = match_choice(spec.kind, UNIT_KINDS.get(agency, {})) or spec.kind.strip()
    parent = (spec.parent_code or "").strip().lower() or None
    areas = list(dict.fromkeys(a.strip() for a in spec.areas if a.strip()))
    return UnitSpec(spec.code.strip().lower(), spec.name.strip(), agency, kind, parent, areas)


class _Units:
    """Saved units looked up by code, loaded lazily and cached (parent chains are a few levels deep)."""

    def __init__(self, session: Session, codes: Iterable[str]) -> None:
        self.session = session
        self.by_code: dict[str, Unit | None] = {}
        self.load(codes)

    def load(self, codes: Iterable[str]) -> None:
        wanted = sorted({c for c in codes if c not in self.by_code})
        for batch in batched(wanted, IN_BATCH):
            self.by_code.update(dict.fromkeys(batch))
            for unit in self.session.scalars(select(Unit).where(Unit.code.in_(batch))):
                self.by_code[unit.code] = unit

    def get(self, code: str) -> Unit | None:
        if code not in self.by_code:
            self.load([code])
        return self.by_code[code]

    def parent_code(self, code: str) -> str | None:
        unit = self.get(code)
        if unit is None or unit.parent_id is None:
            return None
        parent = self.session.get(Unit, unit.parent_id)
        return parent.code if parent else None


def prepare_units(
    session: Session, specs: Sequence[UnitSpec], *, allow_existing: bool, where: Where = item_number
) -> tuple[list[UnitSpec], list[Problem]]:
    """Normalised specs and every problem with them (empty when the batch can be saved)."""
    clean = [_normalise(s) for s in specs]
    batch: dict[str, UnitSpec] = {}
    for spec in clean:
        batch.setdefault(spec.code, spec)
    saved = _Units(session, [*batch, *(s.parent_code for s in clean if s.parent_code)])
    known = region_levels(session, (a for s in clean for a in s.areas))
    problems: list[Problem] = []
    repeats = first_seen((i, s.code) for i, s in enumerate(clean))
    for i, spec in enumerate(clean):
        reasons = _own_problems(spec, known)
        if i in repeats:
            reasons.append(("code", f"same code as {where(repeats[i])}"))
        elif spec.code and saved.get(spec.code) is not None and not allow_existing:
            reasons.append(("code", f"a unit with code {spec.code} already exists"))
        reasons += _parent_problems(spec, batch, saved)
        reasons += _agency_change_problems(session, spec, batch, saved)
        problems += [Problem(i, f, r) for f, r in reasons]
    return clean, problems


def _own_problems(spec: UnitSpec, known: dict[str, int]) -> list[tuple[str, str]]:
    reasons: list[tuple[str, str]] = []
    for name, value, limit in (("code", spec.code, CODE_MAX), ("name", spec.name, NAME_MAX)):
        problem = text_problem(value, required=True, max_length=limit)
        if problem:
            reasons.append((name, problem))
    if spec.code and len(spec.code) <= CODE_MAX and not _CODE.match(spec.code):
        reasons.append(("code", f"'{spec.code}' may only contain letters, digits, '.', '-' and '_'"))
    if spec.agency not in AGENCIES:
        reasons.append(("agency", f"'{spec.agency}' is not one of: {', '.join(AGENCIES)}"))
    elif spec.kind not in UNIT_KINDS[spec.agency]:
        kinds = ", ".join(UNIT_KINDS[spec.agency])
        reasons.append(("kind", f"'{spec.kind}' is not a kind of {spec.agency} unit; choose from: {kinds}"))
    if not spec.areas:
        reasons.append(("areas", "give at least one region code: a unit's areas decide who may see it"))
    for code in spec.areas:
        problem = region_problem(code, known)
        if problem:
            reasons.append(("areas", problem))
    return reasons


def _parent_problems(spec: UnitSpec, batch: dict[str, UnitSpec], saved: _Units) -> list[tuple[str, str]]:
    if not spec.parent_code:
        return []
    if spec.parent_code == spec.code:
        return [("parent_code", "a unit cannot be its own parent")]
    listed = batch.get(spec.parent_code)
    stored = saved.get(spec.parent_code)
    if listed is None and stored is None:
        return [("parent_code", f"no unit with code {spec.parent_code} (neither saved nor in this batch)")]
    parent_agency = listed.agency if listed else stored.agency if stored else ""
    if parent_agency != spec.agency:
        return [
            (
                "parent_code",
                f"{spec.parent_code} is a {parent_agency} unit; a {spec.agency} unit needs a "
                f"parent of the same agency",
            )
        ]
    # Walk up the future hierarchy (this batch overriding what is saved) to refuse loops.
    seen = {spec.code}
    code: str | None = spec.parent_code
    while code is not None:
        if code in seen:
            return [("parent_code", f"parent {spec.parent_code} would make the hierarchy loop")]
        seen.add(code)
        code = batch[code].parent_code if code in batch else saved.parent_code(code)
    return []


def _agency_change_problems(
    session: Session, spec: UnitSpec, batch: dict[str, UnitSpec], saved: _Units
) -> list[tuple[str, str]]:
    """A unit that changes agency must not leave saved sub-units of another agency under it."""
    unit = saved.get(spec.code) if spec.code else None
    if unit is None or unit.agency == spec.agency:
        return []
    children = session.execute(select(Unit.code, Unit.agency).where(Unit.parent_id == unit.id))
    clash = sorted(c for c, a in children if (batch[c].agency if c in batch else a) != spec.agency)
    if clash:
        return [("agency", f"sub-units {', '.join(clash[:5])} are of another agency; move them first")]
    return []


def save_units(session: Session, specs: Sequence[UnitSpec]) -> tuple[list[Unit], int]:
    """Insert or update prepared specs (matched on code); returns the units and how many are new.

    Areas are replaced by the spec's areas. Units are flushed before parents are linked, so a batch
    may list a unit before its parent.
    """
    saved = _Units(session, [s.code for s in specs])
    units: list[Unit] = []
    inserted = 0
    for spec in specs:
        unit = saved.get(spec.code)
        if unit is None:
            unit = Unit(code=spec.code)
            session.add(unit)
            saved.by_code[spec.code] = unit
            inserted += 1
        unit.name, unit.agency, unit.kind = spec.name, spec.agency, spec.kind
        units.append(unit)
    session.flush()
    saved.load(s.parent_code for s in specs if s.parent_code)
    for spec, unit in zip(specs, units, strict=True):
        parent = saved.get(spec.parent_code) if spec.parent_code else None
        unit.parent_id = parent.id if parent else None
    session.flush()
    areas = ({"unit_id": u.id, "region_code": a} for s, u in zip(specs, units, strict=True) for a in s.areas)
    table = cast(Table, UnitArea.__table__)
    replace_links(session, table, table.c.unit_id, [u.id for u in units], areas, IN_BATCH)
    return units, inserted


def create_units(session: Session, specs: Iterable[UnitSpec]) -> list[Unit]:
    """Create new units in one go (refused as a whole with Invalid if any is wrong or exists)."""
    prepared, problems = prepare_units(session, list(specs), allow_existing=False)
    if problems:
        raise invalid(problems, "unit")
    return save_units(session, prepared)[0]


def create_unit(
    session: Session,
    code: str,
    name: str,
    agency: str,
    kind: str,
    parent_code: str | None = None,
    areas: Sequence[str] = (),
) -> Unit:
    """Create one unit, e.g. ``create_unit(s, "polres-64.71", "Polresta Balikpapan", "polri",
    "polres", "polda-64", ["64.71"])``; raises Invalid listing every problem."""
    return create_units(session, [UnitSpec(code, name, agency, kind, parent_code, areas)])[0]


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    agency: str
    kind: str


@dataclass(frozen=True)
class UnitView(UnitRef):
    parent_id: int | None
    areas: list[str]

    @property
    def agency_label(self) -> str:
        return agency_label(self.agency)

    @property
    def kind_label(self) -> str:
        return kind_label(self.agency, self.kind)


@dataclass(frozen=True)
class UnitDetail(UnitView):
    parent: UnitRef | None = None
    children: list[UnitView] = field(default_factory=list)


def unit_ref(unit: Unit) -> UnitRef:
    return UnitRef(unit.id, unit.code, unit.name, unit.agency, unit.kind)


def _views(session: Session, scope: Scope, units: Sequence[Unit]) -> list[UnitView]:
    """Views showing only what the scope covers: areas outside it and a parent the caller may not
    see are left out (a parent id alone would reveal that the unit exists)."""
    areas: dict[int, list[str]] = {u.id: [] for u in units}
    if units:
        rows = session.execute(
            select(UnitArea.unit_id, UnitArea.region_code)
            .where(UnitArea.unit_id.in_(list(areas)))
            .order_by(UnitArea.region_code)
        )
        for unit_id, code in rows:
            if scope.covers(code):
                areas[unit_id].append(code)
    parent_ids = {u.parent_id for u in units if u.parent_id is not None}
    visible_parents = (
        set(session.scalars(select(Unit.id).where(Unit.id.in_(parent_ids), unit_visible(scope))))
        if parent_ids
        else set()
    )
    return [
        UnitView(
            u.id,
            u.code,
            u.name,
            u.agency,
            u.kind,
            u.parent_id if u.parent_id in visible_parents else None,
            areas[u.id],
        )
        for u in units
    ]


def check_agency(agency: str) -> str:
    code = match_choice(agency, AGENCIES)
    if code is None:
        raise Invalid(
            "unit.unknown_agency",
            f"Unknown agency '{agency}'; known: {', '.join(AGENCIES)}.",
            f"Instansi '{agency}' tidak dikenal; pilihan: {', '.join(AGENCIES)}.",
        )
    return code


def check_unit_kind(kind: str) -> str:
    if not any(kind in kinds for kinds in UNIT_KINDS.values()):
        known = ", ".join(k for kinds in UNIT_KINDS.values() for k in kinds)
        raise Invalid(
            "unit.unknown_kind",
            f"Unknown unit kind '{kind}'; known: {known}.",
            f"Jenis satuan '{kind}' tidak dikenal; pilihan: {known}.",
        )
    return kind


def list_units(
    session: Session,
    scope: Scope,
    *,
    agency: str | None = None,
    kind: str | None = None,
    area: str | None = None,
    parent_id: int | None = None,
    page: PageRequest | None = None,
) -> Page[UnitView]:
    """Visible units, by code. ``area`` keeps units responsible for a region inside ``area`` or
    for ``area`` itself or a region containing it (e.g. for 64.72: Polsek 64.72.01, Polres 64.72, and
    Polda 64 when the caller may see it)."""
    query = select(Unit).where(unit_visible(scope))
    if agency:
        query = query.where(Unit.agency == check_agency(agency))
    if kind:
        query = query.where(Unit.kind == check_unit_kind(kind))
    if area:
        area = validate_code(area)
        related = or_(
            Scope.of([area]).clause(UnitArea.region_code), UnitArea.region_code.in_(ancestors_of(area))
        )
        query = query.where(exists().where(UnitArea.unit_id == Unit.id, related))
    if parent_id is not None:
        query = query.where(Unit.parent_id == parent_id)
    result: Page[Unit] = paginate(session, query.order_by(Unit.code), page or PageRequest())
    return Page(_views(session, scope, result.items), result.total, result.limit, result.offset)


def get_unit(session: Session, scope: Scope, id_or_code: int | str) -> UnitDetail:
    """One visible unit with its areas, its parent (when visible) and its visible sub-units."""
    key = Unit.id == id_or_code if isinstance(id_or_code, int) else Unit.code == id_or_code.strip().lower()
    unit = session.scalar(select(Unit).where(key, unit_visible(scope)))
    if unit is None:
        raise NotFound("unit.not_found", "No such unit.", "Satuan tidak ditemukan.")
    parent = None
    if unit.parent_id is not None:
        parent = session.scalar(select(Unit).where(Unit.id == unit.parent_id, unit_visible(scope)))
    children = session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, unit_visible(scope)).order_by(Unit.code)
    ).all()
    view = _views(session, scope, [unit])[0]
    return UnitDetail(
        view.id,
        view.code,
        view.name,
        view.agency,
        view.kind,
        view.parent_id,
        view.areas,
        parent=unit_ref(parent) if parent else None,
        children=_views(session, scope, children),
    )


def find_units(session: Session, codes: Iterable[str]) -> dict[str, Unit]:
    """Saved units by code (lower-cased), for other organisation modules."""
    units = _Units(session, {c.strip().lower() for c in codes if c.strip()})
    return {code: unit for code, unit in units.by_code.items() if unit is not None}

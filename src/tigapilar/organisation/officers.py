"""Officers (including the three village pillars): creating, importing and reading them in scope.

An officer is identified across imports by NRP, else NIP, else phone number, so each officer needs
at least one of them. Phone, NRP and NIP are personal data: readers without the
VIEW_PERSONAL_DATA permission get them as None.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from lokal.phone import parse_phone
from sqlalchemy import Table, exists, select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
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
from tigapilar.organisation.kinds import PILLAR_AGENCY, PILLARS, SINGLE_VILLAGE_PILLARS, pillar_label
from tigapilar.organisation.units import UnitRef, find_units, unit_ref
from tigapilar.organisation.visibility import officer_visible
from tigapilar.regions.codes import level_of, validate_code
from tigapilar.storage.bulk import batched, replace_links
from tigapilar.storage.models import Officer, OfficerVillage, Region, Unit

NAME_MAX, RANK_MAX, NRP_MAX = 160, 40, 30
NIP_DIGITS = 18  # civil-servant NIP: birth date, appointment month, sex, sequence
# Matching order when a re-import looks for an existing officer.
IDENTITY = ("nrp", "nip", "phone")


@dataclass(frozen=True)
class OfficerSpec:
    """An officer as given by a person or a program. ``villages`` are desa/kelurahan codes.

    ``active`` None means: new officers are active, existing ones keep their state.
    """

    name: str
    rank: str | None = None
    nrp: str | None = None
    nip: str | None = None
    phone: str | None = None
    unit_code: str | None = None
    pillar: str | None = None
    villages: Sequence[str] = ()
    active: bool | None = None


@dataclass
class PreparedOfficer:
    spec: OfficerSpec  # normalised: phone as +62..., codes trimmed
    target: Officer | None  # the saved officer this spec updates, if any
    unit_id: int | None


def _digits(value: str | None) -> str | None:
    """Digits typed with spaces, dots or dashes as separators (as NRP/NIP often are)."""
    cleaned = "".join(ch for ch in (value or "") if ch not in " .-")
    return cleaned or None


def _normalise(spec: OfficerSpec) -> OfficerSpec:
    phone = (spec.phone or "").strip()
    info = parse_phone(phone) if phone else None
    pillar = (spec.pillar or "").strip()
    return OfficerSpec(
        name=spec.name.strip(),
        rank=(spec.rank or "").strip() or None,
        nrp=_digits(spec.nrp),
        nip=_digits(spec.nip),
        # Invalid numbers are kept as typed so that the check below can quote them.
        phone=info.e164 if info and info.valid and info.type == "mobile" else phone or None,
        unit_code=(spec.unit_code or "").strip().lower() or None,
        pillar=(match_choice(pillar, PILLARS) or pillar) if pillar else None,
        villages=list(dict.fromkeys(v.strip() for v in spec.villages if v.strip())),
        active=spec.active,
    )


def prepare_officers(
    session: Session, specs: Sequence[OfficerSpec], *, allow_existing: bool, where: Where = item_number
) -> tuple[list[PreparedOfficer], list[Problem]]:
    """Normalised specs, the officers they update, and every problem (empty when savable)."""
    clean = [_normalise(s) for s in specs]
    units = find_units(session, (s.unit_code for s in clean if s.unit_code))
    known = region_levels(session, (v for s in clean for v in s.villages))
    owners = _owners(session, clean)
    prepared: list[PreparedOfficer] = []
    problems: list[Problem] = []
    for i, spec in enumerate(clean):
        unit = units.get(spec.unit_code) if spec.unit_code else None
        target, reasons = _match(spec, owners, allow_existing)
        reasons += _own_problems(spec, unit, known)
        problems += [Problem(i, f, r) for f, r in reasons]
        prepared.append(PreparedOfficer(spec, target, unit.id if unit else None))
    for field in IDENTITY:
        repeats = first_seen((i, getattr(s, field)) for i, s in enumerate(clean))
        problems += [Problem(i, field, f"same {field} as {where(j)}") for i, j in repeats.items()]
    same = first_seen((i, str(p.target.id) if p.target else None) for i, p in enumerate(prepared))
    problems += [Problem(i, "", f"is the same saved officer as {where(j)}") for i, j in same.items()]
    return prepared, sorted(problems, key=lambda p: p.index)


def _owners(session: Session, specs: Sequence[OfficerSpec]) -> dict[str, dict[str, Officer]]:
    """For nrp, nip and phone: value -> saved officer holding it, for the values in ``specs``."""
    owners: dict[str, dict[str, Officer]] = {}
    for field in IDENTITY:
        column = getattr(Officer, field)
        values = sorted({v for s in specs if (v := getattr(s, field))})
        owners[field] = {}
        for batch in batched(values, IN_BATCH):
            for officer in session.scalars(select(Officer).where(column.in_(batch))):
                owners[field][getattr(officer, field)] = officer
    return owners


def _match(
    spec: OfficerSpec, owners: dict[str, dict[str, Officer]], allow_existing: bool
) -> tuple[Officer | None, list[tuple[str, str]]]:
    """The saved officer ``spec`` refers to (first match by nrp, nip, phone) and identity clashes."""
    matches = [(f, owners[f][v]) for f in IDENTITY if (v := getattr(spec, f)) and v in owners[f]]
    if not matches:
        return None, []
    by, target = matches[0]
    if not allow_existing:
        return target, [(by, f"an officer with this {by} already exists")]
    reasons = [
        (f, f"already belongs to another officer (id {owner.id}) than the one with this {by}")
        for f, owner in matches
        if owner is not target
    ]
    # NRP and NIP are for life: a row that matches by phone but names another NRP is a mix-up.
    for f in ("nrp", "nip"):
        given, stored = getattr(spec, f), getattr(target, f)
        if given and stored and given != stored:
            reasons.append((f, f"differs from the {f} saved for the officer with this {by} (id {target.id})"))
    return target, reasons


def _own_problems(spec: OfficerSpec, unit: Unit | None, known: dict[str, int]) -> list[tuple[str, str]]:
    reasons: list[tuple[str, str]] = []
    for field, value, limit, required in (
        ("name", spec.name, NAME_MAX, True),
        ("rank", spec.rank or "", RANK_MAX, False),
        ("nrp", spec.nrp or "", NRP_MAX, False),
    ):
        problem = text_problem(value, required=required, max_length=limit)
        if problem:
            reasons.append((field, problem))
    if spec.nrp and not spec.nrp.isdigit():
        reasons.append(("nrp", f"'{spec.nrp}' must contain digits only"))
    if spec.nip and not (spec.nip.isdigit() and len(spec.nip) == NIP_DIGITS):
        reasons.append(("nip", f"'{spec.nip}' is not an NIP ({NIP_DIGITS} digits)"))
    if spec.phone and not spec.phone.startswith("+62"):
        reasons.append(("phone", f"'{spec.phone}' is not an Indonesian mobile number (e.g. 0812-3456-7890)"))
    if not (spec.nrp or spec.nip or spec.phone):
        reasons.append(("nrp", "give an NRP, NIP or phone number, so that a re-import finds the officer"))
    if spec.unit_code and unit is None:
        reasons.append(("unit_code", f"no unit with code {spec.unit_code}; import units first"))
    reasons += _pillar_problems(spec, unit)
    for code in spec.villages:
        problem = region_problem(code, known, level=4)
        if problem:
            reasons.append(("villages", problem))
    return reasons


def _pillar_problems(spec: OfficerSpec, unit: Unit | None) -> list[tuple[str, str]]:
    if spec.pillar is None:
        return []
    if spec.pillar not in PILLARS:
        return [("pillar", f"'{spec.pillar}' is not one of: {', '.join(PILLARS)} (or empty)")]
    reasons: list[tuple[str, str]] = []
    agency = PILLAR_AGENCY[spec.pillar]
    if unit is not None and unit.agency != agency:
        reasons.append(("unit_code", f"a {spec.pillar} belongs to a {agency} unit, not {unit.agency}"))
    if not spec.villages:
        reasons.append(("villages", f"a {spec.pillar} needs the village(s) they serve"))
    elif spec.pillar in SINGLE_VILLAGE_PILLARS and len(spec.villages) > 1:
        reasons.append(("villages", f"a {spec.pillar} serves exactly one village"))
    return reasons


def save_officers(session: Session, prepared: Sequence[PreparedOfficer]) -> tuple[list[Officer], int]:
    """Insert or update prepared officers; their villages are replaced. Returns them and the new count."""
    officers: list[Officer] = []
    inserted = 0
    for item in prepared:
        spec, officer = item.spec, item.target
        if officer is None:
            officer = Officer(active=True)
            session.add(officer)
            inserted += 1
        officer.name, officer.rank, officer.pillar = spec.name, spec.rank, spec.pillar
        officer.nrp, officer.nip, officer.phone = spec.nrp, spec.nip, spec.phone
        officer.unit_id = item.unit_id
        if spec.active is not None:
            officer.active = spec.active
        officers.append(officer)
    session.flush()
    rows = (
        {"officer_id": o.id, "desa_code": code}
        for o, item in zip(officers, prepared, strict=True)
        for code in item.spec.villages
    )
    table = cast(Table, OfficerVillage.__table__)
    replace_links(session, table, table.c.officer_id, [o.id for o in officers], rows, IN_BATCH)
    return officers, inserted


def create_officers(session: Session, specs: Iterable[OfficerSpec]) -> list[Officer]:
    """Create many officers at once (the demo's ~3,000 in a few queries); Invalid if any is wrong."""
    prepared, problems = prepare_officers(session, list(specs), allow_existing=False)
    if problems:
        raise invalid(problems, "officer")
    return save_officers(session, prepared)[0]


def create_officer(
    session: Session,
    name: str,
    rank: str | None = None,
    nrp: str | None = None,
    nip: str | None = None,
    phone: str | None = None,
    unit_code: str | None = None,
    pillar: str | None = None,
    villages: Sequence[str] = (),
) -> Officer:
    """Create one officer; the phone is stored as +62...; raises Invalid listing every problem."""
    spec = OfficerSpec(name, rank, nrp, nip, phone, unit_code, pillar, villages)
    return create_officers(session, [spec])[0]


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerView:
    """An officer as a reader may see them: personal fields are None without the permission.

    ``unit`` is given even when the unit itself lies outside the reader's scope (an officer serving
    a village in scope may belong to a unit next door): it is part of the officer's record.
    """

    id: int
    name: str
    rank: str | None
    nrp: str | None
    nip: str | None
    phone: str | None
    pillar: str | None
    active: bool
    unit: UnitRef | None
    villages: list[str]

    @property
    def pillar_label(self) -> str | None:
        return pillar_label(self.pillar)


def _views(session: Session, principal: Principal, officers: Sequence[Officer]) -> list[OfficerView]:
    personal = principal.can(Permission.VIEW_PERSONAL_DATA)
    villages: dict[int, list[str]] = {o.id: [] for o in officers}
    for batch in batched(list(villages), IN_BATCH):
        query = select(OfficerVillage.officer_id, OfficerVillage.desa_code).where(
            OfficerVillage.officer_id.in_(batch)
        )
        for officer_id, code in session.execute(query.order_by(OfficerVillage.desa_code)):
            # Villages outside the caller's scope are not shown, even for an officer who is visible.
            if principal.scope.covers(code):
                villages[officer_id].append(code)
    unit_ids = sorted({o.unit_id for o in officers if o.unit_id is not None})
    units = {u.id: unit_ref(u) for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    return [
        OfficerView(
            id=o.id,
            name=o.name,
            rank=o.rank,
            nrp=o.nrp if personal else None,
            nip=o.nip if personal else None,
            phone=o.phone if personal else None,
            pillar=o.pillar,
            active=o.active,
            unit=units.get(o.unit_id) if o.unit_id is not None else None,
            villages=villages[o.id],
        )
        for o in officers
    ]


def check_pillar(pillar: str) -> str:
    code = match_choice(pillar, PILLARS)
    if code is None:
        raise Invalid(
            "officer.unknown_pillar",
            f"Unknown pillar '{pillar}'; known: {', '.join(PILLARS)}.",
            f"Pilar '{pillar}' tidak dikenal; pilihan: {', '.join(PILLARS)}.",
        )
    return code


def list_officers(
    session: Session,
    principal: Principal,
    *,
    unit_id: int | None = None,
    pillar: str | None = None,
    village: str | None = None,
    area: str | None = None,
    q: str | None = None,
    active: bool | None = None,
    page: PageRequest | None = None,
) -> Page[OfficerView]:
    """Visible officers by name. ``village``: assigned to that desa; ``area``: serving a village in
    it or belonging to a unit responsible for a region in it; ``q``: part of the name."""
    query = select(Officer).where(officer_visible(principal.scope))
    if unit_id is not None:
        query = query.where(Officer.unit_id == unit_id)
    if pillar:
        query = query.where(Officer.pillar == check_pillar(pillar))
    if village:
        code = validate_code(village)
        query = query.where(
            exists().where(OfficerVillage.officer_id == Officer.id, OfficerVillage.desa_code == code)
        )
    if area:
        query = query.where(officer_visible(Scope.of([validate_code(area)])))
    if q and q.strip():
        query = query.where(Officer.name.icontains(q.strip(), autoescape=True))
    if active is not None:
        query = query.where(Officer.active.is_(active))
    result: Page[Officer] = paginate(session, query.order_by(Officer.name, Officer.id), page or PageRequest())
    return Page(_views(session, principal, result.items), result.total, result.limit, result.offset)


def get_officer(session: Session, principal: Principal, officer_id: int) -> OfficerView:
    officer = session.scalar(
        select(Officer).where(Officer.id == officer_id, officer_visible(principal.scope))
    )
    if officer is None:
        raise NotFound("officer.not_found", "No such officer.", "Petugas tidak ditemukan.")
    return _views(session, principal, [officer])[0]


@dataclass(frozen=True)
class VillagePillars:
    """The active officers of each pillar serving one desa/kelurahan (a pillar may have none)."""

    desa_code: str
    desa_name: str
    pillars: dict[str, list[OfficerView]]


def village_pillars(session: Session, principal: Principal, desa_code: str) -> VillagePillars:
    code = validate_code(desa_code)
    if level_of(code) != 4:
        raise Invalid(
            "officer.not_a_village",
            f"{code} is not a desa/kelurahan code (e.g. 64.72.01.1001).",
            f"{code} bukan kode desa/kelurahan (contoh: 64.72.01.1001).",
        )
    region = session.get(Region, code)
    if region is None or not principal.scope.covers(code):
        raise NotFound("region.not_found", f"No region {code}.", f"Wilayah {code} tidak ditemukan.")
    officers = session.scalars(
        select(Officer)
        .join(OfficerVillage, OfficerVillage.officer_id == Officer.id)
        .where(OfficerVillage.desa_code == code, Officer.pillar.is_not(None), Officer.active.is_(True))
        .order_by(Officer.name, Officer.id)
    ).all()
    pillars: dict[str, list[OfficerView]] = {p: [] for p in PILLARS}
    for view in _views(session, principal, officers):
        pillars.setdefault(view.pillar or "", []).append(view)
    return VillagePillars(code, region.name, pillars)

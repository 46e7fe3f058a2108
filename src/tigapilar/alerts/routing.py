"""Who answers for an alert: the units covering its place, and their parents when it escalates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.alerts.config import RoutingConfig
from tigapilar.core.scope import Scope
from tigapilar.regions.codes import ancestors_of, level_of
from tigapilar.storage.models import AlertRoute, Officer, OfficerVillage, Unit, UnitArea, User, UserArea


def common_area(desa: Iterable[str]) -> str:
    """The smallest region holding every code: the desa itself, its kecamatan, kab/kota or province."""
    codes = sorted(set(desa))
    if not codes:
        raise ValueError("an alert needs at least one place")
    parts = [code.split(".") for code in codes]
    shared: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    return ".".join(shared) if shared else codes[0].split(".")[0]


def units_for(session: Session, routing: RoutingConfig, area_code: str, desa: Sequence[str]) -> list[Unit]:
    """Units of the kinds configured for the alert's level whose area covers the alert.

    An alert in one desa reaches the units of that desa and of its kecamatan (Polsek, Koramil, the
    village government); one over several kecamatan reaches the kab/kota's (Polres, Kodim).
    """
    kinds = routing.kinds(level_of(area_code))
    if not kinds:
        return []
    # A unit covers the alert when one of its areas is the alert's area or above it; village
    # governments are matched on the desa themselves.
    covering = {area_code, *ancestors_of(area_code), *desa}
    rows = session.scalars(
        select(Unit)
        .join(UnitArea, UnitArea.unit_id == Unit.id)
        .where(Unit.kind.in_(kinds), UnitArea.region_code.in_(sorted(covering)))
        .order_by(Unit.id)
        .distinct()
    )
    return list(rows)


def route(session: Session, alert_id: int, units: Iterable[Unit], level: int, now: datetime) -> list[Unit]:
    """Add ``units`` to the alert's routes; returns those that were not routed yet."""
    known = set(session.scalars(select(AlertRoute.unit_id).where(AlertRoute.alert_id == alert_id)))
    added = []
    for unit in units:
        if unit.id in known:
            continue
        session.add(AlertRoute(alert_id=alert_id, unit_id=unit.id, level=level, routed_at=now))
        known.add(unit.id)
        added.append(unit)
    return added


def parents_of_top(session: Session, alert_id: int) -> list[Unit]:
    """The parent units of the units routed at the alert's highest level so far (for escalation)."""
    routes = list(session.scalars(select(AlertRoute).where(AlertRoute.alert_id == alert_id)))
    if not routes:
        return []
    top = max(r.level for r in routes)
    parent_ids = session.scalars(
        select(Unit.parent_id).where(
            Unit.id.in_([r.unit_id for r in routes if r.level == top]), Unit.parent_id.is_not(None)
        )
    )
    ids = sorted({i for i in parent_ids if i is not None})
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id))) if ids else []


def recipients(session: Session, unit_ids: Iterable[int], desa: Iterable[str]) -> list[int]:
    """Accounts to tell: those acting for the units, and the field officers of the alert's desa."""
    unit_ids, desa = sorted(set(unit_ids)), sorted(set(desa))
    users: set[int] = set()
    if unit_ids:
        users.update(
            session.scalars(select(User.id).where(User.unit_id.in_(unit_ids), User.active.is_(True)))
        )
    if desa:
        users.update(
            session.scalars(
                select(User.id)
                .join(Officer, Officer.id == User.officer_id)
                .join(OfficerVillage, OfficerVillage.officer_id == Officer.id)
                .where(OfficerVillage.desa_code.in_(desa), User.active.is_(True), Officer.active.is_(True))
            )
        )
    return sorted(_in_scope(session, users, desa))


def _in_scope(session: Session, user_ids: set[int], desa: list[str]) -> set[int]:
    """Only accounts that may open the alert: a unit's account scoped elsewhere is not told about it
    (the notification's title names the place)."""
    if not user_ids:
        return set()
    areas: dict[int, list[str]] = {}
    for user_id, code in session.execute(
        select(UserArea.user_id, UserArea.region_code).where(UserArea.user_id.in_(sorted(user_ids)))
    ):
        areas.setdefault(user_id, []).append(code)
    national = set(
        session.scalars(select(User.id).where(User.id.in_(sorted(user_ids)), User.national.is_(True)))
    )
    return {u for u in user_ids if u in national or any(Scope.of(areas.get(u, [])).covers(d) for d in desa)}

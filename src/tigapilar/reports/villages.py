"""The villages a caller may report for: what the ODK form and the web form offer to choose from.

An officer is offered the villages they are assigned to (those their account's area also covers);
any other account the desa/kelurahan of its area. Forms only offer: the intake checks the scope
again whatever was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from tigapilar.accounts.principal import Principal
from tigapilar.storage.models import OfficerVillage, Region


@dataclass(frozen=True)
class ReportableVillage:
    code: str
    name: str
    kecamatan: str
    kabupaten: str


@dataclass(frozen=True)
class VillageChoice:
    villages: list[ReportableVillage]
    complete: bool  # False: there are more than the limit asked for


def reportable_villages(session: Session, principal: Principal, limit: int) -> VillageChoice:
    """At most ``limit`` villages, sorted by code, with their kecamatan and kabupaten/kota names."""
    kecamatan, kabupaten = aliased(Region), aliased(Region)
    query = (
        select(Region.code, Region.name, kecamatan.name, kabupaten.name)
        .join(kecamatan, kecamatan.code == Region.parent_code)
        .join(kabupaten, kabupaten.code == kecamatan.parent_code)
        .where(Region.level == 4, principal.scope.clause(Region.code))
        .order_by(Region.code)
        .limit(limit + 1)
    )
    rows = []
    if principal.officer_id is not None:
        assigned = select(OfficerVillage.desa_code).where(OfficerVillage.officer_id == principal.officer_id)
        rows = list(session.execute(query.where(Region.code.in_(assigned))).all())
    if not rows:
        rows = list(session.execute(query).all())
    villages = [ReportableVillage(r[0], r[1], r[2], r[3]) for r in rows[:limit]]
    return VillageChoice(villages, complete=len(rows) <= limit)

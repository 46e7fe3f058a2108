"""The regions a user's scope is made of: checking that they exist and naming them for people."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.storage.models import OfficerVillage, Region


@dataclass(frozen=True)
class Area:
    code: str
    name: str


def named_areas(session: Session, codes: Iterable[str]) -> list[Area]:
    """Codes with their region names, sorted by code; a code missing from ``region`` keeps an empty name."""
    wanted = sorted(set(codes))
    if not wanted:
        return []
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(wanted)))
    names = {code: name for code, name in rows}
    return [Area(code, names.get(code, "")) for code in wanted]


def unknown_codes(session: Session, codes: Iterable[str]) -> list[str]:
    wanted = set(codes)
    if not wanted:
        return []
    known = set(session.scalars(select(Region.code).where(Region.code.in_(wanted))))
    return sorted(wanted - known)


def officer_villages(session: Session, officer_id: int) -> list[str]:
    query = select(OfficerVillage.desa_code).where(OfficerVillage.officer_id == officer_id)
    return sorted(session.scalars(query))

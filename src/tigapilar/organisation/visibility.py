"""Which units and officers a scope may see, as SQL conditions.

A unit is visible when one of its areas lies inside the scope; an officer when one of their
villages does, or their unit is visible. (A Polda with area ``64`` is therefore not visible to a
user scoped to ``64.72``: scope grants areas downwards, never upwards.)
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, true

from tigapilar.core.scope import Scope
from tigapilar.storage.models import Officer, OfficerVillage, Unit, UnitArea


def unit_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.national:
        return true()
    return exists().where(UnitArea.unit_id == Unit.id, scope.clause(UnitArea.region_code))


def officer_visible(scope: Scope) -> ColumnElement[bool]:
    if scope.national:
        return true()
    return or_(
        exists().where(OfficerVillage.officer_id == Officer.id, scope.clause(OfficerVillage.desa_code)),
        exists().where(UnitArea.unit_id == Officer.unit_id, scope.clause(UnitArea.region_code)),
    )

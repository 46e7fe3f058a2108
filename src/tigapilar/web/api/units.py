"""API: units of Polri, TNI AD, local government, KPU and Bawaslu, within the caller's scope.

A unit is visible when one of its areas lies inside the caller's scope. Errors: 404
``unit.not_found`` (also for units outside the scope), 422 ``unit.unknown_agency``,
``unit.unknown_kind``, ``region.invalid_code``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from tigapilar.core.csvrows import INT_MAX
from tigapilar.organisation.units import get_unit, list_units
from tigapilar.web.api.paging import PageOut
from tigapilar.web.deps import Caller, DbSession, Paging

router = APIRouter()
# Ids beyond the INTEGER range cannot exist; refusing them here keeps them away from the database.
RecordId = Annotated[int, Path(ge=1, le=INT_MAX)]


class UnitRefOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    agency: str
    kind: str


class UnitOut(UnitRefOut):
    agency_label: str
    kind_label: str
    parent_id: int | None
    areas: list[str]


class UnitDetailOut(UnitOut):
    parent: UnitRefOut | None
    children: list[UnitOut]


class UnitPage(PageOut[UnitOut]):
    pass


@router.get("/units", response_model=UnitPage)
def units_list(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    agency: Annotated[
        str | None, Query(max_length=40, description="polri, tni_ad, pemda, kpu, bawaslu")
    ] = None,
    kind: Annotated[str | None, Query(max_length=40, description="e.g. polres, kodim, pemkab")] = None,
    area: Annotated[
        str | None,
        Query(max_length=20, description="Units responsible for a region in, or containing, this one"),
    ] = None,
    parent: Annotated[int | None, Query(ge=1, le=INT_MAX, description="Sub-units of this unit id")] = None,
) -> UnitPage:
    """Units in the caller's scope, by code."""
    page = list_units(
        session, caller.scope, agency=agency, kind=kind, area=area, parent_id=parent, page=paging
    )
    return UnitPage.of(page, UnitOut.model_validate)


@router.get("/units/{unit_id}", response_model=UnitDetailOut)
def unit_detail(caller: Caller, session: DbSession, unit_id: RecordId) -> UnitDetailOut:
    """One unit with its areas, its parent (when visible) and its sub-units in the caller's scope."""
    return UnitDetailOut.model_validate(get_unit(session, caller.scope, unit_id))

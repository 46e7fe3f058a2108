"""API: officers, including the three village pillars, within the caller's scope.

An officer is visible when one of their villages, or an area of their unit, lies inside the
caller's scope. Phone, NRP and NIP are null unless the caller may view personal data (partners and
field officers may not). The three pillars of a village: ``GET /officers?village=CODE`` (add
``&pillar=babinsa`` for one pillar). Errors: 404 ``officer.not_found`` (also outside the scope),
422 ``officer.unknown_pillar``, ``region.invalid_code``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from tigapilar.core.csvrows import INT_MAX
from tigapilar.organisation.officers import get_officer, list_officers
from tigapilar.web.api.paging import PageOut
from tigapilar.web.api.units import UnitRefOut
from tigapilar.web.deps import Caller, DbSession, Paging

router = APIRouter()
# Ids beyond the INTEGER range cannot exist; refusing them here keeps them away from the database.
RecordId = Annotated[int, Path(ge=1, le=INT_MAX)]


class OfficerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    rank: str | None
    nrp: str | None
    nip: str | None
    phone: str | None
    pillar: str | None
    pillar_label: str | None
    active: bool
    unit: UnitRefOut | None
    villages: list[str]


class OfficerPage(PageOut[OfficerOut]):
    pass


@router.get("/officers", response_model=OfficerPage)
def officers_list(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    unit: Annotated[int | None, Query(ge=1, le=INT_MAX, description="Officers of this unit id")] = None,
    pillar: Annotated[
        str | None, Query(max_length=40, description="bhabinkamtibmas, babinsa or kades_lurah")
    ] = None,
    village: Annotated[str | None, Query(max_length=20, description="Assigned to this desa code")] = None,
    area: Annotated[str | None, Query(max_length=20, description="Serving a region inside this one")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
    active: bool | None = None,
) -> OfficerPage:
    """Officers in the caller's scope, by name."""
    page = list_officers(
        session,
        caller,
        unit_id=unit,
        pillar=pillar,
        village=village,
        area=area,
        q=q,
        active=active,
        page=paging,
    )
    return OfficerPage.of(page, OfficerOut.model_validate)


@router.get("/officers/{officer_id}", response_model=OfficerOut)
def officer_detail(caller: Caller, session: DbSession, officer_id: RecordId) -> OfficerOut:
    return OfficerOut.model_validate(get_officer(session, caller, officer_id))

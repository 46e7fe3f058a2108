"""API: polling stations (TPS), within the caller's area scope.

Errors: 404 ``tps.not_found`` (also for TPS outside the caller's scope), 404 ``region.not_found``
(summary of an unknown or out-of-scope area), 422 ``region.invalid_code``, ``tps.unknown_kind``,
``tps.bad_election``, ``tps.summary_bad_area``, ``tps.election_required``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, computed_field

from tigapilar.core.csvrows import INT_MAX
from tigapilar.tps.kinds import kind_label
from tigapilar.tps.registry import get_tps, list_tps, summarise_tps
from tigapilar.web.api.paging import PageOut
from tigapilar.web.deps import Caller, DbSession, Paging

router = APIRouter()

AreaQuery = Annotated[
    str | None, Query(max_length=20, description="A Kemendagri region code at any level, e.g. 64.71.")
]
ElectionQuery = Annotated[str | None, Query(max_length=40, description="e.g. pilkada-2024")]
# Ids beyond the INTEGER range cannot exist; refusing them here keeps them away from the database.
RecordId = Annotated[int, Path(ge=1, le=INT_MAX)]


class TpsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    election: str
    uid: str = Field(description="<desa code>-<number>, stable across imports, e.g. 64.71.01.1001-003")
    desa_code: str
    number: int
    address: str | None
    lat: float | None
    lng: float | None
    dpt_male: int
    dpt_female: int
    dpt: int = Field(description="Registered voters (DPT), male + female.")
    kind: str
    notes: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


class TpsPage(PageOut[TpsOut]):
    pass


class SummaryRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    tps: int
    dpt_male: int
    dpt_female: int
    dpt: int


class SummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area: str | None
    area_name: str | None
    election: str | None
    level: int = Field(description="Level of the rows: 1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa/kelurahan")
    rows: list[SummaryRowOut]
    total: SummaryRowOut


@router.get("/tps", response_model=TpsPage)
def tps_list(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    area: AreaQuery = None,
    election: ElectionQuery = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> TpsPage:
    """TPS in the caller's scope, ordered by village and TPS number."""
    page = list_tps(session, caller.scope, area=area, election=election, kind=kind, page=paging)
    return TpsPage.of(page, TpsOut.model_validate)


@router.get("/tps/summary", response_model=SummaryOut)
def tps_summary(
    caller: Caller, session: DbSession, area: AreaQuery = None, election: ElectionQuery = None
) -> SummaryOut:
    """TPS count and registered voters per region directly below ``area`` (per province without it)."""
    return SummaryOut.model_validate(summarise_tps(session, caller.scope, area=area, election=election))


@router.get("/tps/{tps_id}", response_model=TpsOut)
def tps_detail(caller: Caller, session: DbSession, tps_id: RecordId) -> TpsOut:
    return TpsOut.model_validate(get_tps(session, caller.scope, tps_id))

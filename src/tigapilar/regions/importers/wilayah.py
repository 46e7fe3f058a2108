"""The cahyadsn/wilayah tables: names, area (``wilayah_luas``) and population (``wilayah_penduduk``).

``wilayah`` creates and renames regions. The area and population tables only fill in figures for
regions already loaded; their rows for other regions are skipped and counted, so that a Polda that
loaded one province can still import the national files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from tigapilar.regions.importers.base import Policy, Problems, RowHandler, SourceRow
from tigapilar.regions.importers.fields import Cells, decimal, whole


class NamesHandler(RowHandler):
    kind = "regions"
    creates = True
    policies: ClassVar[Mapping[str, Policy]] = {
        "name": Policy.SET,
        "name_key": Policy.SET,
        "kind": Policy.SET,
    }

    def values(self, row: SourceRow, problems: Problems) -> dict[str, Any] | None:
        if not (row.name or "").strip():
            problems.add(row.line, row.name_column, "the name is empty")
            return None
        return {}


class AreaHandler(RowHandler):
    kind = "area"
    creates = False
    repairs_float_codes = True
    policies: ClassVar[Mapping[str, Policy]] = {"area_km2": Policy.SET}

    def values(self, row: SourceRow, problems: Problems) -> dict[str, Any] | None:
        cells = Cells(row, problems)
        area = cells.require("luas", lambda v: decimal(v, minimum=0.0))
        return {"area_km2": area} if cells.ok else None


class PopulationHandler(RowHandler):
    kind = "population"
    creates = False
    repairs_float_codes = True
    policies: ClassVar[Mapping[str, Policy]] = {
        "population": Policy.SET,
        "population_male": Policy.SET,
        "population_female": Policy.SET,
    }

    def values(self, row: SourceRow, problems: Problems) -> dict[str, Any] | None:
        cells = Cells(row, problems)
        male = cells.get("pria", whole)
        female = cells.get("wanita", whole)
        total = cells.get("total", whole)
        if not cells.ok:
            return None
        if total is None:
            if male is None or female is None:
                cells.fail("total", "total is empty and pria/wanita are not both given")
                return None
            total = male + female
        return {"population": total, "population_male": male, "population_female": female}


# The national total row of wilayah_penduduk ('0', 'INDONESIA') is not a region.
NATIONAL_TOTAL_CODES = frozenset({"0", "00"})

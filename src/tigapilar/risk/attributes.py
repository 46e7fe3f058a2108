"""Attributes of places (data for ``attribute`` indicators): the registry and the CSV importer.

The registry (``risk/data/attributes.toml``, overridable like every configuration file) names every
attribute a profile may use, with its kind: ``flag`` (0 or 1), ``count`` (a whole number) or
``value`` (any number). A CSV file has one row per place and one column per attribute:

    kode,sulit_dijangkau,blank_spot,dpt_tms
    64.71.01.1001-003,1,,12        <- a TPS (its uid) of the election given on import
    64.71.01.1001,,1,              <- a region: the TPS and places below it inherit the value

An empty cell leaves the stored value as it is. All or nothing: one wrong cell and nothing is saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal, Self, cast

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from tigapilar.core.configfiles import load_config
from tigapilar.core.csvrows import Column, CsvSource, ImportResult, RowErrors, csv_rows, source_name
from tigapilar.regions.codes import code_problem
from tigapilar.storage.bulk import batched, upsert_rows
from tigapilar.storage.models import Region, RegionAttribute, Tps, TpsAttribute
from tigapilar.storage.models.base import utcnow
from tigapilar.tps.registry import check_election

ATTRIBUTES_FILE = "attributes.toml"
_TPS_UID = re.compile(r"^(\d\d\.\d\d\.\d\d\.\d{4})-(\d{1,4})$")
CHUNK = 5000


class AttributeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    label: str = Field(min_length=1, max_length=200)
    label_en: str = Field(min_length=1, max_length=200)
    level: Literal["tps", "desa", "kecamatan", "kabkota", "provinsi"]
    kind: Literal["flag", "count", "value"]
    description: str = ""


class AttributeRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attribute: tuple[AttributeConfig, ...]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        codes = [a.code for a in self.attribute]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"attribute code(s) used twice: {', '.join(repeated)}")
        return self

    def get(self, code: str) -> AttributeConfig | None:
        return next((a for a in self.attribute if a.code == code), None)


def load_attribute_registry(config_dir: Path | None = None) -> AttributeRegistry:
    return _cached(config_dir)


@cache
def _cached(config_dir: Path | None) -> AttributeRegistry:
    return load_config("tigapilar.risk", ATTRIBUTES_FILE, AttributeRegistry, config_dir)


def import_attributes_csv(
    session: Session,
    source: CsvSource,
    election: str,
    registry: AttributeRegistry,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import attribute values for TPS (by uid, within ``election``) and regions (by code)."""
    election = check_election(election)
    errors = RowErrors(source_name(source))
    columns = [Column("kode", ("code", "kode_wilayah", "kode_desa", "uid", "tps"), required=True)]
    columns += [Column(a.code) for a in registry.attribute]
    known_regions = set(session.scalars(select(Region.code)))
    tps_rows: list[dict[str, Any]] = []
    region_rows: list[dict[str, Any]] = []
    rows = 0
    with csv_rows(source, columns, errors) as reader:
        present = [a for a in registry.attribute if reader.has(a.code)]
        if not present:
            errors.add(1, "", "no attribute column; name columns after attributes, e.g. sulit_dijangkau")
            raise errors.rejection()
        for chunk in batched(reader, CHUNK):
            uids = [m.group(0) for r in chunk if (m := _TPS_UID.match(r.values.get("kode", "")))]
            tps_ids = _tps_ids(session, election, uids)
            for row in chunk:
                rows += 1
                code = row.text("kode", required=True)
                if code is None:
                    continue
                values = {}
                for attribute in present:
                    raw = row.values.get(attribute.code, "")
                    if raw:
                        number = row.decimal(
                            attribute.code, low=0 if attribute.kind != "value" else -1e12, high=1e12
                        )
                        problem = _kind_problem(attribute, number) if number is not None else None
                        if problem:
                            row.error(attribute.code, problem)
                        elif number is not None:
                            values[attribute.code] = number
                if row.failed:
                    continue
                if _TPS_UID.match(code):
                    tps_id = tps_ids.get(_canonical_uid(code))
                    if tps_id is None:
                        row.error("kode", f"no TPS {code} in election {election}")
                        continue
                    tps_rows += [{"tps_id": tps_id, "attribute": a, "value": v} for a, v in values.items()]
                elif code_problem(code) or code not in known_regions:
                    row.error("kode", f"'{code}' is neither a known region code nor a TPS uid (desa-nnn)")
                else:
                    region_rows += [
                        {"region_code": code, "attribute": a, "value": v} for a, v in values.items()
                    ]
            if on_progress:
                on_progress(len(chunk))
    errors.raise_if_any()
    now, label = utcnow(), errors.source
    written = upsert_rows(
        session,
        cast(Table, TpsAttribute.__table__),
        ({**r, "source": label, "updated_at": now} for r in tps_rows),
        key=["tps_id", "attribute"],
    )
    written += upsert_rows(
        session,
        cast(Table, RegionAttribute.__table__),
        ({**r, "source": label, "updated_at": now} for r in region_rows),
        key=["region_code", "attribute"],
    )
    return ImportResult(errors.source, rows, written, 0)


def _kind_problem(attribute: AttributeConfig, number: float) -> str | None:
    if attribute.kind == "flag" and number not in (0, 1):
        return f"{number:g} is not 0 or 1 ({attribute.code} is yes/no)"
    if attribute.kind == "count" and (number < 0 or number != int(number)):
        return f"{number:g} is not a whole number of at least 0 ({attribute.code} is a count)"
    return None


def _canonical_uid(uid: str) -> str:
    match = _TPS_UID.match(uid)
    assert match is not None
    return f"{match.group(1)}-{int(match.group(2)):03d}"


def _tps_ids(session: Session, election: str, uids: list[str]) -> dict[str, int]:
    wanted = sorted({_canonical_uid(u) for u in uids})
    if not wanted:
        return {}
    query = select(Tps.uid, Tps.id).where(Tps.election == election, Tps.uid.in_(wanted))
    return {uid: tps_id for uid, tps_id in session.execute(query)}

"""The demo description file (``data/<name>.toml``), validated on load with clear errors."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tigapilar.core.errors import Invalid
from tigapilar.regions.codes import code_problem, level_of

TpsKind = Literal["reguler", "lapas_rutan", "panti", "relokasi", "pekerja_ikn", "lainnya"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_code(code: str, level: int) -> str:
    problem = code_problem(code)
    if problem:
        raise ValueError(problem)
    if level_of(code) != level:
        raise ValueError(f"'{code}' is not a level-{level} code")
    return code


class KabKota(_Strict):
    tps: int = Field(gt=0)
    centre: tuple[float, float]
    radius_km: float = Field(gt=0)
    polres: str
    kodim: str


class Organisation(_Strict):
    polda: str
    korem: str
    pemprov: str
    kpu_provinsi: str
    bawaslu_provinsi: str
    bhabinkamtibmas: int = Field(gt=0)
    babinsa: int = Field(gt=0)


class SpecialTps(_Strict):
    kecamatan: str
    kind: TpsKind
    count: int = Field(gt=0)
    address: str
    dpt: int = Field(gt=0)

    @field_validator("kecamatan")
    @classmethod
    def _kecamatan(cls, code: str) -> str:
        return _check_code(code, 3)


class DemoAccount(_Strict):
    username: str
    name: str
    role: Literal["field_officer", "analyst", "commander", "partner", "admin"]
    national: bool = False
    areas: list[str] = []
    officer_pillar: Literal["bhabinkamtibmas", "babinsa", "kades_lurah"] | None = None

    @model_validator(mode="after")
    def _scope(self) -> DemoAccount:
        if not self.national and not self.areas:
            raise ValueError(f"account {self.username}: give areas or national = true")
        for code in self.areas:
            problem = code_problem(code)
            if problem:
                raise ValueError(f"account {self.username}: {problem}")
        return self


class DemoConfig(_Strict):
    province: str
    province_name: str
    election: str
    seed: int
    dpt_total: int = Field(gt=0)
    dpt_max_per_tps: int = Field(gt=0)
    male_share: float = Field(gt=0, lt=1)
    password: str = Field(min_length=10)
    kabkota: dict[str, KabKota]
    organisation: Organisation
    special_tps: list[SpecialTps] = []
    accounts: list[DemoAccount]

    @field_validator("province")
    @classmethod
    def _province(cls, code: str) -> str:
        return _check_code(code, 1)

    @model_validator(mode="after")
    def _consistent(self) -> DemoConfig:
        for code in self.kabkota:
            _check_code(code, 2)
            if not code.startswith(self.province + "."):
                raise ValueError(f"kab/kota {code} is not in province {self.province}")
        for special in self.special_tps:
            if special.kecamatan.rsplit(".", 1)[0] not in self.kabkota:
                raise ValueError(f"special TPS kecamatan {special.kecamatan} is outside the listed kab/kota")
        voters_needed = sum(k.tps for k in self.kabkota.values()) + sum(s.count for s in self.special_tps)
        if self.dpt_total > voters_needed * self.dpt_max_per_tps:
            raise ValueError("dpt_total does not fit in the TPS at dpt_max_per_tps voters each")
        return self


def load_demo_config(name_or_path: str = "kaltim") -> DemoConfig:
    """Load a shipped demo by name (``kaltim``) or any file path, refusing bad files clearly."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        raw = path.read_bytes()
        source = str(path)
    else:
        resource = resources.files("tigapilar.demo").joinpath("data", f"{name_or_path}.toml")
        if not resource.is_file():
            raise Invalid(
                "demo.unknown", f"No demo named '{name_or_path}'.", f"Demo '{name_or_path}' tidak ada."
            )
        raw = resource.read_bytes()
        source = f"{name_or_path}.toml"
    try:
        return DemoConfig.model_validate(tomllib.loads(raw.decode("utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise Invalid("demo.bad_file", f"{source}: {exc}", f"{source}: berkas tidak valid: {exc}") from exc
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]), "reason": err["msg"]} for err in exc.errors()
        ]
        raise Invalid(
            "demo.bad_file",
            f"{source}: {exc.error_count()} problem(s)",
            f"{source}: isian tidak valid",
            details,
        ) from exc

"""A vulnerability profile: the indicator framework as data (``risk/data/profiles/<code>.toml``).

A profile is a tree: groups (dimensions, sub-dimensions or variables, as the source calls them) with
relative weights, and indicators at the leaves. Each indicator is scored 0..1 from one source:

* ``attribute``: a value imported per TPS or per region (``tigapilar import attributes``); a TPS
  takes its own value, else the value of its desa, kecamatan, ... (the nearest one set);
* ``reports``: verified field reports of some categories, weighted by severity and election stage
  and decayed with a half-life (see :class:`ReportsConfig`);
* ``tps``: a measure of the TPS registry itself (a special location, the size of its DPT).

and turned into 0..1 by its ``rule``: ``present`` (any value > 0 is 1), ``count`` (``x/saturation``,
at most 1) or ``scaled`` (``(x-low)/(high-low)`` clipped to 0..1). An indicator's effective weight is
``scale`` times its share at every level of the tree, so a place's score is the sum of its indicators'
contributions and lies between 0 and ``scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tigapilar.core.configfiles import ConfigError, config_source, parse_config

PROFILES_DIR = "profiles"
LEVELS = ("provinsi", "kabkota", "kecamatan", "desa", "tps")
REGION_LEVEL = {"provinsi": 1, "kabkota": 2, "kecamatan": 3, "desa": 4}
Code = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndicatorConfig(_Strict):
    code: Code = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    label: str = Field(min_length=1, max_length=200)
    label_en: str = Field(min_length=1, max_length=200)
    weight: float = Field(gt=0)
    # Where the weight comes from: "published" or why this default was chosen.
    weight_note: str = ""
    source: Literal["attribute", "reports", "tps"]
    attribute: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{1,59}$")
    categories: tuple[str, ...] = ()
    min_severity: int = Field(default=1, ge=1)
    measure: Literal["special_location", "dpt"] | None = None
    rule: Literal["present", "count", "scaled"] = "present"
    saturation: float | None = Field(default=None, gt=0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needs = {"attribute": self.attribute, "reports": self.categories, "tps": self.measure}
        if not needs[self.source]:
            field = {"attribute": "attribute", "reports": "categories", "tps": "measure"}[self.source]
            raise ValueError(f"indicator '{self.code}': source '{self.source}' needs '{field}'")
        if self.rule == "count" and self.saturation is None:
            raise ValueError(f"indicator '{self.code}': rule 'count' needs 'saturation'")
        if self.rule == "scaled" and (self.low is None or self.high is None or self.high <= self.low):
            raise ValueError(f"indicator '{self.code}': rule 'scaled' needs 'low' < 'high'")
        return self


class GroupConfig(_Strict):
    """A dimension, sub-dimension or variable: either sub-groups or indicators, never both."""

    code: Code = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    label: str = Field(min_length=1, max_length=200)
    label_en: str = Field(min_length=1, max_length=200)
    weight: float = Field(gt=0)
    weight_note: str = ""
    group: tuple[GroupConfig, ...] = ()
    indicator: tuple[IndicatorConfig, ...] = ()

    @model_validator(mode="after")
    def _one_kind_of_children(self) -> Self:
        if bool(self.group) == bool(self.indicator):
            raise ValueError(f"group '{self.code}' needs either sub-groups or indicators (not both)")
        return self


class BandConfig(_Strict):
    """A category: scores from ``min`` (inclusive) up to the next band's ``min``."""

    code: Code = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    label: str = Field(min_length=1, max_length=80)
    label_en: str = Field(min_length=1, max_length=80)
    min: float = Field(ge=0)


class ReportsConfig(_Strict):
    """How verified reports feed ``reports`` indicators: x = sum(severity weight x stage x decay)."""

    statuses: tuple[str, ...] = ("terverifikasi", "ditindaklanjuti", "selesai")
    half_life_days: float = Field(default=14, gt=0)
    # Reports older than this are not read at all (their weight would be below 1/2^(horizon/half-life)).
    horizon_days: int = Field(default=120, gt=0)
    severity_weight: dict[int, float] = Field(default_factory=lambda: {1: 0.5, 2: 1.0, 3: 2.0, 4: 4.0})
    stage_multiplier: dict[str, float] = Field(default_factory=dict)


class ProfileConfig(_Strict):
    code: Code = Field(pattern=r"^[a-z][a-z0-9-]{1,59}$")
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    description: str = ""
    sources: tuple[str, ...] = ()
    # The level whose places are scored from indicators; levels above are aggregated from them.
    unit: Literal["tps", "desa", "kecamatan", "kabkota"]
    # Whose TPS (unit "tps") and whose DPT weights the aggregation.
    election: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,39}$")
    scale: float = Field(default=100, gt=0)
    # Categories per level (a level without its own bands uses "default").
    bands: dict[str, tuple[BandConfig, ...]]
    # TPS kinds that carry the "khusus" (special location) flag.
    khusus_kinds: tuple[str, ...] = ()
    reports: ReportsConfig = ReportsConfig()
    group: tuple[GroupConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        if "default" not in self.bands:
            problems.append("bands needs a 'default' list")
        for level, bands in self.bands.items():
            if level != "default" and level not in LEVELS:
                problems.append(f"bands.{level}: unknown level (use {', '.join(LEVELS)} or default)")
            mins = [b.min for b in bands]
            if not bands or mins[0] != 0 or mins != sorted(set(mins)):
                problems.append(f"bands.{level}: 'min' must start at 0 and increase")
            if bands and mins[-1] > self.scale:
                problems.append(f"bands.{level}: a band starts above the scale ({self.scale})")
        codes = [i.code for i in indicators_of(self)]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            problems.append(f"indicator code(s) used twice: {', '.join(repeated)}")
        if self.unit != "tps" and any(i.source == "tps" for i in indicators_of(self)):
            problems.append("'tps' indicators need unit = 'tps'")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def bands_for(self, level: str) -> tuple[BandConfig, ...]:
        return self.bands.get(level, self.bands["default"])


def indicators_of(profile: ProfileConfig) -> list[IndicatorConfig]:
    return [leaf.indicator for leaf in leaves(profile)]


@dataclass(frozen=True)
class Leaf:
    """An indicator with its path in the tree and its effective weight (points of the scale)."""

    indicator: IndicatorConfig
    path: tuple[str, ...]  # group codes from the top
    weight: float


def leaves(profile: ProfileConfig) -> list[Leaf]:
    """Every indicator with its effective weight; the weights add up to the profile's scale."""
    found: list[Leaf] = []

    def walk(groups: tuple[GroupConfig, ...], share: float, path: tuple[str, ...]) -> None:
        total = sum(g.weight for g in groups)
        for g in groups:
            g_share = share * g.weight / total
            if g.group:
                walk(g.group, g_share, (*path, g.code))
            else:
                inner = sum(i.weight for i in g.indicator)
                for i in g.indicator:
                    found.append(Leaf(i, (*path, g.code), g_share * i.weight / inner))

    walk(profile.group, profile.scale, ())
    return found


def band_of(bands: tuple[BandConfig, ...], score: float) -> BandConfig:
    chosen = bands[0]
    for band in bands:
        if score >= band.min:
            chosen = band
    return chosen


def shipped_profiles() -> list[str]:
    from importlib import resources

    folder = resources.files("tigapilar.risk").joinpath("data", PROFILES_DIR)
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_profile(code: str, config_dir: Path | None = None) -> ProfileConfig:
    """Profile ``code`` from ``<config dir>/profiles/`` if there, else the shipped one."""
    name = f"{PROFILES_DIR}/{code}.toml"
    try:
        label, text = config_source("tigapilar.risk", name, config_dir)
    except FileNotFoundError:
        raise ConfigError(f"profiles/{code}.toml", [("", f"no profile '{code}'")]) from None
    profile = parse_config(label, text, ProfileConfig)
    if profile.code != code:
        raise ConfigError(label, [("code", f"is '{profile.code}' but the file is named '{code}.toml'")])
    return profile

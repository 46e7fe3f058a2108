"""The two files that steer early warning: ``detectors.toml`` (what raises an alert) and
``response.toml`` (deadlines, routing, escalation, action kinds). Shipped in ``alerts/data/``,
overridable in ``TIGAPILAR_CONFIG_DIR``; validated on load with every problem listed by its place.
Category and severity codes are checked against the report taxonomy when the files are loaded for use.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tigapilar.core.configfiles import ConfigError, load_config
from tigapilar.reports.taxonomy import Taxonomy, load_taxonomy

DETECTORS_FILE = "detectors.toml"
RESPONSE_FILE = "response.toml"
PACKAGE = "tigapilar.alerts"

# The response steps and the status each one reaches.
STEPS: dict[str, str] = {
    "acknowledge": "diterima",
    "arrive": "di_lokasi",
    "handle": "ditangani",
    "resolve": "selesai",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Severity = int


class RuleConfig(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    label: str = Field(min_length=1, max_length=120)
    label_en: str = Field(min_length=1, max_length=120)
    categories: tuple[str, ...] = ()
    min_severity: Severity = Field(default=1, ge=1)
    count: int = Field(default=1, ge=1)
    level: Literal["desa", "kecamatan"] = "desa"
    window_hours: float = Field(default=24, gt=0)
    severity: Severity = Field(ge=1)


class SpikeConfig(_Strict):
    level: Literal["desa", "kecamatan"] = "kecamatan"
    window_hours: float = Field(default=24, gt=0)
    baseline_days: int = Field(default=28, ge=1)
    min_count: int = Field(default=3, ge=1)
    alpha: float = Field(default=0.001, gt=0, lt=1)
    strong_alpha: float = Field(default=0.00001, gt=0, lt=1)
    severity: Severity = Field(default=2, ge=1)
    stage_intensity: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _positive(self) -> Self:
        bad = sorted(code for code, value in self.stage_intensity.items() if value <= 0)
        if bad:
            raise ValueError(f"stage intensities must be > 0: {', '.join(bad)}")
        return self


class ScanConfig(_Strict):
    study_days: int = Field(default=60, ge=2)
    max_radius_km: float = Field(default=15.0, gt=0)
    max_share_of_cases: float = Field(default=0.5, gt=0, le=1)
    max_window_days: int = Field(default=7, ge=1)
    min_cases: int = Field(default=3, ge=1)
    replications: int = Field(default=999, ge=9)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    seed: int = 0
    severity: Severity = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.max_window_days >= self.study_days:
            raise ValueError("max_window_days must be shorter than study_days")
        return self


class HotspotConfig(_Strict):
    profile: str = Field(min_length=1)
    neighbours: int = Field(default=8, ge=1)
    permutations: int = Field(default=999, ge=9)
    alpha: float = Field(default=0.01, gt=0, lt=1)
    min_desa: int = Field(default=3, ge=1)
    seed: int = 0
    severity: Severity = Field(default=2, ge=1)


class MergeConfig(_Strict):
    merge_hours: float = Field(default=72, ge=0)


class DetectorsConfig(_Strict):
    verified_statuses: tuple[str, ...] = ("terverifikasi", "ditindaklanjuti", "selesai")
    unverified_statuses: tuple[str, ...] = ("baru",)
    rule: tuple[RuleConfig, ...] = ()
    spike: SpikeConfig | None = None
    scan: ScanConfig | None = None
    hotspot: HotspotConfig | None = None
    merge: MergeConfig = MergeConfig()

    @model_validator(mode="after")
    def _unique_rules(self) -> Self:
        ids = [rule.id for rule in self.rule]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids repeated: {', '.join(repeated)}")
        return self

    def severities(self) -> list[tuple[str, int]]:
        """(place in the file, severity) of every severity the file sets."""
        found = [(f"rule.{rule.id}.severity", rule.severity) for rule in self.rule]
        found += [(f"rule.{rule.id}.min_severity", rule.min_severity) for rule in self.rule]
        for name in ("spike", "scan", "hotspot"):
            part = getattr(self, name)
            if part is not None:
                found.append((f"{name}.severity", part.severity))
        return found


class DeadlineConfig(_Strict):
    severity: Severity = Field(ge=1)
    acknowledge: float | None = Field(default=None, gt=0)
    arrive: float | None = Field(default=None, gt=0)
    handle: float | None = Field(default=None, gt=0)
    resolve: float | None = Field(default=None, gt=0)

    def minutes(self, step: str) -> float | None:
        value: float | None = getattr(self, step)
        return value


class EscalationConfig(_Strict):
    max_escalations: int = Field(default=2, ge=0)


class RoutingConfig(_Strict):
    desa: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    kabupaten: tuple[str, ...] = ()
    provinsi: tuple[str, ...] = ()

    def kinds(self, level: int) -> tuple[str, ...]:
        """Unit kinds that answer for an alert whose area is at region ``level`` (1..4)."""
        return (self.provinsi, self.kabupaten, self.kecamatan, self.desa)[level - 1]


class ActionConfig(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,29}$")
    label: str = Field(min_length=1, max_length=120)
    label_en: str = Field(min_length=1, max_length=120)


class ResponseConfig(_Strict):
    deadline: tuple[DeadlineConfig, ...]
    escalation: EscalationConfig = EscalationConfig()
    routing: RoutingConfig
    action: tuple[ActionConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        levels = [d.severity for d in self.deadline]
        if len(set(levels)) != len(levels):
            raise ValueError("a severity has more than one [[deadline]]")
        codes = [a.code for a in self.action]
        if len(set(codes)) != len(codes):
            raise ValueError("action codes repeated")
        return self

    def deadline_for(self, severity: int, step: str) -> timedelta | None:
        for deadline in self.deadline:
            if deadline.severity == severity:
                minutes = deadline.minutes(step)
                return None if minutes is None else timedelta(minutes=minutes)
        return None

    def action_label(self, code: str, language: str = "id") -> str:
        for action in self.action:
            if action.code == code:
                return action.label_en if language == "en" else action.label
        return code


def check_against_taxonomy(
    detectors: DetectorsConfig, response: ResponseConfig, taxonomy: Taxonomy
) -> list[tuple[str, str]]:
    """Problems of codes that the report taxonomy does not know (categories, severity levels)."""
    problems: list[tuple[str, str]] = []
    top = taxonomy.max_severity
    for where, level in detectors.severities():
        if level > top:
            problems.append((f"{DETECTORS_FILE}: {where}", f"severity {level} is above the scale (1..{top})"))
    for rule in detectors.rule:
        for code in rule.categories:
            if taxonomy.category(code) is None:
                problems.append(
                    (f"{DETECTORS_FILE}: rule.{rule.id}.categories", f"unknown category '{code}'")
                )
    for index, deadline in enumerate(response.deadline):
        if deadline.severity > top:
            problems.append(
                (f"{RESPONSE_FILE}: deadline.{index}", f"severity {deadline.severity} is above 1..{top}")
            )
    return problems


class AlertsConfig:
    """Both files, checked against each other and against the taxonomy."""

    def __init__(self, detectors: DetectorsConfig, response: ResponseConfig, taxonomy: Taxonomy) -> None:
        problems = check_against_taxonomy(detectors, response, taxonomy)
        if problems:
            raise ConfigError("alerts configuration", problems)
        self.detectors = detectors
        self.response = response
        self.taxonomy = taxonomy


def load_alerts_config(config_dir: Path | None = None) -> AlertsConfig:
    return _cached(config_dir)


@cache
def _cached(config_dir: Path | None) -> AlertsConfig:
    return AlertsConfig(
        load_config(PACKAGE, DETECTORS_FILE, DetectorsConfig, config_dir),
        load_config(PACKAGE, RESPONSE_FILE, ResponseConfig, config_dir),
        load_taxonomy(config_dir),
    )

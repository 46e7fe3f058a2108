"""The election calendar: which election and stage a moment (in a place) falls in.

Stage dates are local calendar days, as the KPU publishes them, so a moment is turned into the
installation's local date before it is looked up. Overlapping stages are normal (voting day lies
inside "counting and recapitulation"); the shortest matching stage is the most specific one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tigapilar.core.configfiles import load_config
from tigapilar.regions.codes import code_problem

CALENDAR_FILE = "calendar.toml"


class StageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    label: str = Field(min_length=1, max_length=80)
    label_en: str = Field(min_length=1, max_length=80)
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"stage '{self.code}' ends ({self.end}) before it starts ({self.start})")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class ElectionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")
    name: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)
    kind: str = Field(pattern=r"^(pemilu|pilkada|psu|other)$")
    voting_day: date
    regions: tuple[str, ...] = ()
    stage: tuple[StageConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        codes = [s.code for s in self.stage]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"stage code(s) used twice: {', '.join(repeated)}")
        for code in self.regions:
            problem = code_problem(code)
            if problem:
                raise ValueError(f"region '{code}': {problem}")
        return self

    def applies_to(self, region_code: str | None) -> bool:
        if not self.regions or region_code is None:
            return True
        return any(region_code == r or region_code.startswith(r + ".") for r in self.regions)


class CalendarConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    election: tuple[ElectionConfig, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        codes = [e.code for e in self.election]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"election code(s) used twice: {', '.join(repeated)}")
        return self


@dataclass(frozen=True)
class StageAt:
    election: str
    stage: str
    election_name: str
    stage_label: str


@dataclass(frozen=True)
class Calendar:
    config: CalendarConfig
    timezone: ZoneInfo

    def stage_at(self, moment: datetime, region_code: str | None = None) -> StageAt | None:
        """The most specific stage that ``moment`` (aware) falls in for ``region_code``, if any."""
        day = moment.astimezone(self.timezone).date()
        best: tuple[int, ElectionConfig, StageConfig] | None = None
        for election in self.config.election:
            if not election.applies_to(region_code):
                continue
            for stage in election.stage:
                if stage.start <= day <= stage.end and (best is None or stage.days < best[0]):
                    best = (stage.days, election, stage)
        if best is None:
            return None
        _, election, stage = best
        return StageAt(election.code, stage.code, election.name, stage.label)

    def election(self, code: str) -> ElectionConfig | None:
        return next((e for e in self.config.election if e.code == code), None)

    def stage_label(self, election: str | None, stage: str | None, language: str = "id") -> str | None:
        found = self.election(election) if election else None
        for s in found.stage if found else ():
            if s.code == stage:
                return s.label_en if language == "en" else s.label
        return None


def load_calendar(config_dir: Path | None = None, timezone: str = "Asia/Makassar") -> Calendar:
    return _cached_calendar(config_dir, timezone)


@cache
def _cached_calendar(config_dir: Path | None, timezone: str) -> Calendar:
    config = load_config("tigapilar.elections", CALENDAR_FILE, CalendarConfig, config_dir)
    return Calendar(config=config, timezone=ZoneInfo(timezone))

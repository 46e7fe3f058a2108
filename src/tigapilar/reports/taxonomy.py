"""The report taxonomy (categories and severities), kept as data in ``categories.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tigapilar.core.configfiles import load_config

TAXONOMY_FILE = "categories.toml"


class CategoryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    label: str = Field(min_length=1, max_length=120)
    label_en: str = Field(min_length=1, max_length=120)
    sms: tuple[str, ...] = ()


class SeverityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: int = Field(ge=1, le=9)
    label: str = Field(min_length=1, max_length=40)
    label_en: str = Field(min_length=1, max_length=40)
    description: str = ""


class TaxonomyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: tuple[SeverityConfig, ...] = Field(min_length=2)
    category: tuple[CategoryConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [
            *_repeats("category code", [c.code for c in self.category]),
            *_repeats("SMS code", [s.upper() for c in self.category for s in c.sms]),
        ]
        levels = sorted(s.level for s in self.severity)
        if levels != list(range(1, len(levels) + 1)):
            problems.append(f"severity levels must be 1..n without gaps, got {levels}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _repeats(what: str, values: list[str]) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    return [f"{what}(s) used twice: {', '.join(repeated)}"] if repeated else []


@dataclass(frozen=True)
class Taxonomy:
    config: TaxonomyConfig

    @property
    def categories(self) -> tuple[CategoryConfig, ...]:
        return self.config.category

    @property
    def severities(self) -> tuple[SeverityConfig, ...]:
        return self.config.severity

    @property
    def max_severity(self) -> int:
        return len(self.config.severity)

    def category(self, code: str) -> CategoryConfig | None:
        return next((c for c in self.config.category if c.code == code), None)

    def category_for_sms(self, word: str) -> CategoryConfig | None:
        word = word.upper()
        return next(
            (c for c in self.config.category if word in {s.upper() for s in c.sms} or word == c.code.upper()),
            None,
        )

    def category_label(self, code: str, language: str = "id") -> str:
        found = self.category(code)
        if found is None:
            return code
        return found.label_en if language == "en" else found.label

    def severity_label(self, level: int, language: str = "id") -> str:
        found = next((s for s in self.config.severity if s.level == level), None)
        if found is None:
            return str(level)
        return found.label_en if language == "en" else found.label


def load_taxonomy(config_dir: Path | None = None) -> Taxonomy:
    return _cached(config_dir)


@cache
def _cached(config_dir: Path | None) -> Taxonomy:
    return Taxonomy(load_config("tigapilar.reports", TAXONOMY_FILE, TaxonomyConfig, config_dir))

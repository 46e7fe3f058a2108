"""What a detector hands over: a finding, with its place, time, statistic and evidence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Finding:
    detector: str  # rule | spike | scan | hotspot
    code: str  # the rule id, or the detector's name for the kind of finding
    severity: int
    desa: tuple[str, ...]  # the desa/kelurahan codes it concerns
    window_start: datetime
    window_end: datetime
    explanation: str  # Indonesian, for the people who act on it
    explanation_en: str
    report_ids: tuple[int, ...] = ()
    category: str | None = None
    statistic: str | None = None
    value: float | None = None
    p_value: float | None = None
    observed: float | None = None
    expected: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """The same detector finding the same evidence again gives the same fingerprint."""
        basis = ",".join(map(str, sorted(self.report_ids))) or ",".join(sorted(self.desa))
        digest = hashlib.sha256(basis.encode()).hexdigest()[:24]
        return f"{self.detector}:{self.code}:{digest}"


def angka(value: float, digits: int) -> str:
    """A number as Indonesian writes it: comma for decimals, dot for thousands (1.234,5)."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")

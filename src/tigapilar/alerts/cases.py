"""The reports detectors look at, read once per cycle as columns (one indexed range query)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.storage.models import Region, Report


@dataclass(frozen=True)
class Cases:
    """Reports that occurred in [since, until], duplicates merged away, in time order."""

    report_id: npt.NDArray[np.int64]
    desa: npt.NDArray[np.str_]
    occurred: npt.NDArray[np.float64]  # UTC seconds since the epoch
    category: npt.NDArray[np.str_]
    severity: npt.NDArray[np.int64]
    verified: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.report_id)

    def select(self, mask: npt.NDArray[np.bool_]) -> Cases:
        return Cases(
            self.report_id[mask],
            self.desa[mask],
            self.occurred[mask],
            self.category[mask],
            self.severity[mask],
            self.verified[mask],
        )


def load_cases(
    session: Session,
    since: datetime,
    until: datetime,
    verified_statuses: Sequence[str],
    unverified_statuses: Sequence[str],
) -> Cases:
    rows = session.execute(
        select(
            Report.id, Report.desa_code, Report.occurred_at, Report.category, Report.severity, Report.status
        )
        .where(
            Report.occurred_at >= since,
            Report.occurred_at <= until,
            Report.status.in_([*verified_statuses, *unverified_statuses]),
            Report.duplicate_of.is_(None),
        )
        .order_by(Report.occurred_at, Report.id)
    ).all()
    verified = set(verified_statuses)
    return Cases(
        report_id=np.array([r[0] for r in rows], dtype=np.int64),
        desa=np.array([r[1] for r in rows], dtype=np.str_),
        occurred=np.array([r[2].timestamp() for r in rows], dtype=np.float64),
        category=np.array([r[3] for r in rows], dtype=np.str_),
        severity=np.array([r[4] for r in rows], dtype=np.int64),
        verified=np.array([r[5] in verified for r in rows], dtype=np.bool_),
    )


def region_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(codes))
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        names.update(session.execute(select(Region.code, Region.name).where(Region.code.in_(chunk))).all())
    return names

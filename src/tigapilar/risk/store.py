"""Writing scores and snapshots, and reading them back for explanations."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from tigapilar.risk.engine import Scored
from tigapilar.risk.profile import Leaf
from tigapilar.storage.bulk import batched, insert_rows, upsert_rows
from tigapilar.storage.models import RiskScore, RiskSnapshot

SCORE_TABLE = cast(Table, RiskScore.__table__)
SNAPSHOT_TABLE = cast(Table, RiskSnapshot.__table__)
DIGITS = 4  # points are kept to 1/10,000 of a point: far below what anyone reads, stable to compare


def score_rows(
    profile: str, scored: Scored, found: Sequence[Leaf], now: datetime
) -> Iterator[dict[str, Any]]:
    codes = [leaf.indicator.code for leaf in found]
    contributions = scored.contributions.round(DIGITS)
    for i, key in enumerate(scored.keys):
        row = contributions[i]
        nonzero = row.nonzero()[0]
        explained = {codes[j]: float(row[j]) for j in nonzero.tolist()}
        yield {
            "profile": profile,
            "level": scored.level,
            "place": key,
            "area_code": str(scored.area[i]),
            "tps_id": int(scored.tps_id[i]) if scored.tps_id is not None else None,
            "score": round(float(scored.score[i]), DIGITS),
            "worst": round(float(scored.worst[i]), DIGITS),
            "category": scored.category[i],
            "khusus": bool(scored.khusus[i]),
            "places": int(scored.places[i]),
            "dpt": int(scored.dpt[i]),
            "contributions": json.dumps(explained, separators=(",", ":")),
            "computed_at": now,
        }


def replace_scores(
    session: Session, profile: str, levels: Sequence[tuple[Scored, Sequence[Leaf]]], now: datetime
) -> int:
    """Replace every score of ``profile`` (a full recompute; readers see the old ones until commit)."""
    session.execute(delete(RiskScore).where(RiskScore.profile == profile))
    written = 0
    for scored, found in levels:
        written += insert_rows(session, SCORE_TABLE, score_rows(profile, scored, found, now))
    return written


def update_scores(
    session: Session, profile: str, levels: Sequence[tuple[Scored, Sequence[Leaf]]], now: datetime
) -> int:
    written = 0
    for scored, found in levels:
        written += upsert_rows(
            session,
            SCORE_TABLE,
            score_rows(profile, scored, found, now),
            key=["profile", "level", "place"],
        )
    return written


def take_snapshot(session: Session, profile: str, day: date) -> int:
    """Copy the current scores of ``profile`` as the snapshot of ``day`` (replacing one taken that day)."""
    session.execute(delete(RiskSnapshot).where(RiskSnapshot.profile == profile, RiskSnapshot.day == day))
    source = select(RiskScore.level, RiskScore.place, RiskScore.score, RiskScore.category).where(
        RiskScore.profile == profile
    )
    written = 0
    for batch in batched(session.execute(source), 20_000):
        rows = [
            {
                "profile": profile,
                "day": day,
                "level": level,
                "place": place,
                "score": score,
                "category": category,
            }
            for level, place, score, category in batch
        ]
        session.execute(insert(SNAPSHOT_TABLE), rows)
        written += len(rows)
    return written


def has_snapshot(session: Session, profile: str, day: date) -> bool:
    found = session.scalar(
        select(RiskSnapshot.day).where(RiskSnapshot.profile == profile, RiskSnapshot.day == day).limit(1)
    )
    return found is not None

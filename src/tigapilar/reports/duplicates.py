"""Suggested duplicates for a report: same kecamatan and category, close in time, similar text.

The same incident is often reported by two pillars of one village, or by SMS and again on ODK.
Candidates come from an indexed query (category, time window, kecamatan prefix); the text is then
compared with rapidfuzz's token-set ratio, which is robust to word order and to one report saying
more than the other. The suggestion says why, and an analyst decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.core.scope import Scope
from tigapilar.regions.codes import KECAMATAN_CODE_LENGTH
from tigapilar.reports.views import visible, visible_report
from tigapilar.storage.models import Report

WINDOW = timedelta(hours=48)
MIN_SCORE = 0.5
MAX_CANDIDATES = 200
# Weights of the evidence; they add up to 1.
TEXT_WEIGHT, SAME_DESA_WEIGHT, TIME_WEIGHT = 0.6, 0.25, 0.15


@dataclass(frozen=True)
class Suggestion:
    report_id: int
    score: float  # 0..1
    text_similarity: float  # 0..1
    same_desa: bool
    hours_apart: float
    status: str
    title: str


def suggest_duplicates(
    session: Session, principal: Principal, report_id: int, limit: int = 5
) -> list[Suggestion]:
    report = visible_report(session, principal, report_id)
    kecamatan = report.desa_code[:KECAMATAN_CODE_LENGTH]
    candidates = session.scalars(
        select(Report)
        .where(
            visible(principal.scope),
            Scope.of([kecamatan]).clause(Report.desa_code),
            Report.category == report.category,
            Report.occurred_at >= report.occurred_at - WINDOW,
            Report.occurred_at <= report.occurred_at + WINDOW,
            Report.id != report.id,
            Report.status != "ditolak",
        )
        .order_by(Report.occurred_at)
        .limit(MAX_CANDIDATES)
    ).all()
    mine = _text(report)
    found = []
    for other in candidates:
        text = fuzz.token_set_ratio(mine, _text(other)) / 100
        hours = abs((other.occurred_at - report.occurred_at).total_seconds()) / 3600
        closeness = 1 - min(hours / (WINDOW.total_seconds() / 3600), 1)
        same_desa = other.desa_code == report.desa_code
        score = TEXT_WEIGHT * text + SAME_DESA_WEIGHT * same_desa + TIME_WEIGHT * closeness
        if score >= MIN_SCORE:
            found.append(
                Suggestion(
                    other.id,
                    round(score, 3),
                    round(text, 3),
                    same_desa,
                    round(hours, 1),
                    other.status,
                    other.title,
                )
            )
    found.sort(key=lambda s: (-s.score, s.report_id))
    return found[:limit]


def _text(report: Report) -> str:
    return f"{report.title} {report.description}".lower()

"""Detector 2, spikes: reports per area (kecamatan by default) and category in the last hours against
what that area usually sends at this stage of the election (``detection.spikes``).

Exposure is counted hour by hour from the calendar, per province (an election may cover only some
provinces), so a 24-hour window across two stages counts part of each. Every area of the provinces
that sent reports is tested, quiet ones included: they are the baseline the others are measured
against.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.alerts.cases import Cases
from tigapilar.alerts.config import SpikeConfig
from tigapilar.alerts.findings import Finding, angka
from tigapilar.alerts.setup import AlertSetup
from tigapilar.detection.spikes import spike_test
from tigapilar.elections.calendar import Calendar
from tigapilar.regions.codes import CODE_LENGTH
from tigapilar.storage.models import Region

LEVELS = {"kecamatan": 3, "desa": 4}


def hourly_exposure(
    calendar: Calendar, intensity: dict[str, float], province: str, start: datetime, hours: int
) -> float:
    """Σ over the hours from ``start`` of the intensity of the stage each hour falls in (1 if none), / 24."""
    total = 0.0
    for hour in range(hours):
        stage = calendar.stage_at(start + timedelta(hours=hour), province)
        total += intensity.get(stage.stage, 1.0) if stage else 1.0
    return total / 24


def spike_findings(
    session: Session,
    cases: Cases,
    config: SpikeConfig,
    now: datetime,
    names: dict[str, str],
    setup: AlertSetup,
) -> list[Finding]:
    level = LEVELS[config.level]
    # Areas borrow the rate of the region above them (a kecamatan its kab/kota, a desa its kecamatan).
    length, parent_length = CODE_LENGTH[level], CODE_LENGTH[level - 1]
    window_start = now - timedelta(hours=config.window_hours)
    baseline_start = window_start - timedelta(days=config.baseline_days)
    if not len(cases):
        return []
    provinces = sorted({str(d)[:2] for d in cases.desa})
    areas = sorted(_codes_under(session, provinces, level))
    if not areas:
        return []
    index = {code: i for i, code in enumerate(areas)}
    categories = sorted({c.code for c in setup.config.taxonomy.categories})
    column = {code: j for j, code in enumerate(categories)}
    area_of = np.array([index.get(str(d)[:length], -1) for d in cases.desa], dtype=np.int64)
    known = (area_of >= 0) & np.isin(cases.category, categories)
    in_window = known & (cases.occurred > window_start.timestamp()) & (cases.occurred <= now.timestamp())
    in_baseline = (
        known & (cases.occurred > baseline_start.timestamp()) & (cases.occurred <= window_start.timestamp())
    )
    shape = (len(areas), len(categories))
    window, baseline = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
    category_of = np.array([column.get(str(c), 0) for c in cases.category], dtype=np.int64)
    np.add.at(window, (area_of[in_window], category_of[in_window]), 1)
    np.add.at(baseline, (area_of[in_baseline], category_of[in_baseline]), 1)

    intensity = dict(config.stage_intensity)
    window_hours = max(1, round(config.window_hours))
    exposures = {
        p: (
            hourly_exposure(setup.calendar, intensity, p, window_start, window_hours),
            hourly_exposure(setup.calendar, intensity, p, baseline_start, config.baseline_days * 24),
        )
        for p in provinces
    }
    parents = sorted({code[:parent_length] for code in areas})
    parent_index = {code: i for i, code in enumerate(parents)}
    result = spike_test(
        window,
        baseline,
        np.array([exposures[a[:2]][0] for a in areas]),
        np.array([exposures[a[:2]][1] for a in areas]),
        parent=np.array([parent_index[a[:parent_length]] for a in areas]),
        alpha=config.alpha,
        min_count=config.min_count,
    )
    stage = setup.calendar.stage_at(now, provinces[0])
    findings = []
    for area_i, category_j in result.cells():
        area, category = areas[area_i], categories[category_j]
        members = in_window & (area_of == area_i) & (category_of == category_j)
        p = float(result.p[area_i, category_j])
        observed, expected = (
            int(result.observed[area_i, category_j]),
            float(result.expected[area_i, category_j]),
        )
        severity = min(config.severity + (p < config.strong_alpha), setup.config.taxonomy.max_severity)
        label = setup.config.taxonomy.category_label(category).lower()
        label_en = setup.config.taxonomy.category_label(category, "en").lower()
        name = names.get(area) or _name(session, area)
        hours = f"{config.window_hours:g}"
        stage_text = f" (tahap {stage.stage_label.lower()})" if stage else ""
        text = (
            f"Lonjakan laporan {label} di {name}: {result.explain(area_i, category_j, f'{hours} jam')}"
            f"{stage_text}; p = {angka(p, 5)}."
        )
        text_en = (
            f"Spike in {label_en} reports in {name}: {observed} in {hours} hours, usually "
            f"{expected:.1f} at this stage; p = {p:.5f}."
        )
        times = [datetime.fromtimestamp(float(t), UTC) for t in cases.occurred[members]]
        findings.append(
            Finding(
                detector="spike",
                code=config.level,
                severity=int(severity),
                desa=tuple(sorted({str(d) for d in cases.desa[members]})),
                window_start=min(times),
                window_end=max(times),
                explanation=text,
                explanation_en=text_en,
                report_ids=tuple(int(r) for r in cases.report_id[members]),
                category=category,
                statistic="poisson",
                value=round(observed / expected, 4) if expected > 0 else None,
                p_value=p,
                observed=float(observed),
                expected=round(expected, 6),
                evidence={
                    "area": area,
                    "baseline_reports": int(result.baseline[area_i, category_j]),
                    "window_exposure": round(float(result.window_exposure[area_i]), 4),
                    "baseline_exposure": round(float(result.baseline_exposure[area_i]), 4),
                    "window_hours": config.window_hours,
                    "baseline_days": config.baseline_days,
                    "alpha": config.alpha,
                    "min_count": config.min_count,
                    "expected_false_alarms_this_cycle": round(result.expected_false_alarms(), 4),
                },
            )
        )
    return findings


def _codes_under(session: Session, provinces: list[str], level: int) -> list[str]:
    codes: list[str] = []
    for province in provinces:
        codes += session.scalars(
            select(Region.code).where(
                Region.level == level, Region.code >= province + ".", Region.code < province + "/"
            )
        )
    return codes


def _name(session: Session, code: str) -> str:
    return session.scalar(select(Region.name).where(Region.code == code)) or code

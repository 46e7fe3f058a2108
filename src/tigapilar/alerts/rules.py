"""Detector 1, rules: a verified report of some categories and severity, or N of them in one place
within a window. Rules are data (detectors.toml [[rule]])."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import numpy as np

from tigapilar.alerts.cases import Cases
from tigapilar.alerts.config import RuleConfig
from tigapilar.alerts.findings import Finding
from tigapilar.regions.codes import KECAMATAN_CODE_LENGTH
from tigapilar.reports.taxonomy import Taxonomy


def apply_rules(
    cases: Cases, rules: tuple[RuleConfig, ...], now: datetime, names: dict[str, str], taxonomy: Taxonomy
) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        mask = cases.verified & (cases.severity >= rule.min_severity)
        mask &= cases.occurred > now.timestamp() - rule.window_hours * 3600
        mask &= cases.occurred <= now.timestamp()
        if rule.categories:
            mask &= np.isin(cases.category, rule.categories)
        hits = cases.select(mask)
        groups: dict[str, list[int]] = defaultdict(list)
        for index, desa in enumerate(hits.desa):
            place = str(desa) if rule.level == "desa" else str(desa)[:KECAMATAN_CODE_LENGTH]
            groups[place].append(index)
        for place, members in sorted(groups.items()):
            if len(members) < rule.count:
                continue
            batches = [[m] for m in members] if rule.count == 1 else [members]
            for batch in batches:
                findings.append(_finding(rule, place, hits, batch, names, taxonomy))
    return findings


def _finding(
    rule: RuleConfig, place: str, hits: Cases, batch: list[int], names: dict[str, str], taxonomy: Taxonomy
) -> Finding:
    times = [datetime.fromtimestamp(float(hits.occurred[i]), UTC) for i in batch]
    categories = sorted({str(hits.category[i]) for i in batch})
    name = names.get(place, place)
    labels = ", ".join(taxonomy.category_label(c).lower() for c in categories)
    labels_en = ", ".join(taxonomy.category_label(c, "en").lower() for c in categories)
    n = len(batch)
    if n == 1:
        top = int(hits.severity[batch[0]])
        text = f"Laporan terverifikasi {labels} tingkat {taxonomy.severity_label(top)} di {name}."
        text_en = f"Verified {labels_en} report of {taxonomy.severity_label(top, 'en')} severity in {name}."
    else:
        text = f"{n} laporan terverifikasi ({labels}) di {name} dalam {rule.window_hours:g} jam."
        text_en = f"{n} verified reports ({labels_en}) in {name} within {rule.window_hours:g} hours."
    text += f" Aturan: {rule.label}."
    text_en += f" Rule: {rule.label_en}."
    return Finding(
        detector="rule",
        code=rule.id,
        severity=rule.severity,
        desa=tuple(sorted({str(hits.desa[i]) for i in batch})),
        window_start=min(times),
        window_end=max(times),
        explanation=text,
        explanation_en=text_en,
        report_ids=tuple(int(hits.report_id[i]) for i in batch),
        category=categories[0] if len(categories) == 1 else None,
        statistic="count",
        value=float(n),
        observed=float(n),
        evidence={
            "rule": rule.id,
            "place": place,
            "window_hours": rule.window_hours,
            "min_count": rule.count,
        },
    )

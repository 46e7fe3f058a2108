"""Detector 4, hotspots of vulnerability: Getis-Ord Gi* on the current desa scores of one profile,
over each desa's nearest neighbours, with permutation inference. A kecamatan with enough hot desa
(high scores surrounded by high scores, z > 0, pseudo p < alpha) raises one finding.

Hotspots carry no reports: the same set of hot desa is the same finding (its fingerprint), so a
closed hotspot alert comes back only when the set changes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.alerts.config import HotspotConfig
from tigapilar.alerts.findings import Finding, angka
from tigapilar.detection.gistar import gi_star
from tigapilar.detection.neighbours import knn_weights
from tigapilar.detection.projection import to_ecef
from tigapilar.regions.codes import KECAMATAN_CODE_LENGTH
from tigapilar.storage.models import Region, RiskScore


def hotspot_findings(session: Session, config: HotspotConfig, now: datetime) -> list[Finding]:
    rows = session.execute(
        select(RiskScore.place, RiskScore.score, Region.lat, Region.lng)
        .join(Region, Region.code == RiskScore.place)
        .where(
            RiskScore.profile == config.profile,
            RiskScore.level == "desa",
            Region.lat.is_not(None),
            Region.lng.is_not(None),
        )
        .order_by(RiskScore.place)
    ).all()
    if len(rows) <= config.neighbours or sum(r[1] for r in rows) <= 0:
        return []
    codes = [str(r[0]) for r in rows]
    scores = np.array([r[1] for r in rows], dtype=np.float64)
    points = to_ecef(np.array([r[2] for r in rows]), np.array([r[3] for r in rows]))
    result = gi_star(
        scores, knn_weights(points, config.neighbours), permutations=config.permutations, seed=config.seed
    )
    hot = np.flatnonzero((result.z > 0) & (result.p_sim < config.alpha))
    by_kecamatan: dict[str, list[int]] = defaultdict(list)
    for index in hot:
        by_kecamatan[codes[index][:KECAMATAN_CODE_LENGTH]].append(int(index))
    names = dict(
        session.execute(select(Region.code, Region.name).where(Region.code.in_(list(by_kecamatan)))).all()
    )
    findings = []
    for kecamatan, members in sorted(by_kecamatan.items()):
        if len(members) < config.min_desa:
            continue
        z = result.z[members]
        p = float(result.p_sim[members].max())
        name = names.get(kecamatan, kecamatan)
        mean_score = float(scores[members].mean())
        text = (
            f"Titik panas kerawanan (Gi*): {len(members)} desa di {name} berskor tinggi dan dikelilingi "
            f"desa berskor tinggi (rata-rata {angka(mean_score, 1)}; z {angka(float(z.min()), 1)} sampai "
            f"{angka(float(z.max()), 1)}; p ≤ {angka(p, 3)}, {config.permutations} permutasi; "
            f"profil {config.profile})."
        )
        text_en = (
            f"Vulnerability hotspot (Gi*): {len(members)} villages in {name} score high among high-scoring "
            f"neighbours (mean {mean_score:.1f}; z {float(z.min()):.1f} to {float(z.max()):.1f}; "
            f"p ≤ {p:.3f}, {config.permutations} permutations; profile {config.profile})."
        )
        findings.append(
            Finding(
                detector="hotspot",
                code=config.profile,
                severity=config.severity,
                desa=tuple(codes[i] for i in members),
                window_start=now,
                window_end=now,
                explanation=text,
                explanation_en=text_en,
                statistic="gi_star_z",
                value=round(float(z.max()), 6),
                p_value=p,
                evidence={
                    "desa": [codes[i] for i in members],
                    "z": [round(float(v), 4) for v in z],
                    "scores": [round(float(v), 2) for v in scores[members]],
                    "neighbours": config.neighbours,
                    "permutations": config.permutations,
                    "seed": config.seed,
                    "profile": config.profile,
                },
            )
        )
    return findings

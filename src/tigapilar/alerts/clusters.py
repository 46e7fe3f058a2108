"""Detector 3, space-time clusters: Kulldorff's prospective space-time permutation scan over the
centroids of the desa that sent reports, in local days (WITA), each cluster ending today.

Distances are straight lines between points on the WGS84 ellipsoid (``to_ecef``): within a metre of
the geodesic at the cylinder sizes used, and right anywhere in Indonesia, where one UTM zone is not.
Reports from a desa without a centroid cannot be placed and are left out (the finding says how many).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.alerts.cases import Cases
from tigapilar.alerts.config import ScanConfig
from tigapilar.alerts.findings import Finding, angka
from tigapilar.detection.projection import to_ecef
from tigapilar.detection.scan import Cluster, space_time_permutation_scan
from tigapilar.storage.models import Region


def local_days(occurred: npt.NDArray[np.float64], timezone: str) -> npt.NDArray[np.int64]:
    """The local calendar day of each UTC timestamp, as days since 1970-01-01 (local)."""
    zone = ZoneInfo(timezone)
    offsets = np.zeros(len(occurred))
    for index, moment in enumerate(occurred):
        offset = datetime.fromtimestamp(float(moment), UTC).astimezone(zone).utcoffset()
        offsets[index] = offset.total_seconds() if offset else 0.0
    return np.floor((occurred + offsets) / 86400).astype(np.int64)


def day_start(day: int, zone: ZoneInfo) -> datetime:
    """The UTC moment local day ``day`` (days since 1970-01-01, local) begins."""
    return datetime.combine(date(1970, 1, 1) + timedelta(days=day), time(), zone).astimezone(UTC)


def scan_findings(
    session: Session, cases: Cases, config: ScanConfig, now: datetime, names: dict[str, str], timezone: str
) -> list[Finding]:
    today = int(local_days(np.array([now.timestamp()]), timezone)[0])
    first = today - config.study_days + 1
    day = local_days(cases.occurred, timezone)
    in_study = (day >= first) & (day <= today)
    cases = cases.select(in_study)
    day = day[in_study] - first
    codes = sorted({str(d) for d in cases.desa})
    centroids = {
        code: (lat, lng)
        for code, lat, lng in session.execute(
            select(Region.code, Region.lat, Region.lng).where(
                Region.code.in_(codes), Region.lat.is_not(None), Region.lng.is_not(None)
            )
        )
    }
    placed = sorted(centroids)
    if not placed:
        return []
    row = {code: index for index, code in enumerate(placed)}
    has_place = np.array([str(d) in row for d in cases.desa], dtype=bool)
    unplaced = int((~has_place).sum())
    cases, day = cases.select(has_place), day[has_place]
    lat = np.array([centroids[c][0] for c in placed])
    lng = np.array([centroids[c][1] for c in placed])
    location = np.array([row[str(d)] for d in cases.desa], dtype=np.int64)
    result = space_time_permutation_scan(
        to_ecef(lat, lng),
        location,
        day,
        config.study_days,
        max_radius_m=config.max_radius_km * 1000,
        max_window_days=config.max_window_days,
        max_share_of_cases=config.max_share_of_cases,
        min_cases=config.min_cases,
        replications=config.replications,
        seed=config.seed,
    )
    zone = ZoneInfo(timezone)
    findings = []
    for cluster in result.clusters:
        if not cluster.p_value < config.alpha:
            continue
        findings.append(
            _finding(
                cluster, placed, cases, location, day, first, zone, config, names, result.n_cases, unplaced
            )
        )
    return findings


def _finding(
    cluster: Cluster,
    placed: list[str],
    cases: Cases,
    location: npt.NDArray[np.int64],
    day: npt.NDArray[np.int64],
    first: int,
    zone: ZoneInfo,
    config: ScanConfig,
    names: dict[str, str],
    n_cases: int,
    unplaced: int,
) -> Finding:
    inside = np.isin(location, cluster.locations) & (day >= cluster.start_day) & (day <= cluster.end_day)
    # The alert concerns the desa whose reports make the cluster; the cylinder may hold more.
    desa = tuple(sorted({str(d) for d in cases.desa[inside]}))
    members = [placed[i] for i in cluster.locations]
    report_ids = tuple(int(r) for r in cases.report_id[inside])
    start = day_start(first + cluster.start_day, zone)
    end = datetime.fromtimestamp(float(cases.occurred[inside].max()), UTC)
    days = cluster.end_day - cluster.start_day + 1
    centre = placed[cluster.centre]
    centre_name = names.get(centre, centre)
    radius_km = cluster.radius_m / 1000
    categories = sorted({str(c) for c in cases.category[inside]})
    text = (
        f"Klaster ruang-waktu: {cluster.observed} laporan di {len(desa)} desa sekitar {centre_name} "
        f"(radius {angka(radius_km, 1)} km) dalam {days} hari terakhir; diharapkan "
        f"{angka(cluster.expected, 1)} (risiko relatif {angka(cluster.relative_risk, 1)}), "
        f"p = {angka(cluster.p_value, 3)} "
        f"({config.replications} replikasi Monte Carlo)."
    )
    text_en = (
        f"Space-time cluster: {cluster.observed} reports in {len(desa)} villages around {centre_name} "
        f"(radius {radius_km:.1f} km) over the last {days} days; {cluster.expected:.1f} expected "
        f"(relative risk {cluster.relative_risk:.1f}), p = {cluster.p_value:.3f} "
        f"({config.replications} Monte Carlo replications)."
    )
    return Finding(
        detector="scan",
        code="space-time-permutation",
        severity=config.severity,
        desa=desa,
        window_start=start,
        window_end=end,
        explanation=text,
        explanation_en=text_en,
        report_ids=report_ids,
        category=categories[0] if len(categories) == 1 else None,
        statistic="llr",
        value=round(cluster.llr, 6),
        p_value=cluster.p_value,
        observed=float(cluster.observed),
        expected=round(cluster.expected, 6),
        evidence={
            "center_desa": centre,
            "desa": list(desa),
            "cylinder_desa": members,
            "radius_m": round(cluster.radius_m, 1),
            "days": days,
            "relative_risk": round(cluster.relative_risk, 4),
            "replications": config.replications,
            "seed": config.seed,
            "cases_in_study": n_cases,
            "cases_without_centroid": unplaced,
            "study_days": config.study_days,
            "max_radius_km": config.max_radius_km,
            "max_window_days": config.max_window_days,
        },
    )

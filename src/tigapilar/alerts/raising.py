"""From findings to alerts: record each finding once, join it to the open alert it overlaps or raise
a new one, route it to the units of its place and tell them.

A finding overlaps an open alert when they share a desa or a report and the alert's evidence is no
older than ``merge_hours`` before the finding's; a finding that overlaps several open alerts merges
them into the oldest. A finding whose reports were all answered by closed alerts is old news and is
not recorded (a closed alert is not raised again by the same reports as the window slides); hotspot
findings, which carry no reports, are told apart by their fingerprint, the set of desa.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tigapilar.alerts import notify
from tigapilar.alerts.findings import Finding
from tigapilar.alerts.routing import common_area, recipients, route, units_for
from tigapilar.alerts.setup import AlertSetup
from tigapilar.alerts.workflow import NEXT_STEP, STAMPS
from tigapilar.storage.models import Alert, AlertEvent, AlertPlace, AlertReport, AlertRoute, Detection, Region

OPEN = ("baru", "diterima", "di_lokasi", "ditangani")

# How a detector's finding is named in an alert's title.
TITLES = {
    "rule": ("{label}", "{label_en}"),
    "spike": ("Lonjakan laporan {category}", "Spike in {category_en} reports"),
    "scan": ("Klaster laporan ruang-waktu", "Space-time cluster of reports"),
    "hotspot": ("Titik panas kerawanan", "Vulnerability hotspot"),
}


@dataclass(frozen=True)
class Raised:
    alert_id: int
    new: bool  # True: a new alert; False: the finding joined an open one
    fingerprint: str


def raise_alerts(
    session: Session, findings: Sequence[Finding], now: datetime, setup: AlertSetup
) -> list[Raised]:
    done: list[Raised] = []
    # The widest findings first (clusters, spikes), so that the single reports inside them join the
    # alert they raise rather than each raising its own.
    for finding in sorted(
        findings, key=lambda f: (-len(f.desa), -len(f.report_ids), f.window_end, f.fingerprint)
    ):
        if _known(session, finding):
            continue
        overlapping = _overlapping(session, finding, setup)
        if not overlapping:
            alert = _new_alert(session, finding, now, setup)
            done.append(Raised(alert.id, True, finding.fingerprint))
            continue
        alert, others = overlapping[0], overlapping[1:]
        for other in others:
            _absorb(session, alert, other, now)
        _join(session, alert, finding, now, setup)
        done.append(Raised(alert.id, False, finding.fingerprint))
    return done


def _known(session: Session, finding: Finding) -> bool:
    if session.scalar(select(Detection.id).where(Detection.fingerprint == finding.fingerprint)) is not None:
        return True
    if not finding.report_ids:
        return False
    # Reports already answered by a closed alert do not raise another one as the window slides on;
    # reports of an open alert still join it (the finding may say more: a higher severity).
    answered = set(
        session.scalars(
            select(AlertReport.report_id)
            .join(Alert, Alert.id == AlertReport.alert_id)
            .where(AlertReport.report_id.in_(finding.report_ids), Alert.status.not_in(OPEN))
        )
    )
    return answered >= set(finding.report_ids)


def _overlapping(session: Session, finding: Finding, setup: AlertSetup) -> list[Alert]:
    since = finding.window_start - timedelta(hours=setup.config.detectors.merge.merge_hours)
    shares = [Alert.id.in_(select(AlertPlace.alert_id).where(AlertPlace.desa_code.in_(finding.desa)))]
    if finding.report_ids:
        shares.append(
            Alert.id.in_(select(AlertReport.alert_id).where(AlertReport.report_id.in_(finding.report_ids)))
        )
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.status.in_(OPEN), Alert.window_end >= since, or_(*shares))
            .order_by(Alert.created_at, Alert.id)
            .with_for_update()
        )
    )


def _absorb(session: Session, keeper: Alert, other: Alert, now: datetime) -> None:
    """A finding bridges two open alerts: they are one situation. The older keeps everything (places,
    reports, detections, units); the other is closed as merged, pointing to it, its timeline kept."""
    places = set(session.scalars(select(AlertPlace.desa_code).where(AlertPlace.alert_id == keeper.id)))
    for code in session.scalars(select(AlertPlace.desa_code).where(AlertPlace.alert_id == other.id)):
        if code not in places:
            session.add(AlertPlace(alert_id=keeper.id, desa_code=code))
    reports = set(session.scalars(select(AlertReport.report_id).where(AlertReport.alert_id == keeper.id)))
    for report_id in session.scalars(select(AlertReport.report_id).where(AlertReport.alert_id == other.id)):
        if report_id not in reports:
            session.add(AlertReport(alert_id=keeper.id, report_id=report_id))
    routed = {
        r.unit_id: r for r in session.scalars(select(AlertRoute).where(AlertRoute.alert_id == keeper.id))
    }
    for route_row in session.scalars(select(AlertRoute).where(AlertRoute.alert_id == other.id)):
        if route_row.unit_id not in routed:
            session.add(
                AlertRoute(
                    alert_id=keeper.id, unit_id=route_row.unit_id, level=route_row.level, routed_at=now
                )
            )
    for detection in session.scalars(select(Detection).where(Detection.alert_id == other.id)):
        detection.alert_id = keeper.id
    keeper.severity = max(keeper.severity, other.severity)
    keeper.window_start = min(keeper.window_start, other.window_start)
    keeper.window_end = max(keeper.window_end, other.window_end)
    keeper.escalation_level = max(keeper.escalation_level, other.escalation_level)
    if other.due_at is not None and (keeper.due_at is None or other.due_at < keeper.due_at):
        keeper.due_at = other.due_at
    keeper.updated_at = now
    text, text_en = f"Digabung ke peringatan #{keeper.id}.", f"Merged into alert #{keeper.id}."
    other_status = other.status
    other.status, other.closed_at, other.updated_at, other.due_at = "dibatalkan", now, now, None
    other.cancel_reason = text
    session.add(
        AlertEvent(
            alert_id=other.id,
            at=now,
            kind="status",
            from_status=other_status,
            to_status="dibatalkan",
            text=text,
            text_en=text_en,
        )
    )
    session.add(
        AlertEvent(
            alert_id=keeper.id,
            at=now,
            kind="detection",
            text=f"Peringatan #{other.id} ({other.title}) digabung ke sini.",
            text_en=f"Alert #{other.id} ({other.title_en}) merged into this one.",
        )
    )
    session.flush()


def _title(session: Session, finding: Finding, area_code: str, setup: AlertSetup) -> tuple[str, str]:
    taxonomy = setup.config.taxonomy
    rule = next((r for r in setup.config.detectors.rule if r.id == finding.code), None)
    values = {
        "label": rule.label if rule else finding.code,
        "label_en": rule.label_en if rule else finding.code,
        "category": taxonomy.category_label(finding.category).lower() if finding.category else "",
        "category_en": taxonomy.category_label(finding.category, "en").lower() if finding.category else "",
    }
    title, title_en = (t.format(**values) for t in TITLES[finding.detector])
    name = session.scalar(select(Region.name).where(Region.code == area_code)) or area_code
    return f"{title} di {name}", f"{title_en} in {name}"


def _new_alert(session: Session, finding: Finding, now: datetime, setup: AlertSetup) -> Alert:
    area = common_area(finding.desa)
    title, title_en = _title(session, finding, area, setup)
    stage = setup.calendar.stage_at(finding.window_end, area)
    deadline = setup.config.response.deadline_for(finding.severity, "acknowledge")
    alert = Alert(
        status="baru",
        severity=finding.severity,
        area_code=area,
        category=finding.category,
        title=title[:240],
        title_en=title_en[:240],
        election=stage.election if stage else None,
        stage=stage.stage if stage else None,
        window_start=finding.window_start,
        window_end=finding.window_end,
        created_at=now,
        updated_at=now,
        due_at=now + deadline if deadline else None,
        escalation_level=0,
    )
    session.add(alert)
    session.flush()
    detection = _record(session, alert, finding, area, now)
    _attach(session, alert, finding)
    session.add(
        AlertEvent(
            alert_id=alert.id,
            at=now,
            kind="raised",
            to_status="baru",
            text=finding.explanation,
            text_en=finding.explanation_en,
            detection_id=detection.id,
        )
    )
    units = route(
        session, alert.id, units_for(session, setup.config.response.routing, area, finding.desa), 0, now
    )
    session.flush()
    notify.tell(
        session,
        alert,
        "alert.created",
        recipients(session, [u.id for u in units], finding.desa),
        now,
        setup.notifications,
        what=finding.explanation,
        what_en=finding.explanation_en,
    )
    return alert


def _join(session: Session, alert: Alert, finding: Finding, now: datetime, setup: AlertSetup) -> None:
    desa = sorted(
        set(finding.desa)
        | set(session.scalars(select(AlertPlace.desa_code).where(AlertPlace.alert_id == alert.id)))
    )
    area = common_area(desa)
    detection = _record(session, alert, finding, finding_area(finding), now)
    _attach(session, alert, finding)
    raised = finding.severity > alert.severity
    if raised:
        alert.severity = finding.severity
        _tighten_deadline(alert, setup)
    alert.window_start = min(alert.window_start, finding.window_start)
    alert.window_end = max(alert.window_end, finding.window_end)
    alert.area_code = area
    alert.updated_at = now
    session.add(
        AlertEvent(
            alert_id=alert.id,
            at=now,
            kind="detection",
            text=finding.explanation,
            text_en=finding.explanation_en,
            detection_id=detection.id,
        )
    )
    level = max(session.scalars(select(AlertRoute.level).where(AlertRoute.alert_id == alert.id)), default=0)
    added = route(
        session, alert.id, units_for(session, setup.config.response.routing, area, desa), level, now
    )
    session.flush()
    if raised or added:
        notify.tell(
            session,
            alert,
            "alert.updated",
            recipients(session, [u.id for u in added], finding.desa)
            if not raised
            else _routed_users(session, alert, desa),
            now,
            setup.notifications,
            what=finding.explanation,
            what_en=finding.explanation_en,
        )


def _tighten_deadline(alert: Alert, setup: AlertSetup) -> None:
    """A higher severity has shorter deadlines: the step the alert waits for may now be due sooner."""
    step = NEXT_STEP.get(alert.status)
    if step is None:
        return
    started = alert.created_at if alert.status == "baru" else getattr(alert, STAMPS[alert.status])
    deadline = setup.config.response.deadline_for(alert.severity, step)
    if started is not None and deadline is not None:
        due = started + deadline
        alert.due_at = due if alert.due_at is None else min(alert.due_at, due)


def _routed_users(session: Session, alert: Alert, desa: Sequence[str]) -> list[int]:
    units = session.scalars(select(AlertRoute.unit_id).where(AlertRoute.alert_id == alert.id))
    return recipients(session, list(units), desa)


def finding_area(finding: Finding) -> str:
    return common_area(finding.desa)


def _record(session: Session, alert: Alert, finding: Finding, area: str, now: datetime) -> Detection:
    detection = Detection(
        alert_id=alert.id,
        detector=finding.detector,
        code=finding.code,
        fingerprint=finding.fingerprint,
        detected_at=now,
        severity=finding.severity,
        area_code=area,
        category=finding.category,
        window_start=finding.window_start,
        window_end=finding.window_end,
        statistic=finding.statistic,
        value=finding.value,
        p_value=finding.p_value,
        observed=finding.observed,
        expected=finding.expected,
        explanation=finding.explanation,
        explanation_en=finding.explanation_en,
        evidence=json.dumps(
            {"desa": sorted(finding.desa), "reports": sorted(finding.report_ids), **finding.evidence},
            sort_keys=True,
            default=str,
        ),
    )
    session.add(detection)
    session.flush()
    return detection


def _attach(session: Session, alert: Alert, finding: Finding) -> None:
    places = set(session.scalars(select(AlertPlace.desa_code).where(AlertPlace.alert_id == alert.id)))
    for code in sorted(set(finding.desa) - places):
        session.add(AlertPlace(alert_id=alert.id, desa_code=code))
    reports = set(session.scalars(select(AlertReport.report_id).where(AlertReport.alert_id == alert.id)))
    for report_id in sorted(set(finding.report_ids) - reports):
        session.add(AlertReport(alert_id=alert.id, report_id=report_id))

"""One detector cycle: read the recent reports, run every configured detector, turn the findings
into alerts, escalate what is overdue. Run on a schedule by the server, right after reports are
verified, by ``tigapilar alerts cycle`` (cron) and by ``POST /api/v1/alerts/cycle``.

The whole cycle is one transaction: the unique fingerprint of each detection means that two cycles
racing (two server processes) cannot record the same finding twice; the loser rolls back and the
findings are already there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tigapilar.alerts.cases import load_cases, region_names
from tigapilar.alerts.clusters import scan_findings
from tigapilar.alerts.escalation import escalate_overdue
from tigapilar.alerts.findings import Finding
from tigapilar.alerts.hotspots import hotspot_findings
from tigapilar.alerts.raising import raise_alerts
from tigapilar.alerts.rules import apply_rules
from tigapilar.alerts.setup import AlertSetup
from tigapilar.alerts.spikes import spike_findings
from tigapilar.regions.codes import KECAMATAN_CODE_LENGTH

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    at: datetime
    cases: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    raised: list[int] = field(default_factory=list)  # new alerts
    joined: list[int] = field(default_factory=list)  # open alerts that got new evidence
    escalated: list[int] = field(default_factory=list)
    skipped: str | None = None  # why nothing was written (another cycle won the race)


def detect(session: Session, now: datetime, setup: AlertSetup, report: CycleReport) -> list[Finding]:
    detectors = setup.config.detectors
    horizon = max(
        [r.window_hours / 24 for r in detectors.rule]
        + ([detectors.spike.baseline_days + detectors.spike.window_hours / 24] if detectors.spike else [])
        + ([float(detectors.scan.study_days)] if detectors.scan else [])
        + [1.0]
    )
    cases = load_cases(
        session,
        now - timedelta(days=horizon),
        now,
        detectors.verified_statuses,
        detectors.unverified_statuses,
    )
    report.cases = len(cases)
    codes = {str(d) for d in cases.desa}
    names = region_names(session, codes | {c[:KECAMATAN_CODE_LENGTH] for c in codes})
    taxonomy = setup.config.taxonomy
    steps: list[tuple[str, Callable[[], list[Finding]]]] = [
        ("rule", lambda: apply_rules(cases, detectors.rule, now, names, taxonomy)),
    ]
    if detectors.spike:
        spike = detectors.spike
        steps.append(("spike", lambda: spike_findings(session, cases, spike, now, names, setup)))
    if detectors.scan:
        scan = detectors.scan
        steps.append(("scan", lambda: scan_findings(session, cases, scan, now, names, setup.timezone)))
    if detectors.hotspot:
        hotspot = detectors.hotspot
        steps.append(("hotspot", lambda: hotspot_findings(session, hotspot, now)))
    findings: list[Finding] = []
    for name, step in steps:
        started = time.perf_counter()
        found = step()
        report.seconds[name] = round(time.perf_counter() - started, 3)
        report.findings[name] = len(found)
        findings += found
    return findings


def run_cycle(sessions: sessionmaker[Session], now: datetime, setup: AlertSetup) -> CycleReport:
    report = CycleReport(at=now)
    with sessions() as session:
        try:
            findings = detect(session, now, setup, report)
            for raised in raise_alerts(session, findings, now, setup):
                (report.raised if raised.new else report.joined).append(raised.alert_id)
            report.escalated = [e.alert_id for e in escalate_overdue(session, now, setup)]
            session.commit()
        except IntegrityError:
            session.rollback()
            report.raised, report.joined, report.escalated = [], [], []
            report.skipped = "another detector cycle recorded the same findings first"
            log.info("detector cycle at %s: %s", now.isoformat(), report.skipped)
    report.joined = sorted(set(report.joined) - set(report.raised))
    log.info(
        "detector cycle at %s: %d cases, findings %s, %d new alerts, %d joined, %d escalated",
        now.isoformat(),
        report.cases,
        report.findings,
        len(report.raised),
        len(report.joined),
        len(report.escalated),
    )
    return report

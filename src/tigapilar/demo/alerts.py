"""Demo early warning: replay the detector cycles over the demo's period, log how the units answered
each alert, and end with a burst around one kecamatan that is still open, and escalated, at "now".

Everything goes through the real code: the burst's reports through the intake, their verification
through the report workflow, the cycles through ``run_cycle`` (rules, spikes, the space-time scan,
hotspots), the answers through the alert workflow, escalation through ``escalate_overdue``. Only
the answers themselves (who took how long, what they did) are drawn from ``[alerts.response]``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal, system_principal
from tigapilar.accounts.tokens import principal_for_user
from tigapilar.alerts.cycle import run_cycle
from tigapilar.alerts.escalation import escalate_overdue
from tigapilar.alerts.setup import AlertSetup, load_setup
from tigapilar.alerts.workflow import ActionEntry, StatusChange, change_status, log_action
from tigapilar.core.errors import Invalid
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings
from tigapilar.demo.config import DemoAlerts, DemoBurstReport, DemoConfig
from tigapilar.demo.risk import demo_now
from tigapilar.reports.draft import ReportDraft
from tigapilar.reports.intake import Envelope, Intake, Outcome, Submission, Submitter
from tigapilar.reports.workflow import Change
from tigapilar.reports.workflow import change_status as change_report_status
from tigapilar.storage.db import Database
from tigapilar.storage.models import Alert, Detection, Officer, OfficerVillage, ReportSubmission, User

Step = Callable[[str], None]
BURST_KEY = "demo:burst:"


@dataclass
class DemoAlertsSummary:
    already_loaded: bool = False
    skipped: str | None = None
    cycles: int = 0
    alerts: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    burst_alert: int | None = None


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def load_demo_alerts(
    database: Database, settings: Settings, config: DemoConfig, step: Step | None = None
) -> DemoAlertsSummary:
    say = step or (lambda _message: None)
    if config.alerts is None or config.reports is None:
        return DemoAlertsSummary(skipped="the demo file has no [alerts]")
    plan, reports = config.alerts, config.reports
    with database.session() as session:
        if session.scalar(select(Detection.id).limit(1)) is not None:
            return DemoAlertsSummary(already_loaded=True)
        operator = _account(session, plan.operator)
    setup = load_setup(settings)
    zone = ZoneInfo(settings.timezone)
    rng = random.Random(config.seed + 5)
    summary = DemoAlertsSummary()
    last = reports.end
    say("detector cycles over the demo period and the units' answers")
    day = max(reports.start, last - timedelta(days=plan.history_days))
    while day < last:
        moment = datetime.combine(day, time(plan.cycle_hour), zone)
        raised = run_cycle(database.sessions, moment, setup).raised
        summary.cycles += 1
        _answer(database, setup, operator, plan, raised, rng)
        day += timedelta(days=1)
    # The last day: the cycle after the burst raises its alert, the one at "now" escalates it.
    burst_cycle = datetime.combine(last, time(), zone) + timedelta(hours=plan.burst_cycle_hour)
    summary.burst_alert = _first(run_cycle(database.sessions, burst_cycle, setup).raised)
    summary.cycles += 1
    if summary.burst_alert is not None:
        summary.cycles += _burst_steps(database, setup, plan, summary.burst_alert, burst_cycle)
    now = demo_now(config, zone)
    assert now is not None  # the demo has [reports]
    run_cycle(database.sessions, now, setup)
    summary.cycles += 1
    with database.session() as session:
        counted = session.execute(select(Alert.status, func.count()).group_by(Alert.status))
        summary.statuses = dict(counted.all())
        summary.alerts = sum(summary.statuses.values())
    return summary


def _account(session: Session, username: str) -> Principal:
    """A demo account as the principal it acts as; the demo file must name existing accounts."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise Invalid(
            "demo.bad_file",
            f"[alerts] names '{username}', which is not a demo account",
            f"[alerts] menyebut '{username}', yang bukan akun demo",
        )
    return principal_for_user(session, user)


def _first(ids: list[int]) -> int | None:
    return ids[0] if ids else None


def load_demo_burst(
    database: Database, settings: Settings, config: DemoConfig, step: Step | None = None
) -> int:
    """The burst's reports through the intake as each village's Bhabinkamtibmas sent them, then
    verified; before the index is scored, which counts them. Returns how many were sent (0: done)."""
    if config.alerts is None or config.reports is None:
        return 0
    with database.session() as session:
        sent = session.scalar(
            select(ReportSubmission.id).where(ReportSubmission.external_id.startswith(BURST_KEY)).limit(1)
        )
        if sent is not None:
            return 0
    (step or (lambda _message: None))("burst of reports on the demo's last evening")
    _send_burst(database, settings, config.alerts, config.reports.end, ZoneInfo(settings.timezone))
    return len(config.alerts.burst)


def _send_burst(database: Database, settings: Settings, plan: DemoAlerts, day: date, zone: ZoneInfo) -> None:
    start = datetime.combine(day, time(), zone)
    clock = _Clock(start)
    intake = Intake(database, settings, clock=clock)
    ids: list[tuple[datetime, int]] = []
    for number, item in enumerate(sorted(plan.burst, key=lambda b: b.hour), start=1):
        occurred = start + timedelta(hours=item.hour)
        clock.now = occurred + timedelta(minutes=4)
        ids.append(
            (
                clock.now + timedelta(minutes=plan.verify_after_minutes),
                _submit(database, intake, item, occurred, number),
            )
        )
    with database.session() as session:
        for verified_at, report_id in ids:
            change_report_status(
                session,
                system_principal(),
                report_id,
                Change("terverifikasi", note="Dikonfirmasi Bhabinkamtibmas dan Babinsa di lokasi"),
                now=verified_at,
            )


def _submit(
    database: Database, intake: Intake, item: DemoBurstReport, occurred: datetime, number: int
) -> int:
    with database.session() as session:
        officer = session.execute(
            select(Officer.id, Officer.pillar, Officer.phone, User.id)
            .join(OfficerVillage, OfficerVillage.officer_id == Officer.id)
            .outerjoin(User, User.officer_id == Officer.id)
            .where(OfficerVillage.desa_code == item.desa, Officer.pillar == "bhabinkamtibmas")
            .order_by(Officer.id)
            .limit(1)
        ).first()
    if officer is None:
        raise Invalid(
            "demo.bad_file",
            f"[alerts] burst village {item.desa} has no Bhabinkamtibmas in the demo",
            f"[alerts] desa {item.desa} tidak memiliki Bhabinkamtibmas",
        )
    officer_id, pillar, _phone, user_id = officer
    key = f"{BURST_KEY}{number}"
    draft = ReportDraft(
        desa_code=item.desa,
        category=item.category,
        severity=item.severity,
        description=item.description,
        title=item.title,
        occurred_at=occurred,
    )
    body = json.dumps({"client_id": key, "desa_code": item.desa, "category": item.category}).encode()
    inbound = intake.journal(
        Envelope("api", body, "application/json", key, user_id, officer_id, area_code=item.desa)
    )
    submitter = Submitter(user_id, officer_id, pillar, Scope.everything())
    result = intake.process(inbound, submitter, Submission("api", draft, draft.fingerprint(), key))
    if result.outcome is not Outcome.CREATED or result.report_id is None:
        raise Invalid(
            "demo.bad_report",
            f"Demo burst report {key} was not accepted: {result.message}",
            f"Laporan demo {key} tidak diterima: {result.pesan}",
        )
    return result.report_id


def _answer(
    database: Database,
    setup: AlertSetup,
    operator: Principal,
    plan: DemoAlerts,
    alert_ids: list[int],
    rng: random.Random,
) -> None:
    """Log the units' answers to the alerts a cycle raised, in time order across the alerts, with the
    escalations that a late answer caused (checked just before each answer, as the scheduler would)."""
    answers = plan.response
    events: list[tuple[datetime, int, str, StatusChange | ActionEntry]] = []
    with database.session() as session:
        alerts = [session.get(Alert, i) for i in alert_ids]
    for alert in alerts:
        if alert is None:
            continue
        t = alert.created_at
        if rng.random() < answers.cancel_share:
            t += timedelta(minutes=rng.uniform(*answers.acknowledge))
            events.append(
                (t, alert.id, "status", StatusChange("dibatalkan", reason=rng.choice(answers.cancel_reasons)))
            )
            continue
        for status, bounds in (("diterima", answers.acknowledge), ("di_lokasi", answers.arrive)):
            t += timedelta(minutes=rng.uniform(*bounds))
            events.append((t, alert.id, "status", StatusChange(status)))
        for code in rng.sample(sorted(answers.actions), k=min(2, len(answers.actions))):
            t += timedelta(minutes=rng.uniform(5, 60))
            events.append((t, alert.id, "action", ActionEntry(code, rng.choice(answers.actions[code]))))
        t += timedelta(minutes=rng.uniform(*answers.handle))
        events.append((t, alert.id, "status", StatusChange("ditangani")))
        t += timedelta(minutes=rng.uniform(*answers.resolve))
        closing = StatusChange(
            "selesai", outcome=rng.choice(answers.outcomes), lessons=rng.choice(answers.lessons)
        )
        events.append((t, alert.id, "status", closing))
    for at, alert_id, _kind, what in sorted(events, key=lambda e: (e[0], e[1])):
        with database.session() as session:
            escalate_overdue(session, at, setup)
            if isinstance(what, StatusChange):
                change_status(session, operator, alert_id, what, at, setup)
            else:
                log_action(session, operator, alert_id, what, at, setup)


def _burst_steps(
    database: Database, setup: AlertSetup, plan: DemoAlerts, alert_id: int, raised: datetime
) -> int:
    """What happened to the burst's alert after it was raised; returns the cycles run."""
    cycles = 0
    for item in sorted(plan.burst_steps, key=lambda s: s.after_minutes):
        at = raised + timedelta(minutes=item.after_minutes)
        if item.cycle:
            run_cycle(database.sessions, at, setup)
            cycles += 1
            continue
        with database.session() as session:
            actor = _account(session, item.account or "")
            if item.status is not None:
                change_status(session, actor, alert_id, StatusChange(item.status, note=item.text), at, setup)
            elif item.action is not None:
                log_action(session, actor, alert_id, ActionEntry(item.action, item.text or ""), at, setup)
    return cycles

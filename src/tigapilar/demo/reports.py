"""Demo field reports: a believable election picture, made through the real intake pipeline.

The demo's village pillars report incidents over the period of the demo file's ``[reports]``: more
towards voting day, more in its hotspots, categories that fit the stage of the election, some
incidents reported twice by two pillars of one village. Each report goes through
:meth:`Intake.journal` and :meth:`Intake.process` exactly as a channel's would, with the intake's
clock at the report's arrival, so the data is what the pipeline makes (stage, TPS, history, keys).
What analysts had done by the end of the period (verification, follow-up, rejection, merged
duplicates) is then applied with the workflow functions at the times it happened, and a few payloads
that fail are left in the review queue.

Everything is drawn from the demo's seed and the database's demo rows, so the same file gives the
same reports. Loading twice adds nothing: demo submissions carry external ids starting ``demo:``.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from xml.etree.ElementTree import Element, SubElement, tostring
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import system_principal
from tigapilar.core.errors import Invalid
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings
from tigapilar.demo.config import Channel, DemoConfig, DemoReports, FailedPayload, Hotspot, Incident
from tigapilar.demo.positions import offset
from tigapilar.elections.calendar import Calendar
from tigapilar.reports.draft import Problem, ReportDraft
from tigapilar.reports.intake import Envelope, Intake, IntakeResult, Outcome, Submission, Submitter
from tigapilar.reports.taxonomy import Taxonomy
from tigapilar.reports.workflow import Change, change_status, merge
from tigapilar.storage.db import Database
from tigapilar.storage.models import Officer, OfficerVillage, Region, Report, ReportSubmission, Tps, User

KEY_PREFIX = "demo:"
# The report form's id on ODK (reports/channels/odk/laporan.md), for the journaled demo XML.
ODK_FORM_ID = "tigapilar_laporan"
SMS_LENGTH = 160
# A pillar reporting an incident another pillar reported guesses its time within this many minutes.
PARTNER_TIME_MINUTES = 20
TPS_GPS_RADIUS_KM = 0.15
ACCURACY_M = (4.0, 30.0)
# Draws of a village and moment per wanted report before the texts are declared not to fit at all.
MAX_ATTEMPTS = 50

Step = Callable[[str], None]


# -- what the database holds -------------------------------------------------------------------


@dataclass(frozen=True)
class Reporter:
    """A village pillar who may send demo reports."""

    officer_id: int
    pillar: str
    phone: str | None
    user_id: int | None  # their account, if the demo gave them one


@dataclass(frozen=True)
class VillageTps:
    number: int
    lat: float | None
    lng: float | None


@dataclass(frozen=True)
class Village:
    code: str
    name: str  # "Desa X" / "Kelurahan X", as reports say it
    kecamatan: str
    lat: float | None
    lng: float | None
    tps: tuple[VillageTps, ...]
    reporters: dict[str, Reporter]  # pillar -> its (first) officer here


def read_villages(session: Session, config: DemoConfig) -> list[Village]:
    """The demo province's villages with their TPS and pillars, in code order."""
    province = Scope.of([config.province])
    names: dict[str, str] = {}
    regions = session.execute(
        select(Region.code, Region.name, Region.kind, Region.level, Region.lat, Region.lng)
        .where(province.clause(Region.code), Region.level.in_((3, 4)))
        .order_by(Region.code)
    ).all()
    tps: dict[str, list[VillageTps]] = {}
    for desa, number, lat, lng in session.execute(
        select(Tps.desa_code, Tps.number, Tps.lat, Tps.lng)
        .where(Tps.election == config.election, province.clause(Tps.desa_code))
        .order_by(Tps.desa_code, Tps.number)
    ):
        tps.setdefault(desa, []).append(VillageTps(number, lat, lng))
    accounts = dict(
        session.execute(select(User.officer_id, User.id).where(User.officer_id.is_not(None))).all()
    )
    reporters: dict[str, dict[str, Reporter]] = {}
    for desa, officer_id, pillar, phone in session.execute(
        select(OfficerVillage.desa_code, Officer.id, Officer.pillar, Officer.phone)
        .join(Officer, Officer.id == OfficerVillage.officer_id)
        .where(Officer.pillar.is_not(None), Officer.active, province.clause(OfficerVillage.desa_code))
        .order_by(OfficerVillage.desa_code, Officer.id)
    ):
        if pillar is not None:  # filtered above; says so to the type checker
            here = reporters.setdefault(desa, {})
            here.setdefault(pillar, Reporter(officer_id, pillar, phone, accounts.get(officer_id)))
    villages = []
    for code, name, kind, level, lat, lng in regions:
        if level == 3:
            names[code] = name
            continue
        villages.append(
            Village(
                code=code,
                name=f"{'Kelurahan' if kind == 'kelurahan' else 'Desa'} {name}",
                kecamatan=names.get(code.rsplit(".", 1)[0], ""),
                lat=lat,
                lng=lng,
                tps=tuple(tps.get(code, ())),
                reporters=reporters.get(code, {}),
            )
        )
    return villages


# -- the plan ----------------------------------------------------------------------------------


@dataclass
class Story:
    """One incident as told: which texts, with which values; a second pillar retells it."""

    category: str
    incident: Incident
    values: dict[str, str]
    tps: VillageTps | None
    people: int | None


@dataclass
class PlannedReport:
    key: str
    channel: str
    village: Village
    reporter: Reporter
    draft: ReportDraft
    received_at: datetime
    story: Story
    wording: tuple[int, int]  # indexes of its title and description among the incident's
    # A payload the intake cannot read at all: its raw text (failed payloads only).
    unreadable: str | None = None


@dataclass(frozen=True)
class StatusStep:
    """One analyst action: a status change, or (``into`` set) a merge of a duplicate."""

    at: datetime
    key: str
    status: str
    note: str
    reason: str | None = None
    into: str | None = None


@dataclass
class DemoReportPlan:
    reports: list[PlannedReport]  # ordered by arrival; keys demo:1, demo:2, ...
    failures: list[PlannedReport]  # payloads that end in the review queue
    steps: list[StatusStep]  # ordered by time
    pairs: list[tuple[str, str]]  # near duplicates: (first, second) keys
    as_of: datetime


def plan_demo_reports(
    config: DemoConfig, villages: Sequence[Village], calendar: Calendar, timezone: str
) -> DemoReportPlan:
    """Every demo report, failure and analyst action; a pure function of its arguments."""
    if config.reports is None:
        raise ValueError("the demo file has no [reports]")
    return _Planner(config, config.reports, villages, calendar, ZoneInfo(timezone)).plan()


class _Planner:
    def __init__(
        self,
        config: DemoConfig,
        reports: DemoReports,
        villages: Sequence[Village],
        calendar: Calendar,
        zone: ZoneInfo,
    ) -> None:
        self.config, self.r, self.calendar, self.zone = config, reports, calendar, zone
        # A stream of its own: the rest of the demo draws from the seed too, and must not shift this.
        self.rng = random.Random(config.seed + 7)
        self.villages = [v for v in villages if any(reports.pillars.get(p, 0) > 0 for p in v.reporters)]
        if not self.villages:
            raise ValueError("no village has a reporting pillar")
        self.by_code = {v.code: v for v in villages}
        self.size = [max(len(v.tps), 1) ** reports.village_size_exponent for v in self.villages]
        self.hotspots: dict[str, list[Hotspot]] = {}
        for hotspot in reports.hotspots:
            self.hotspots.setdefault(hotspot.kecamatan, []).append(hotspot)
        self.village_weights: dict[str | None, list[float]] = {}
        self.days = [reports.start + timedelta(days=d) for d in range((reports.end - reports.start).days + 1)]
        self.cumulative_day_weights = list(itertools.accumulate(self.day_weight(d) for d in self.days))
        end_of_period = datetime.combine(reports.end + timedelta(days=1), time(0), zone)
        self.as_of = (end_of_period - timedelta(minutes=1)).astimezone(zone)

    # -- drawing one report ------------------------------------------------------------------------

    def stage_at(self, moment: datetime) -> str | None:
        found = self.calendar.stage_at(moment, self.config.province)
        return found.stage if found is not None and found.election == self.config.election else None

    def active_hotspots(self, village: Village, stage: str | None) -> list[Hotspot]:
        return [h for h in self.hotspots.get(village.code[:8], []) if not h.stages or stage in h.stages]

    def weights_of_villages(self, stage: str | None) -> list[float]:
        if stage not in self.village_weights:
            weights = []
            for village, size in zip(self.villages, self.size, strict=True):
                for hotspot in self.active_hotspots(village, stage):
                    size *= hotspot.weight
                weights.append(size)
            self.village_weights[stage] = weights
        return self.village_weights[stage]

    def incidents(self, category: str, village: Village, stage: str | None) -> list[Incident]:
        return [
            i
            for i in self.r.texts.categories.get(category, [])
            if (not i.stages or stage in i.stages)
            and (not i.areas or any(village.code == a or village.code.startswith(a + ".") for a in i.areas))
            and (village.tps or not i.uses_tps)
        ]

    def category_weights(self, village: Village, stage: str | None) -> dict[str, float]:
        weights = {}
        for category, weight in self.r.categories.items():
            weight *= self.r.stages.get(stage or "", {}).get(category, 1.0)
            for hotspot in self.active_hotspots(village, stage):
                weight *= hotspot.categories.get(category, 1.0)
            if weight > 0 and self.incidents(category, village, stage):
                weights[category] = weight
        return weights

    def moment(self) -> datetime:
        day = self.rng.choices(self.days, cum_weights=self.cumulative_day_weights)[0]
        start, end = self.r.day_hours
        minutes = self.rng.randrange(start * 60, end * 60)
        return datetime.combine(day, time(0), self.zone) + timedelta(minutes=minutes)

    def day_weight(self, day: date) -> float:
        """The ramp: quiet days weigh 1, the peak ``peak_weight``, exponentially in between."""
        gap = (day - self.r.peak).days
        scale = self.r.rise_days if gap <= 0 else self.r.fall_days
        return 1 + (self.r.peak_weight - 1) * math.exp(-abs(gap) / scale)

    def draw(self, occurred: datetime, village: Village | None = None) -> tuple[Village, Story] | None:
        """A village (unless given) and an incident there; None when nothing fits that village."""
        stage = self.stage_at(occurred)
        if village is None:
            village = self.rng.choices(self.villages, weights=self.weights_of_villages(stage))[0]
        weights = self.category_weights(village, stage)
        if not weights:
            return None
        category = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        candidates = self.incidents(category, village, stage)
        incident = self.rng.choices(candidates, weights=[i.weight for i in candidates])[0]
        return village, self.story(category, incident, village, occurred)

    def story(self, category: str, incident: Incident, village: Village, occurred: datetime) -> Story:
        rng = self.rng
        values = {
            "rt": f"{rng.randint(1, self.r.rt_max):02d}",
            "tempat": rng.choice(incident.places or self.r.texts.places),
            "paslon": str(rng.randint(1, self.r.candidates)),
            "desa": village.name,
            "kecamatan": village.kecamatan,
            "jam": occurred.astimezone(self.zone).strftime("%H.%M"),
        }
        people = rng.randint(*incident.people) if incident.people else None
        if people is not None:
            values["orang"] = str(people)
        if incident.count:
            values["jumlah"] = str(rng.randint(*incident.count))
        if incident.amounts:
            values["uang"] = "Rp" + f"{rng.choice(incident.amounts):,}".replace(",", ".")
        tps = rng.choice(village.tps) if incident.uses_tps else None
        if tps is not None:
            values["tps"] = f"TPS {tps.number:03d}"
        return Story(category, incident, values, tps, people)

    def report(
        self,
        village: Village,
        story: Story,
        occurred: datetime,
        *,
        wording: tuple[int, int],
        severity: int | None = None,
        not_pillar: str | None = None,
        received_at: datetime | None = None,
        channel: Channel | None = None,
    ) -> PlannedReport:
        """A report of ``story`` by one of the village's pillars, on a channel, with its arrival."""
        rng, r = self.rng, self.r
        pillars = {p: r.pillars.get(p, 0.0) for p in village.reporters if p != not_pillar}
        pillars = {p: w for p, w in pillars.items() if w > 0} or {p: 1.0 for p in pillars}
        reporter = village.reporters[rng.choices(list(pillars), weights=list(pillars.values()))[0]]
        stage = self.stage_at(occurred)
        hotspots = self.active_hotspots(village, stage)
        channels: dict[Channel, float] = dict(r.channels)
        for hotspot in hotspots:
            channels = dict(hotspot.channels) or channels
        channels = {c: w for c, w in channels.items() if w > 0 and c in r.delay_minutes}
        drawn_channel = rng.choices(list(channels), weights=list(channels.values()))[0]
        channel = channel or drawn_channel
        if received_at is None:
            delay = rng.uniform(*r.delay_minutes[channel])
            delay *= max([h.delay_factor for h in hotspots], default=1.0)
            received_at = occurred + timedelta(minutes=delay)
        received_at = min(received_at, self.as_of)
        if severity is None:
            levels = story.incident.severity or r.severity
            severity = rng.choices(range(1, len(levels) + 1), weights=levels)[0]
        source = rng.choices(list(r.sources), weights=list(r.sources.values()))[0]
        lat = lng = accuracy = None
        if rng.random() < r.gps.get(channel, 0.0):
            tps = story.tps
            if tps is not None and tps.lat is not None and tps.lng is not None:
                lat, lng = offset((tps.lat, tps.lng), TPS_GPS_RADIUS_KM, rng)
            elif village.lat is not None and village.lng is not None:
                lat, lng = offset((village.lat, village.lng), r.gps_radius_km, rng)
            accuracy = round(rng.uniform(*ACCURACY_M), 1) if lat is not None else None
        texts = story.incident
        wording = (wording[0] % len(texts.titles), wording[1] % len(texts.descriptions))
        draft = ReportDraft(
            desa_code=village.code,
            category=story.category,
            severity=severity,
            title=texts.titles[wording[0]].format_map(story.values),
            description=texts.descriptions[wording[1]].format_map(story.values),
            occurred_at=occurred,
            tps_number=story.tps.number if story.tps else None,
            lat=lat,
            lng=lng,
            accuracy_m=accuracy,
            people_involved=story.people,
            source_kind=source,
            source_name=rng.choice(r.texts.sources) if source == "community" else None,
        )
        return PlannedReport("", channel, village, reporter, draft, received_at, story, wording)

    # -- the whole plan ----------------------------------------------------------------------------

    def plan(self) -> DemoReportPlan:
        r, rng = self.r, self.rng
        firsts: list[PlannedReport] = []
        attempts = 0
        while len(firsts) < r.count - r.duplicates:
            attempts += 1
            if attempts > MAX_ATTEMPTS * r.count:
                raise ValueError("almost no village and moment fit any incident of the texts")
            occurred = self.moment()
            drawn = self.draw(occurred)
            if drawn is None:
                continue
            village, story = drawn
            wording = (
                rng.randrange(len(story.incident.titles)),
                rng.randrange(len(story.incident.descriptions)),
            )
            firsts.append(self.report(village, story, occurred, wording=wording))
        partners = self.partners(firsts)
        reports = sorted(
            firsts + [p for _, p in partners], key=lambda p: (p.received_at, p.draft.occurred_at)
        )
        for number, report in enumerate(reports, start=1):
            report.key = f"{KEY_PREFIX}{number}"
        pairs = [(first.key, second.key) for first, second in partners]
        failures = [self.failure(number, f) for number, f in enumerate(r.failed, start=1)]
        return DemoReportPlan(reports, failures, self.steps(reports, pairs), pairs, self.as_of)

    def partners(self, firsts: list[PlannedReport]) -> list[tuple[PlannedReport, PlannedReport]]:
        """Near duplicates: another pillar of the village retells the incident in other words."""
        rng, r = self.rng, self.r
        eligible = [p for p in firsts if len(p.village.reporters) > 1]
        pairs = []
        for first in rng.sample(eligible, min(r.duplicates, len(eligible))):
            story, occurred = first.story, first.draft.occurred_at
            assert occurred is not None
            titles, descriptions = len(story.incident.titles), len(story.incident.descriptions)
            title, description = first.wording
            # Another title and description than the first report's (each incident has two or more).
            wording = (title + rng.randrange(1, titles), description + rng.randrange(1, descriptions))
            severity = first.draft.severity or 1
            if rng.random() < 0.25:  # two people judge the same incident a little differently
                severity = max(1, min(len(r.severity), severity + rng.choice((-1, 1))))
            when = occurred + timedelta(minutes=rng.uniform(-PARTNER_TIME_MINUTES, PARTNER_TIME_MINUTES))
            received = first.received_at + timedelta(hours=rng.uniform(*r.duplicate_hours))
            second = self.report(
                first.village,
                story,
                min(when, received),
                wording=wording,
                severity=severity,
                not_pillar=first.reporter.pillar,
                received_at=received,
            )
            pairs.append((first, second))
        return pairs

    def failure(self, number: int, spec: FailedPayload) -> PlannedReport:
        village = self.by_code.get(spec.village) if spec.village else None
        if spec.village and (village is None or not village.reporters):
            raise ValueError(f"failed payload {number}: village {spec.village} has no demo pillar")
        occurred = spec.at
        for _ in range(MAX_ATTEMPTS if village is None else 1):
            drawn = self.draw(occurred, village)
            if drawn is not None:
                break
        else:
            raise ValueError(f"failed payload {number}: no incident fits {spec.village or 'any village'}")
        village, story = drawn
        report = self.report(village, story, occurred, wording=(0, 0), channel=spec.channel)
        draft = report.draft
        if spec.desa_code is not None:
            draft.desa_code = spec.desa_code
        if spec.category is not None:
            draft.category = spec.category
        if spec.severity is not None:
            draft.severity = spec.severity
        if spec.tps_number is not None:
            draft.tps_number = spec.tps_number
        if spec.occurred_at is not None:
            draft.occurred_at = spec.occurred_at
        report.key = f"{KEY_PREFIX}review:{number}"
        report.unreadable = spec.unreadable
        return report

    def steps(self, reports: list[PlannedReport], pairs: list[tuple[str, str]]) -> list[StatusStep]:
        """What analysts had done by ``as_of``: old reports handled, recent ones still new."""
        rng, status = self.rng, self.r.status
        by_key = {p.key: p for p in reports}
        fresh = timedelta(hours=status.fresh_hours)
        merged: dict[str, str] = {}  # second -> first
        waiting: set[str] = set()  # unmerged pairs, left for the duplicate suggestion
        for first, second in pairs:
            old = self.as_of - by_key[second].received_at >= fresh
            if old and rng.random() < status.merge_share:
                merged[second] = first
            else:
                waiting.update((first, second))
        originals = set(merged.values())
        steps: list[StatusStep] = []
        for report in reports:
            key = report.key
            if key in waiting or self.as_of - report.received_at < fresh:
                continue
            if key in merged:
                at = report.received_at + timedelta(hours=rng.uniform(*status.verify_hours))
                note = rng.choice(self.r.texts.notes["duplikat"])
                steps.append(StatusStep(at, key, "ditolak", note, "duplikat", into=merged[key]))
                continue
            serious = (report.draft.severity or 1) >= status.serious_severity
            shares = dict(status.serious_shares if serious and status.serious_shares else status.shares)
            if key in originals:  # a report others were merged into stands
                shares.pop("tidak_valid", None)
            outcome = rng.choices(list(shares), weights=list(shares.values()))[0]
            steps += self.path(report, outcome)
        # A report's steps follow each other in time: those after as_of had not happened yet.
        return sorted((s for s in steps if s.at <= self.as_of), key=lambda s: (s.at, s.key))

    def path(self, report: PlannedReport, outcome: str) -> list[StatusStep]:
        rng, status, notes = self.rng, self.r.status, self.r.texts.notes
        at = report.received_at + timedelta(hours=rng.uniform(*status.verify_hours))
        if outcome == "baru":
            return []
        if outcome == "tidak_valid":
            return [StatusStep(at, report.key, "ditolak", rng.choice(notes["tidak_valid"]), "tidak_valid")]
        steps = [StatusStep(at, report.key, "terverifikasi", rng.choice(notes["terverifikasi"]))]
        if outcome in ("ditindaklanjuti", "selesai"):
            at += timedelta(hours=rng.uniform(*status.follow_up_hours))
            steps.append(StatusStep(at, report.key, "ditindaklanjuti", rng.choice(notes["ditindaklanjuti"])))
        if outcome == "selesai":
            at += timedelta(hours=rng.uniform(*status.close_hours))
            steps.append(StatusStep(at, report.key, "selesai", rng.choice(notes["selesai"])))
        return steps


# -- loading -----------------------------------------------------------------------------------


@dataclass
class DemoReportsSummary:
    already_loaded: bool
    reports: int = 0
    needs_review: int = 0
    # Why nothing was loaded, when nothing was (no [reports] in the demo file, no demo pillars).
    skipped: str | None = None
    statuses: dict[str, int] = field(default_factory=dict)  # of the reports just loaded


def demo_reports_present(session: Session) -> bool:
    found = session.scalar(
        select(ReportSubmission.id).where(ReportSubmission.external_id.startswith(KEY_PREFIX)).limit(1)
    )
    return found is not None


class _Clock:
    """The intake's clock, moved to each payload's arrival."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def load_demo_reports(
    database: Database, settings: Settings, config: DemoConfig, step: Step | None = None
) -> DemoReportsSummary:
    """Send the demo's field reports through the intake and apply the analysts' work so far.

    Needs the rest of the demo (villages, TPS, pillars) committed, since the intake opens its own
    transactions; does nothing when demo reports exist already.
    """
    say = step or (lambda _message: None)
    if config.reports is None:
        return DemoReportsSummary(already_loaded=False, skipped="the demo file has no [reports]")
    with database.session() as session:
        if demo_reports_present(session):
            return DemoReportsSummary(already_loaded=True)
        villages = read_villages(session, config)
    if not any(v.reporters for v in villages):
        return DemoReportsSummary(already_loaded=False, skipped="the demo's village pillars are not loaded")
    clock = _Clock()
    intake = Intake(database, settings, clock=clock)
    check_demo_reports(config.reports, intake.taxonomy, intake.calendar, config.election)
    try:
        plan = plan_demo_reports(config, villages, intake.calendar, settings.timezone)
    except ValueError as exc:
        raise Invalid("demo.bad_file", f"[reports]: {exc}", f"[reports]: {exc}") from exc
    say(f"{len(plan.reports)} field reports through the intake")
    summary = DemoReportsSummary(already_loaded=False)
    ids: dict[str, int] = {}
    for item in sorted(plan.reports + plan.failures, key=lambda p: p.received_at):
        clock.now = item.received_at
        result = _submit(intake, item)
        if item.key.startswith(f"{KEY_PREFIX}review:"):
            summary.needs_review += result.outcome is Outcome.NEEDS_REVIEW
        elif result.outcome is Outcome.CREATED and result.report_id is not None:
            ids[item.key] = result.report_id
        else:
            # The demo file describes a report the checks refuse: a mistake in the file, said plainly.
            raise Invalid(
                "demo.bad_report",
                f"Demo report {item.key} was not accepted ({result.outcome}): {result.message}",
                f"Laporan demo {item.key} tidak diterima: {result.pesan}",
            )
    summary.reports = len(ids)
    say("verification, follow-up and merged duplicates")
    principal = system_principal()
    with database.session() as session:
        for s in plan.steps:
            if s.into is not None:
                merge(session, principal, ids[s.key], ids[s.into], note=s.note, now=s.at)
            else:
                change_status(session, principal, ids[s.key], Change(s.status, s.reason, s.note), now=s.at)
        counted = session.execute(
            select(Report.status, func.count()).where(Report.id.in_(ids.values())).group_by(Report.status)
        )
        summary.statuses = dict(counted.all())
    return summary


def check_demo_reports(reports: DemoReports, taxonomy: Taxonomy, calendar: Calendar, election: str) -> None:
    """The demo file's categories and stages must be those of the taxonomy and calendar in force."""
    problems = []
    unknown = sorted(
        c for c in [*reports.categories, *reports.texts.categories] if taxonomy.category(c) is None
    )
    if unknown:
        problems.append(f"categories not in the taxonomy: {', '.join(dict.fromkeys(unknown))}")
    if len(reports.severity) > taxonomy.max_severity:
        problems.append(
            f"severity has {len(reports.severity)} weights, the taxonomy {taxonomy.max_severity} levels"
        )
    found = calendar.election(election)
    stages = {s.code for s in found.stage} if found else set()
    named = {
        *reports.stages,
        *(s for h in reports.hotspots for s in h.stages),
        *(s for incidents in reports.texts.categories.values() for i in incidents for s in i.stages),
    }
    if named - stages:
        problems.append(f"stages not in the calendar of {election}: {', '.join(sorted(named - stages))}")
    if problems:
        text = "; ".join(problems)
        raise Invalid("demo.bad_file", f"[reports]: {text}", f"[reports] tidak sesuai: {text}")


def _submit(intake: Intake, item: PlannedReport) -> IntakeResult:
    """Journal the payload as its channel would have received it, then process what it says."""
    body, content_type = _body(item, intake.taxonomy)
    reporter = item.reporter
    # Accounts send through the app (ODK, web, API); an SMS comes from the officer's phone alone.
    user_id = reporter.user_id if item.channel != "sms" else None
    inbound = intake.journal(
        Envelope(
            channel=item.channel,
            body=body,
            content_type=content_type,
            external_id=item.key,
            user_id=user_id,
            officer_id=reporter.officer_id,
            sender=reporter.phone if item.channel == "sms" else None,
            area_code=item.village.code,
        )
    )
    if item.unreadable is not None:
        problem = Problem(
            "body",
            "report.unreadable",
            "The message could not be read as a report (no village, category or level found).",
            "Pesan tidak dapat dibaca sebagai laporan. Format: LAPOR <kode desa> <kategori> <tingkat> <isi>.",
        )
        return intake.reject(inbound, [problem], item.village.code)
    submitter = Submitter(user_id, reporter.officer_id, reporter.pillar, Scope.everything())
    draft = item.draft
    return intake.process(inbound, submitter, Submission(item.channel, draft, draft.fingerprint(), item.key))


def _body(item: PlannedReport, taxonomy: Taxonomy) -> tuple[bytes, str]:
    """What the channel would have received; the journal keeps it, the draft is what is processed."""
    draft = item.draft
    if item.unreadable is not None:
        return item.unreadable.encode(), "text/plain"
    if item.channel == "sms":
        found = taxonomy.category(draft.category or "")
        code = found.sms[0] if found and found.sms else (draft.category or "").upper()
        tps = f" TPS{draft.tps_number}" if draft.tps_number else ""
        desa = (draft.desa_code or "").replace(".", "")
        text = f"LAPOR {desa}{tps} {code} {draft.severity} {draft.description}"
        return text[:SMS_LENGTH].encode(), "text/plain"
    fields = {
        "client_id": item.key,
        "desa_code": draft.desa_code,
        "category": draft.category,
        "severity": draft.severity,
        "title": draft.title,
        "description": draft.description,
        "occurred_at": draft.occurred_at.isoformat() if draft.occurred_at else None,
        "tps_number": draft.tps_number,
        "lat": draft.lat,
        "lng": draft.lng,
        "accuracy_m": draft.accuracy_m,
        "people_involved": draft.people_involved,
        "source_kind": draft.source_kind,
        "source_name": draft.source_name,
    }
    present = {k: v for k, v in fields.items() if v is not None}
    if item.channel == "api":
        return json.dumps(present, ensure_ascii=False).encode(), "application/json"
    if item.channel == "web":
        return urlencode(present).encode(), "application/x-www-form-urlencoded"
    return _odk_xml(item), "text/xml"


def _odk_xml(item: PlannedReport) -> bytes:
    draft = item.draft
    root = Element("laporan", {"id": ODK_FORM_ID})
    values = {
        "desa": draft.desa_code,
        "tps": draft.tps_number,
        "kategori": draft.category,
        "tingkat": draft.severity,
        "judul": draft.title,
        "uraian": draft.description,
        "jumlah_orang": draft.people_involved,
        "waktu_kejadian": draft.occurred_at.isoformat() if draft.occurred_at else None,
        "sumber": draft.source_kind,
        "nama_sumber": draft.source_name,
        "lokasi": f"{draft.lat} {draft.lng} 0 {draft.accuracy_m}" if draft.lat is not None else None,
    }
    for name, value in values.items():
        SubElement(root, name).text = "" if value is None else str(value)
    SubElement(SubElement(root, "meta"), "instanceID").text = item.key
    xml: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return xml

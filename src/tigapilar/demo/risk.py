"""The demo's vulnerability picture: attributes of its TPS and places, then every live profile scored.

The demo file's ``[attributes]`` says, as data, which TPS and villages are hard to reach, without
signal, conflict-prone... (a chance per region) and what each kab/kota's IKP indicators score. The
values are drawn from the demo's seed, one random stream per attribute, so the same file gives the
same values and changing one rule leaves the others' values as they were. They are written as the
``[attributes] source``; values of any other source (an analyst's import) are never overwritten.

Then each profile of ``Settings.risk_profiles`` is recomputed at the end of each of the file's
``score_days`` and finally at the demo's "now" (the end of ``[reports]``, as the report statuses
are), so every day leaves a snapshot for trends. The earlier days are told with today's report
statuses: a report verified after such a day already counts on it, as a backfill would count it.

Loading twice adds nothing: unchanged values are not rewritten, and a profile is scored only when it
has no scores yet or the demo's values changed.
"""

from __future__ import annotations

import random
import time as timer
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, or_, select
from sqlalchemy.orm import Session

from tigapilar.core.errors import Invalid
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings
from tigapilar.demo.config import AttributeDraw, DemoAttributes, DemoConfig
from tigapilar.demo.loader import demo_present
from tigapilar.regions.codes import CODE_LENGTH
from tigapilar.risk.attributes import AttributeRegistry, load_attribute_registry
from tigapilar.risk.profile import ProfileConfig, load_profile
from tigapilar.risk.service import RecomputeResult, recompute
from tigapilar.risk.store import take_snapshot
from tigapilar.storage.bulk import batched, upsert_rows
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region, RegionAttribute, RiskScore, Tps, TpsAttribute

Step = Callable[[str], None]
# Region code lengths, most specific first: desa, kecamatan, kab/kota.
PREFIXES = tuple(CODE_LENGTH[level] for level in (4, 3, 2))
DIGITS = 2  # drawn region values are kept to 1/100 (IKP scores are shown with two decimals)

K = TypeVar("K", int, str)
TpsKey = tuple[int, str]  # (tps id, attribute)
RegionKey = tuple[str, str]  # (region code, attribute)


# -- drawing the values ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTps:
    id: int
    desa: str


@dataclass
class AttributePlan:
    tps: dict[TpsKey, float] = field(default_factory=dict)
    regions: dict[RegionKey, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tps) + len(self.regions)


def chance_at(draw: AttributeDraw, code: str) -> float:
    """The chance of ``draw`` at a desa: its own, else its kecamatan's, its kab/kota's, the default."""
    for length in PREFIXES:
        found = draw.areas.get(code[:length])
        if found is not None:
            return found
    return draw.chance


def plan_demo_attributes(
    attributes: DemoAttributes, seed: int, tps: Sequence[DemoTps], desa: Sequence[str]
) -> AttributePlan:
    """Every demo value: a pure function of its arguments (give ``tps`` and ``desa`` in code order).

    Only present values are kept: an absent flag or a zero count is the same as no value, and a TPS
    must not hide its desa's value behind a stored 0.
    """
    plan = AttributePlan()
    for draw in attributes.draws:
        if draw.per == "tps":
            _draw(draw, seed, [(t.id, t.desa) for t in tps], plan.tps, plan.regions)
        else:
            _draw(draw, seed, [(code, code) for code in desa], plan.regions, plan.regions)
    for group in attributes.values:
        lowest, highest = group.bounds
        for attribute in group.attributes:
            rng = random.Random(f"{seed}:{attribute}:values")
            for code, base in sorted(group.areas.items()):
                drawn = base + rng.uniform(-group.jitter, group.jitter)
                plan.regions[(code, attribute)] = round(min(max(drawn, lowest), highest), DIGITS)
    return plan


def _draw(
    draw: AttributeDraw,
    seed: int,
    places: Sequence[tuple[K, str]],
    found: dict[tuple[K, str], float],
    regions: dict[RegionKey, float],
) -> None:
    """Draw ``draw`` for ``places`` (key, desa code) into ``found``; ``regions`` holds desa values."""
    # One stream per rule; each place draws its presence and its value, so a changed chance in one
    # region leaves every other place's values as they were.
    rng = random.Random(f"{seed}:{draw.attribute}:{draw.per}")
    low, span = draw.values[0], draw.values[1] - draw.values[0] + 1
    chances: dict[str, float] = {}  # per desa: the TPS of one desa share it
    given = draw.given
    for key, code in places:
        chance = chances.get(code)
        if chance is None:
            chance = chances[code] = chance_at(draw, code)
        u, value = rng.random(), low + int(rng.random() * span)
        if given is not None and ((key, given.attribute) in found or (code, given.attribute) in regions):
            chance = given.chance
        if u < chance:
            found[(key, draw.attribute)] = float(value)


def check_demo_attributes(attributes: DemoAttributes, registry: AttributeRegistry) -> None:
    """Every attribute must be in the registry in force, with values its kind allows."""
    problems = []
    unknown = [code for code in attributes.attribute_codes() if registry.get(code) is None]
    if unknown:
        problems.append(f"attributes not in the registry (attributes.toml): {', '.join(unknown)}")
    for draw in attributes.draws:
        found = registry.get(draw.attribute)
        if found is not None and found.kind == "flag" and draw.values != (1, 1):
            problems.append(f"{draw.attribute} is a flag (yes/no): leave out values")
    for group in attributes.values:
        for code in group.attributes:
            found = registry.get(code)
            if found is not None and found.kind != "value":
                problems.append(
                    f"{code} is a {found.kind}: draw it per TPS or desa instead of setting values"
                )
    if problems:
        text = "; ".join(problems)
        raise Invalid("demo.bad_file", f"[attributes]: {text}", f"[attributes] tidak sesuai: {text}")


# -- writing them ------------------------------------------------------------------------------

TPS_TABLE = cast(Table, TpsAttribute.__table__)
REGION_TABLE = cast(Table, RegionAttribute.__table__)


def read_demo_places(session: Session, config: DemoConfig) -> tuple[list[DemoTps], list[str]]:
    """The demo's TPS (by desa and number) and desa codes, in code order."""
    province = Scope.of([config.province])
    tps = [
        DemoTps(tps_id, desa)
        for tps_id, desa in session.execute(
            select(Tps.id, Tps.desa_code)
            .where(Tps.election == config.election, province.clause(Tps.desa_code))
            .order_by(Tps.desa_code, Tps.number)
        )
    ]
    desa = list(
        session.scalars(
            select(Region.code).where(Region.level == 4, province.clause(Region.code)).order_by(Region.code)
        )
    )
    return tps, desa


@dataclass
class AttributeChanges:
    """What storing a plan changes: rows to write (new or changed) and demo values to remove."""

    tps_rows: list[dict[str, Any]]
    region_rows: list[dict[str, Any]]
    stale_tps: list[TpsKey]
    stale_regions: list[RegionKey]

    @property
    def written(self) -> int:
        return len(self.tps_rows) + len(self.region_rows)

    @property
    def removed(self) -> int:
        return len(self.stale_tps) + len(self.stale_regions)


def attribute_changes(
    session: Session,
    plan: AttributePlan,
    attributes: DemoAttributes,
    config: DemoConfig,
    tps: Sequence[DemoTps],
) -> AttributeChanges:
    """Compare ``plan`` with the stored values; values of another source (an import) are left alone."""
    source, at = attributes.source, attributes.collected_at
    codes = attributes.attribute_codes()
    demo_ids = {t.id for t in tps}
    existing_tps: dict[TpsKey, tuple[float, str | None]] = {
        (tps_id, attribute): (value, by)
        for tps_id, attribute, value, by in session.execute(
            select(
                TpsAttribute.tps_id, TpsAttribute.attribute, TpsAttribute.value, TpsAttribute.source
            ).where(or_(TpsAttribute.attribute.in_(codes), TpsAttribute.source == source))
        )
        if tps_id in demo_ids
    }
    province = Scope.of([config.province])
    existing_regions: dict[RegionKey, tuple[float, str | None]] = {
        (code, attribute): (value, by)
        for code, attribute, value, by in session.execute(
            select(
                RegionAttribute.region_code,
                RegionAttribute.attribute,
                RegionAttribute.value,
                RegionAttribute.source,
            ).where(
                province.clause(RegionAttribute.region_code),
                or_(RegionAttribute.attribute.in_(codes), RegionAttribute.source == source),
            )
        )
    }
    missing = sorted({code for code, _ in plan.regions} - _known_regions(session, plan))
    if missing:
        raise Invalid(
            "demo.bad_file",
            f"[attributes]: no region {', '.join(missing)} in the database",
            f"[attributes]: wilayah {', '.join(missing)} tidak ada",
        )
    return AttributeChanges(
        tps_rows=[
            {"tps_id": tps_id, "attribute": attribute, "value": value, "source": source, "updated_at": at}
            for (tps_id, attribute), value in plan.tps.items()
            if _ours_to_write(existing_tps.get((tps_id, attribute)), value, source)
        ],
        region_rows=[
            {"region_code": code, "attribute": attribute, "value": value, "source": source, "updated_at": at}
            for (code, attribute), value in plan.regions.items()
            if _ours_to_write(existing_regions.get((code, attribute)), value, source)
        ],
        # Demo values the file no longer gives (a chance lowered, a rule removed).
        stale_tps=[k for k, (_, by) in existing_tps.items() if by == source and k not in plan.tps],
        stale_regions=[
            k for k, (_, by) in existing_regions.items() if by == source and k not in plan.regions
        ],
    )


def apply_attribute_changes(session: Session, changes: AttributeChanges) -> None:
    upsert_rows(session, TPS_TABLE, changes.tps_rows, key=["tps_id", "attribute"])
    upsert_rows(session, REGION_TABLE, changes.region_rows, key=["region_code", "attribute"])
    for attribute, ids in _by_attribute(changes.stale_tps).items():
        for batch in batched(ids):
            session.execute(
                delete(TpsAttribute).where(
                    TpsAttribute.attribute == attribute, TpsAttribute.tps_id.in_(batch)
                )
            )
    for attribute, regions in _by_attribute(changes.stale_regions).items():
        for batch in batched(regions):
            session.execute(
                delete(RegionAttribute).where(
                    RegionAttribute.attribute == attribute, RegionAttribute.region_code.in_(batch)
                )
            )


def _ours_to_write(existing: tuple[float, str | None] | None, value: float, source: str) -> bool:
    if existing is None:
        return True
    stored, by = existing
    return by == source and stored != value  # another source's value (an import) stays


def _known_regions(session: Session, plan: AttributePlan) -> set[str]:
    wanted = sorted({code for code, _ in plan.regions})
    known: set[str] = set()
    for batch in batched(wanted):
        known.update(session.scalars(select(Region.code).where(Region.code.in_(batch))))
    return known


def _by_attribute(keys: Sequence[tuple[Any, str]]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for place, attribute in sorted(keys):
        grouped.setdefault(attribute, []).append(place)
    return grouped


# -- scoring -----------------------------------------------------------------------------------


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last minute of a local day, as the demo's reports take their "now"."""
    return datetime.combine(day + timedelta(days=1), time(0), zone) - timedelta(minutes=1)


def demo_moments(config: DemoConfig, zone: ZoneInfo) -> list[datetime]:
    """When the demo is scored, oldest first; the last is the demo's "now". Empty: no time is known."""
    attributes = config.attributes
    days = list(attributes.score_days) if attributes is not None else []
    if config.reports is not None:
        days.append(config.reports.end)
    elif attributes is not None and not days:
        days.append(attributes.collected_at.astimezone(zone).date())
    return [end_of_day(day, zone) for day in sorted(set(days))]


def demo_now(config: DemoConfig, zone: ZoneInfo) -> datetime | None:
    """The demo's "now": the end of its last day of reports (or of scoring)."""
    moments = demo_moments(config, zone)
    return moments[-1] if moments else None


def has_scores(session: Session, profile: ProfileConfig) -> bool:
    found = session.scalar(select(RiskScore.place).where(RiskScore.profile == profile.code).limit(1))
    return found is not None


def score_history(
    session: Session, profile: ProfileConfig, moments: Sequence[datetime], timezone: str
) -> RecomputeResult:
    """Recompute ``profile`` at each moment in turn, leaving each local day's snapshot; the last result."""
    zone = ZoneInfo(timezone)
    result: RecomputeResult | None = None
    for moment in moments:
        result = recompute(session, profile, moment, timezone)
        if not result.snapshot:
            # A snapshot of that day exists from an earlier load: replace it, so the history is
            # the one of the values now in place.
            take_snapshot(session, profile.code, moment.astimezone(zone).date())
    if result is None:
        raise ValueError("no moment to score at")
    return result


# -- loading -----------------------------------------------------------------------------------


@dataclass
class DemoRiskSummary:
    attributes_written: int = 0
    attributes_removed: int = 0
    scored: list[RecomputeResult] = field(default_factory=list)  # each profile at the demo's now
    moments: int = 0  # computations per profile (one snapshot day each)
    seconds: float = 0.0
    # Why nothing was done, when nothing was (no demo, nothing in the file to say when "now" is).
    skipped: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.attributes_written or self.attributes_removed or self.scored)


def load_demo_risk(
    database: Database, settings: Settings, config: DemoConfig, step: Step | None = None
) -> DemoRiskSummary:
    """Write the demo's attributes, then score every live profile over the demo's days.

    Each profile is scored in a transaction of its own; run after the demo's reports are committed.
    """
    say = step or (lambda _message: None)
    started = timer.perf_counter()
    summary = DemoRiskSummary()
    zone = ZoneInfo(settings.timezone)
    profiles = [load_profile(code, settings.config_dir) for code in settings.risk_profiles]
    with database.session() as session:
        if not demo_present(session, config):
            return DemoRiskSummary(skipped="the demo is not loaded")
        if config.attributes is not None:
            check_demo_attributes(config.attributes, load_attribute_registry(settings.config_dir))
            tps, desa = read_demo_places(session, config)
            plan = plan_demo_attributes(config.attributes, config.seed, tps, desa)
            changes = attribute_changes(session, plan, config.attributes, config, tps)
            if changes.written or changes.removed:
                say(f"{changes.written:,} attribute values of TPS and regions")
                apply_attribute_changes(session, changes)
            summary.attributes_written, summary.attributes_removed = changes.written, changes.removed
    moments = demo_moments(config, zone)
    if not moments:
        summary.skipped = "the demo file has neither [reports] nor [attributes] to date it"
        return summary
    summary.moments = len(moments)
    values_changed = bool(summary.attributes_written or summary.attributes_removed)
    for profile in profiles:
        with database.session() as session:
            if values_changed or not has_scores(session, profile):
                say(f"vulnerability scores of {profile.code} on {len(moments)} days")
                summary.scored.append(score_history(session, profile, moments, settings.timezone))
    summary.seconds = timer.perf_counter() - started
    return summary

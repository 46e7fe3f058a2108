"""The demo description file (``data/<name>.toml``), validated on load with clear errors."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Formatter
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tigapilar.core.errors import Invalid
from tigapilar.organisation.kinds import PILLARS
from tigapilar.regions.codes import code_problem, level_of

TpsKind = Literal["reguler", "lapas_rutan", "panti", "relokasi", "pekerja_ikn", "lainnya"]
Channel = Literal["odk", "sms", "web", "api"]
SourceKind = Literal["officer", "community", "anonymous"]
Outcome = Literal["baru", "terverifikasi", "ditindaklanjuti", "selesai", "tidak_valid"]
# What a report text may say; each is filled in per report (see demo/reports.py).
PLACEHOLDERS = frozenset(
    {"rt", "tempat", "orang", "jumlah", "uang", "paslon", "tps", "desa", "kecamatan", "jam"}
)
# The analyst notes a demo needs, one list per status change.
NOTE_KINDS = ("terverifikasi", "ditindaklanjuti", "selesai", "tidak_valid", "duplikat")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_code(code: str, level: int) -> str:
    problem = code_problem(code)
    if problem:
        raise ValueError(problem)
    if level_of(code) != level:
        raise ValueError(f"'{code}' is not a level-{level} code")
    return code


class KabKota(_Strict):
    tps: int = Field(gt=0)
    centre: tuple[float, float]
    radius_km: float = Field(gt=0)
    polres: str
    kodim: str


class Organisation(_Strict):
    polda: str
    korem: str
    pemprov: str
    kpu_provinsi: str
    bawaslu_provinsi: str
    bhabinkamtibmas: int = Field(gt=0)
    babinsa: int = Field(gt=0)


class SpecialTps(_Strict):
    kecamatan: str
    kind: TpsKind
    count: int = Field(gt=0)
    address: str
    dpt: int = Field(gt=0)

    @field_validator("kecamatan")
    @classmethod
    def _kecamatan(cls, code: str) -> str:
        return _check_code(code, 3)


class DemoAccount(_Strict):
    username: str
    name: str
    role: Literal["field_officer", "analyst", "commander", "partner", "admin"]
    national: bool = False
    areas: list[str] = []
    officer_pillar: Literal["bhabinkamtibmas", "babinsa", "kades_lurah"] | None = None
    # The code of the unit the account acts for (alerts routed to that unit reach it).
    unit: str | None = None

    @model_validator(mode="after")
    def _scope(self) -> DemoAccount:
        if not self.national and not self.areas:
            raise ValueError(f"account {self.username}: give areas or national = true")
        for code in self.areas:
            problem = code_problem(code)
            if problem:
                raise ValueError(f"account {self.username}: {problem}")
        return self


# -- field reports ------------------------------------------------------------------------------


def _positive_weights(weights: Iterable[float], what: str) -> None:
    values = list(weights)
    if any(w < 0 for w in values) or not any(w > 0 for w in values):
        raise ValueError(f"{what}: weights must be >= 0 with at least one above 0")


def _ordered_range(pair: tuple[float, float], what: str) -> None:
    if not 0 <= pair[0] <= pair[1]:
        raise ValueError(f"{what}: give [min, max] with 0 <= min <= max")


def placeholders_of(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


class Incident(_Strict):
    """One kind of incident of a category, in at least two wordings (two pillars tell it differently)."""

    titles: list[str] = Field(min_length=2)
    descriptions: list[str] = Field(min_length=2)
    weight: float = Field(default=1.0, gt=0)
    # Only in these stages of the election (calendar codes); empty: any stage.
    stages: list[str] = []
    # Only in these regions (code prefixes); empty: anywhere.
    areas: list[str] = []
    # Weights of severity 1..n; default: the [reports] severity weights.
    severity: list[float] | None = None
    people: tuple[int, int] | None = None  # {orang}, also the report's people_involved
    count: tuple[int, int] | None = None  # {jumlah}
    amounts: list[int] = []  # {uang}, in rupiah
    places: list[str] = []  # {tempat}; default: the texts' places

    @model_validator(mode="after")
    def _fillable(self) -> Incident:
        used = set().union(*(placeholders_of(t) for t in self.titles + self.descriptions))
        unknown = used - PLACEHOLDERS
        if unknown:
            raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; known: {sorted(PLACEHOLDERS)}")
        for name, given in (("orang", self.people), ("jumlah", self.count), ("uang", self.amounts)):
            if name in used and not given:
                raise ValueError(f"{{{name}}} is used but its range is not given")
        for pair in (self.people, self.count):
            if pair is not None and not 0 <= pair[0] <= pair[1]:
                raise ValueError("give ranges as [min, max]")
        for code in self.areas:
            problem = code_problem(code)
            if problem:
                raise ValueError(problem)
        return self

    @property
    def uses_tps(self) -> bool:
        return any("tps" in placeholders_of(t) for t in self.titles + self.descriptions)


class ReportTexts(_Strict):
    """Titles and descriptions of demo reports, per category (a data file of its own)."""

    places: list[str] = Field(min_length=1)
    # How a community source is named (no personal names: these are roles).
    sources: list[str] = Field(min_length=1)
    notes: dict[str, list[str]]
    categories: dict[str, list[Incident]]

    @model_validator(mode="after")
    def _complete(self) -> ReportTexts:
        missing = [k for k in NOTE_KINDS if not self.notes.get(k)]
        if missing:
            raise ValueError(f"notes needed for: {', '.join(missing)}")
        return self


class Hotspot(_Strict):
    kecamatan: str
    # Multiplies the chance of each of its villages to be where a report comes from.
    weight: float = Field(gt=0)
    # Multiply the category weights there.
    categories: dict[str, float] = {}
    # Only in these stages (calendar codes); empty: always.
    stages: list[str] = []
    # Replaces the channel mix there (e.g. SMS where data signal is rare).
    channels: dict[Channel, float] = {}
    # Reports arrive this many times later than elsewhere (sent when back in signal).
    delay_factor: float = Field(default=1.0, ge=1)

    @field_validator("kecamatan")
    @classmethod
    def _kecamatan(cls, code: str) -> str:
        return _check_code(code, 3)

    @field_validator("channels")
    @classmethod
    def _channels(cls, weights: dict[str, float]) -> dict[str, float]:
        if weights:
            _positive_weights(weights.values(), "hotspot channels")
        return weights


class StatusPlan(_Strict):
    """What analysts had done with the reports by the end of the demo period."""

    # Reports younger than this are still waiting (baru).
    fresh_hours: float = Field(ge=0)
    shares: dict[Outcome, float]
    # Reports of at least this severity use ``serious_shares`` (they are followed up more often).
    serious_severity: int = Field(default=3, ge=1)
    serious_shares: dict[Outcome, float] | None = None
    # Share of older duplicate pairs merged; the rest are left for the duplicate suggestions.
    merge_share: float = Field(ge=0, le=1)
    verify_hours: tuple[float, float]
    follow_up_hours: tuple[float, float]
    close_hours: tuple[float, float]

    @model_validator(mode="after")
    def _valid(self) -> StatusPlan:
        _positive_weights(self.shares.values(), "status shares")
        if self.serious_shares is not None:
            _positive_weights(self.serious_shares.values(), "status serious_shares")
        _ordered_range(self.verify_hours, "verify_hours")
        _ordered_range(self.follow_up_hours, "follow_up_hours")
        _ordered_range(self.close_hours, "close_hours")
        return self


class FailedPayload(_Strict):
    """A payload that cannot become a report as sent, left in the review queue."""

    channel: Channel
    at: AwareDatetime
    # The sender: an officer of this village (default: drawn like any report's village).
    village: str | None = None
    # What the payload says instead of the generated value (a typo, a wrong number...).
    desa_code: str | None = None
    category: str | None = None
    severity: int | None = None
    tps_number: int | None = None
    occurred_at: AwareDatetime | None = None
    # The payload could not be read at all: this is its raw text.
    unreadable: str | None = None

    @field_validator("village")
    @classmethod
    def _village(cls, code: str | None) -> str | None:
        return None if code is None else _check_code(code, 4)


class DemoReports(_Strict):
    count: int = Field(gt=0, le=20000)
    # Local days (the installation's time zone) the reports fall in; the demo's "now" is the end.
    start: date
    end: date
    # Reports per day rise towards ``peak`` (``peak_weight`` times the quiet days' rate) and fall after.
    peak: date
    peak_weight: float = Field(ge=1)
    rise_days: float = Field(gt=0)
    fall_days: float = Field(gt=0)
    # Local hours in which incidents happen (from, to).
    day_hours: tuple[int, int] = (6, 23)
    candidates: int = Field(ge=1)  # {paslon}: 1..candidates
    rt_max: int = Field(ge=1)  # {rt}: 1..rt_max
    # A village's chance grows with its number of TPS (a proxy for people) to this power.
    village_size_exponent: float = Field(ge=0)
    pillars: dict[str, float]
    channels: dict[Channel, float]
    delay_minutes: dict[Channel, tuple[float, float]]
    gps: dict[Channel, float] = {}  # share of reports with a GPS point, per channel
    gps_radius_km: float = Field(gt=0)
    sources: dict[SourceKind, float]
    severity: list[float] = Field(min_length=2)
    categories: dict[str, float]
    # Per stage (calendar code), multipliers of the category weights.
    stages: dict[str, dict[str, float]] = {}
    hotspots: list[Hotspot] = []
    duplicates: int = Field(ge=0)  # near-duplicate pairs, included in ``count``
    duplicate_hours: tuple[float, float]
    status: StatusPlan
    failed: list[FailedPayload] = []
    texts: ReportTexts

    @model_validator(mode="after")
    def _consistent(self) -> DemoReports:
        if not self.start <= self.peak <= self.end:
            raise ValueError("need start <= peak <= end")
        if not 0 <= self.day_hours[0] < self.day_hours[1] <= 24:
            raise ValueError("day_hours: give [from, to] local hours, 0 <= from < to <= 24")
        if 2 * self.duplicates >= self.count:
            raise ValueError("duplicates: at most half the count can be pairs")
        _positive_weights(self.pillars.values(), "pillars")
        unknown_pillars = sorted(set(self.pillars) - set(PILLARS))
        if unknown_pillars:
            raise ValueError(f"pillars: unknown {', '.join(unknown_pillars)}; known: {', '.join(PILLARS)}")
        _positive_weights(self.channels.values(), "channels")
        _positive_weights(self.sources.values(), "sources")
        _positive_weights(self.categories.values(), "categories")
        _positive_weights(self.severity, "severity")
        _ordered_range(self.duplicate_hours, "duplicate_hours")
        used = [c for c, w in self.channels.items() if w > 0] + [f.channel for f in self.failed]
        used += [c for h in self.hotspots for c, w in h.channels.items() if w > 0]
        for channel in dict.fromkeys(used):
            if channel not in self.delay_minutes:
                raise ValueError(f"delay_minutes: give a range for channel {channel}")
        for channel, pair in self.delay_minutes.items():
            _ordered_range(pair, f"delay_minutes.{channel}")
        known = set(self.categories)
        multiplied = [
            *(c for s in self.stages.values() for c in s),
            *(c for h in self.hotspots for c in h.categories),
        ]
        unknown = sorted(set(multiplied) - known)
        if unknown:
            raise ValueError(f"categories not in [reports.categories]: {', '.join(unknown)}")
        # A category is only drawn where one of its incidents fits the stage and the place.
        untold = sorted(c for c, w in self.categories.items() if w > 0 and not self.texts.categories.get(c))
        if untold:
            raise ValueError(f"texts: no incidents for categories {', '.join(untold)}")
        for code, incidents in self.texts.categories.items():
            for incident in incidents:
                if incident.severity is not None and len(incident.severity) != len(self.severity):
                    raise ValueError(f"texts: a {code} incident's severity weights differ in length")
        return self


# -- attributes of places (for the vulnerability index) ------------------------------------------

ATTRIBUTE_CODE = r"^[a-z][a-z0-9_]{1,59}$"
AttributeCode = Annotated[str, Field(pattern=ATTRIBUTE_CODE)]


def _check_area(code: str, what: str) -> None:
    problem = code_problem(code)
    if problem:
        raise ValueError(f"{what}: {problem}")
    if level_of(code) not in (2, 3, 4):
        raise ValueError(f"{what}: '{code}' is not a kab/kota, kecamatan or desa code")


class GivenAttribute(_Strict):
    """Where a place has ``attribute`` (drawn by an earlier rule), the chance is ``chance`` instead."""

    attribute: AttributeCode
    chance: float = Field(ge=0, le=1)


class AttributeDraw(_Strict):
    """An attribute drawn for each TPS (or each desa, inherited by its TPS) with a chance by place."""

    attribute: AttributeCode
    per: Literal["tps", "desa"] = "tps"
    # The chance anywhere ``areas`` does not name.
    chance: float = Field(ge=0, le=1)
    # Region code (kab/kota, kecamatan or desa) -> chance there; the most specific code wins.
    areas: dict[str, float] = {}
    # Attributes that go together (no signal where it is hard to reach): the chance where the place
    # (a TPS or its desa) has the given attribute.
    given: GivenAttribute | None = None
    # The value when present, drawn uniformly in [min, max] (whole numbers; 1 for a flag).
    values: tuple[int, int] = (1, 1)

    @model_validator(mode="after")
    def _valid(self) -> AttributeDraw:
        what = f"attribute {self.attribute}"
        for code, chance in self.areas.items():
            _check_area(code, what)
            if not 0 <= chance <= 1:
                raise ValueError(f"{what}: the chance in {code} must be between 0 and 1")
        if not 1 <= self.values[0] <= self.values[1]:
            raise ValueError(f"{what}: give values as [min, max] with 1 <= min <= max")
        return self


class AttributeValues(_Strict):
    """Attributes set on regions (kab/kota IKP scores...): a base value per region, varied per attribute."""

    attributes: list[AttributeCode] = Field(min_length=1)
    # Region code -> base value; each attribute gets it plus a uniform draw in [-jitter, jitter].
    areas: dict[str, float] = Field(min_length=1)
    jitter: float = Field(default=0, ge=0)
    # Values are clipped to these bounds.
    bounds: tuple[float, float] = (0, 100)

    @model_validator(mode="after")
    def _valid(self) -> AttributeValues:
        for code in self.areas:
            _check_area(code, f"attributes {', '.join(self.attributes)}")
        if self.bounds[0] > self.bounds[1]:
            raise ValueError("bounds: give [min, max]")
        return self


class DemoAttributes(_Strict):
    """Attribute values of the demo's places, for the vulnerability profiles (see demo/risk.py)."""

    # Stored as the values' source, so that the demo's values are told apart from imported ones.
    source: str = Field(min_length=1, max_length=200)
    # When the values were collected (their updated_at).
    collected_at: AwareDatetime
    # Earlier local days scored (at the end of the day) before the demo's "now", for trends.
    score_days: list[date] = []
    draws: list[AttributeDraw] = []
    values: list[AttributeValues] = []

    @model_validator(mode="after")
    def _unique(self) -> DemoAttributes:
        drawn = [(d.attribute, d.per) for d in self.draws]
        valued = [a for v in self.values for a in v.attributes]
        repeated = sorted({f"{a} per {p}" for a, p in drawn if drawn.count((a, p)) > 1})
        repeated += sorted({a for a in valued if valued.count(a) > 1})
        if repeated:
            raise ValueError(f"given twice: {', '.join(repeated)}")
        for n, draw in enumerate(self.draws):
            if draw.given is not None and draw.given.attribute not in {d.attribute for d in self.draws[:n]}:
                raise ValueError(
                    f"{draw.attribute}: given.attribute {draw.given.attribute} is not drawn before it"
                )
        if self.score_days != sorted(set(self.score_days)):
            raise ValueError("score_days: give distinct days in order")
        return self

    def attribute_codes(self) -> list[str]:
        return sorted({d.attribute for d in self.draws} | {a for v in self.values for a in v.attributes})


# -- early warning ------------------------------------------------------------------------------


class DemoBurstReport(_Strict):
    desa: str
    hour: float = Field(ge=0, lt=24)  # local time on the burst day
    category: str
    severity: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)


class DemoResponse(_Strict):
    """How the units answered the demo's past alerts (minutes, drawn uniformly between the bounds)."""

    acknowledge: tuple[float, float]
    arrive: tuple[float, float]
    handle: tuple[float, float]
    resolve: tuple[float, float]
    cancel_share: float = Field(ge=0, le=1)
    cancel_reasons: list[str] = Field(min_length=1)
    outcomes: list[str] = Field(min_length=1)
    lessons: list[str] = Field(min_length=1)
    # Action code (response.toml) -> descriptions to choose from.
    actions: dict[str, list[str]] = Field(min_length=1)


class DemoAlertStep(_Strict):
    """Something that happened to the burst's alert, minutes after the cycle that raised it: a
    detector cycle (``cycle = true``), a status change or a logged action by a demo account."""

    after_minutes: float = Field(ge=0)
    cycle: bool = False
    account: str | None = None
    status: str | None = None
    action: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one_thing(self) -> DemoAlertStep:
        things = [self.cycle, self.status is not None, self.action is not None]
        if sum(things) != 1:
            raise ValueError("a burst step is a cycle, a status or an action: exactly one")
        if not self.cycle and self.account is None:
            raise ValueError("a status or action step needs the account that took it")
        return self


class DemoAlerts(_Strict):
    # Local hour of the daily detector cycle replayed over the last `history_days` of the period.
    cycle_hour: int = Field(ge=0, le=23)
    history_days: int = Field(ge=1)
    # The account that logs the units' answers (the Polda's operations room takes them by radio).
    operator: str
    # The burst on the demo's last day: reports through the intake, verified after a while; the
    # cycle at `burst_cycle_hour` raises its alert, the one at the demo's now escalates it.
    burst_cycle_hour: float = Field(ge=0, lt=24)
    verify_after_minutes: float = Field(ge=0)
    burst: list[DemoBurstReport] = Field(min_length=1)
    burst_steps: list[DemoAlertStep] = []
    response: DemoResponse


class DemoConfig(_Strict):
    province: str
    province_name: str
    election: str
    seed: int
    dpt_total: int = Field(gt=0)
    dpt_max_per_tps: int = Field(gt=0)
    male_share: float = Field(gt=0, lt=1)
    password: str = Field(min_length=10)
    kabkota: dict[str, KabKota]
    organisation: Organisation
    special_tps: list[SpecialTps] = []
    accounts: list[DemoAccount]
    reports: DemoReports | None = None
    attributes: DemoAttributes | None = None
    alerts: DemoAlerts | None = None

    @field_validator("province")
    @classmethod
    def _province(cls, code: str) -> str:
        return _check_code(code, 1)

    @model_validator(mode="after")
    def _consistent(self) -> DemoConfig:
        for code in self.kabkota:
            _check_code(code, 2)
            if not code.startswith(self.province + "."):
                raise ValueError(f"kab/kota {code} is not in province {self.province}")
        for special in self.special_tps:
            if special.kecamatan.rsplit(".", 1)[0] not in self.kabkota:
                raise ValueError(f"special TPS kecamatan {special.kecamatan} is outside the listed kab/kota")
        voters_needed = sum(k.tps for k in self.kabkota.values()) + sum(s.count for s in self.special_tps)
        if self.dpt_total > voters_needed * self.dpt_max_per_tps:
            raise ValueError("dpt_total does not fit in the TPS at dpt_max_per_tps voters each")
        if self.reports is not None:
            self._reports_inside(self.reports)
        if self.attributes is not None:
            self._attributes_inside(self.attributes)
        if self.alerts is not None:
            outside = sorted({b.desa for b in self.alerts.burst if b.desa[:5] not in self.kabkota})
            if outside:
                raise ValueError(f"alerts.burst: {', '.join(outside)} outside the listed kab/kota")
            if self.reports is None:
                raise ValueError("[alerts] needs [reports]: its history replays their detector cycles")
        return self

    def _reports_inside(self, reports: DemoReports) -> None:
        for hotspot in reports.hotspots:
            if hotspot.kecamatan.rsplit(".", 1)[0] not in self.kabkota:
                raise ValueError(f"hotspot {hotspot.kecamatan} is outside the listed kab/kota")
        for failed in reports.failed:
            if failed.village is not None and failed.village[:5] not in self.kabkota:
                raise ValueError(f"failed payload village {failed.village} is outside the listed kab/kota")
        for code, incidents in reports.texts.categories.items():
            for incident in incidents:
                for area in incident.areas:
                    if area != self.province and not area.startswith(self.province + "."):
                        raise ValueError(f"texts: {code} incident area {area} is outside the province")

    def _attributes_inside(self, attributes: DemoAttributes) -> None:
        codes = [c for d in attributes.draws for c in d.areas] + [
            c for v in attributes.values for c in v.areas
        ]
        outside = sorted({c for c in codes if c[:5] not in self.kabkota})
        if outside:
            raise ValueError(f"attributes: {', '.join(outside)} outside the listed kab/kota")
        if self.reports is not None and any(d >= self.reports.end for d in attributes.score_days):
            raise ValueError("attributes.score_days: give days before the end of [reports] (the demo's now)")


def load_demo_config(name_or_path: str = "kaltim") -> DemoConfig:
    """Load a shipped demo by name (``kaltim``) or any file path, refusing bad files clearly.

    ``[reports] texts`` may name a second file (next to the demo file) holding the report texts.
    """
    path = Path(name_or_path)
    folder: Traversable
    if path.suffix == ".toml" and path.exists():
        resource: Traversable = path
        folder = path.parent
        source = str(path)
    else:
        folder = resources.files("tigapilar.demo").joinpath("data")
        resource = folder.joinpath(f"{name_or_path}.toml")
        if not resource.is_file():
            raise Invalid(
                "demo.unknown", f"No demo named '{name_or_path}'.", f"Demo '{name_or_path}' tidak ada."
            )
        source = f"{name_or_path}.toml"
    try:
        raw = _read_toml(resource, source)
        reports = raw.get("reports")
        if isinstance(reports, dict) and isinstance(reports.get("texts"), str):
            name = reports["texts"]
            texts = folder.joinpath(name)
            if not texts.is_file():
                raise Invalid(
                    "demo.bad_file",
                    f"{source}: the report texts file '{name}' is missing.",
                    f"{source}: berkas teks laporan '{name}' tidak ada.",
                )
            source = f"{source} (+ {name})"
            reports["texts"] = _read_toml(texts, name)
        return DemoConfig.model_validate(raw)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]), "reason": err["msg"]} for err in exc.errors()
        ]
        raise Invalid(
            "demo.bad_file",
            f"{source}: {exc.error_count()} problem(s)",
            f"{source}: isian tidak valid",
            details,
        ) from exc


def _read_toml(resource: Traversable, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(resource.read_bytes().decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise Invalid("demo.bad_file", f"{source}: {exc}", f"{source}: berkas tidak valid: {exc}") from exc

"""Synthetic national data for the vulnerability benchmark: a profile, imported attributes, reports.

Everything is drawn from ``numpy.random.default_rng(seed)`` and the database's own region and TPS
tables, so the same seed on the same TPS gives the same rows on SQLite and PostgreSQL. What is
realistic and what is not is written down in docs/benchmarks.md ("Vulnerability index").

* **Attributes** (``tps_attribute``, ``region_attribute``): one spec per attribute a profile uses
  (:data:`ATTRIBUTES`): its level (tps, desa, kabkota), the share of places that have a row, and how
  the value is drawn. An attribute of a profile that is not listed gets a fallback (10 % of desa, a
  flag, a count or a value in the indicator's range, as its rule suggests).
* **Reports** (``report``): spread over the 18 months before "now" with two ramps (Pemilu 2024 on
  14 Feb 2024 and Pilkada 2024 on "now", voting day), over villages with heavy-tailed weights (a
  tenth of the kab/kota are hotspots), realistic category shares, severities per category, 70 %
  verified, 30 % naming a TPS of their village, election and stage from the shipped calendar.
  Inserted in bulk, bypassing the intake (measured by bench_intake): batched executemany on SQLite,
  ``COPY`` on PostgreSQL, with timestamps already in the text each backend stores.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

NOW = datetime(2024, 11, 27, 4, 0, tzinfo=UTC)  # noon WITA on Pilkada 2024 voting day
PEMILU_DAY = datetime(2024, 2, 14, 4, 0, tzinfo=UTC)
HISTORY_DAYS = 548  # 18 months of reports before NOW
SOURCE = "bench-risk (synthetic)"
CHUNK = 50_000
WITA = timedelta(hours=8)

# --- the fallback profile --------------------------------------------------------------------------

PROFILE_CODE = "bench-rawan"
# 8 variables, 25 indicators (14 from reports, 9 attributes, 2 TPS measures), in the spirit of the
# Polri/Bawaslu TPS vulnerability lists: used when no tps-rawan-2024 is shipped.
_INDICATORS: list[tuple[str, str, float, list[tuple[str, str, float, str]]]] = [
    # (group code, label, weight, [(indicator code, source, weight, rest of the TOML table)])
    ("aksesibilitas", "Aksesibilitas", 2, [
        ("sulit_dijangkau", "attribute", 3, 'attribute = "sulit_dijangkau"'),
        ("blank_spot", "attribute", 2, 'attribute = "blank_spot"'),
        ("rawan_bencana", "attribute", 1, 'attribute = "rawan_bencana"'),
        ("jarak_kecamatan", "attribute", 1, 'attribute = "jarak_km"\nrule = "scaled"\nlow = 5\nhigh = 60'),
        ("bencana_akses", "reports", 2, 'categories = ["bencana_akses"]\nrule = "count"\nsaturation = 2'),
    ]),
    ("lokasi", "Lokasi dan pemilih", 1, [
        ("lokasi_khusus", "tps", 2, 'measure = "special_location"'),
        ("dpt_besar", "tps", 1, 'measure = "dpt"\nrule = "scaled"\nlow = 200\nhigh = 300'),
    ]),
    ("penyelenggara", "Penyelenggara dan logistik", 2, [
        ("dpt_tms", "attribute", 2, 'attribute = "dpt_tms"\nrule = "count"\nsaturation = 20'),
        ("logistik", "reports", 2, 'categories = ["logistik"]\nrule = "count"\nsaturation = 2'),
        ("masalah_pemungutan", "reports", 2,
         'categories = ["masalah_pemungutan"]\nrule = "count"\nsaturation = 2'),
        ("jaringan_listrik", "reports", 1,
         'categories = ["gangguan_jaringan_listrik"]\nrule = "count"\nsaturation = 3'),
    ]),
    ("politik_uang", "Politik uang dan netralitas", 3, [
        ("politik_uang", "reports", 3, 'categories = ["politik_uang"]\nrule = "count"\nsaturation = 3'),
        ("netralitas", "reports", 2, 'categories = ["netralitas"]\nrule = "count"\nsaturation = 2'),
        ("fasilitas_negara", "reports", 1,
         'categories = ["fasilitas_negara"]\nrule = "count"\nsaturation = 2'),
    ]),
    ("konflik", "Konflik dan kekerasan", 3, [
        ("kekerasan", "reports", 3,
         'categories = ["intimidasi_kekerasan"]\nrule = "count"\nsaturation = 2'),
        ("bentrok", "reports", 3, 'categories = ["bentrok_pendukung"]\nrule = "count"\nsaturation = 1'),
        ("sengketa_lahan", "reports", 1, 'categories = ["sengketa_lahan"]\nrule = "count"\nsaturation = 3'),
        ("riwayat_konflik", "attribute", 2, 'attribute = "riwayat_konflik"'),
    ]),
    ("informasi", "Hoaks dan SARA", 2, [
        ("hoaks", "reports", 1, 'categories = ["hoaks"]\nrule = "count"\nsaturation = 4'),
        ("sara", "reports", 2, 'categories = ["sara"]\nrule = "count"\nsaturation = 2'),
    ]),
    ("kampanye", "Kampanye", 1, [
        ("perusakan_apk", "reports", 1, 'categories = ["perusakan_apk"]\nrule = "count"\nsaturation = 4'),
        ("unjuk_rasa", "reports", 1,
         'categories = ["unjuk_rasa", "lainnya"]\nrule = "count"\nsaturation = 3'),
    ]),
    ("riwayat", "Riwayat pemilu", 2, [
        ("psu_2019", "attribute", 2, 'attribute = "psu_2019"'),
        ("pelanggaran_2019", "attribute", 1,
         'attribute = "pelanggaran_2019"\nrule = "count"\nsaturation = 5'),
        ("ikp_kabkota", "attribute", 2, 'attribute = "ikp_kabkota"\nrule = "scaled"\nlow = 40\nhigh = 90'),
    ]),
]  # fmt: skip


def fallback_profile_toml(election: str) -> str:
    """A profile file of the shipped profile's expected size (8 variables, 25 indicators)."""
    lines = [
        f'code = "{PROFILE_CODE}"',
        'name = "Bench: kerawanan TPS (sintetis)"',
        'name_en = "Bench: TPS vulnerability (synthetic)"',
        'unit = "tps"',
        f'election = "{election}"',
        'khusus_kinds = ["lapas_rutan", "panti", "relokasi", "pekerja_ikn", "lainnya"]',
        "",
    ]
    for code, label, minimum in (
        ("rendah", "Rendah", 0),
        ("sedang", "Sedang", 20),
        ("tinggi", "Tinggi", 40),
        ("sangat_tinggi", "Sangat tinggi", 60),
    ):
        lines += ["[[bands.default]]", f'code = "{code}"', f'label = "{label}"', f'label_en = "{code}"']
        lines += [f"min = {minimum}", ""]
    lines += [
        "[reports]",
        "half_life_days = 21",
        "horizon_days = 120",
        "stage_multiplier = { kampanye = 1.2, masa_tenang = 1.5, pemungutan = 2.0 }",
        "",
    ]
    for group, label, weight, indicators in _INDICATORS:
        lines += ["[[group]]", f'code = "{group}"', f'label = "{label}"', f'label_en = "{group}"']
        lines += [f"weight = {weight}", ""]
        for code, source, i_weight, rest in indicators:
            lines += ["[[group.indicator]]", f'code = "{code}"', f'label = "{code}"', f'label_en = "{code}"']
            lines += [f"weight = {i_weight}", f'source = "{source}"', rest, ""]
    return "\n".join(lines)


# --- attributes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeSpec:
    level: str  # tps | desa | kabkota
    share: float  # of the places at that level that get a row
    kind: str  # flag (1) | count (1..high) | value (low..high, uniform)
    low: float = 0
    high: float = 1


# Shares are invented (no per-indicator counts are published for the whole country) but of a plausible
# order: common list problems at many TPS, rare histories at few; flags are 1, counts 1..high.
ATTRIBUTES: dict[str, tuple[AttributeSpec, ...]] = {
    # shipped tps-rawan-2024 (Bawaslu's TPS mapping): per TPS ...
    "dpt_tms": (AttributeSpec("tps", 0.30, "count", 1, 40),),
    "dptb": (AttributeSpec("tps", 0.15, "count", 1, 30),),
    "dpk": (AttributeSpec("tps", 0.10, "count", 1, 20),),
    "kpps_luar_domisili": (AttributeSpec("tps", 0.05, "flag"),),
    "pemilih_disabilitas": (AttributeSpec("tps", 0.40, "flag"),),
    "riwayat_psu": (AttributeSpec("tps", 0.01, "flag"),),
    "riwayat_kekerasan": (AttributeSpec("tps", 0.01, "flag"),),
    "riwayat_politik_uang": (AttributeSpec("tps", 0.03, "flag"),),
    "kpps_berkampanye": (AttributeSpec("tps", 0.005, "flag"),),
    "riwayat_logistik": (AttributeSpec("tps", 0.03, "flag"),),
    "sulit_dijangkau": (AttributeSpec("tps", 0.05, "flag"),),
    "dekat_posko": (AttributeSpec("tps", 0.05, "flag"),),
    "dekat_lembaga_pendidikan": (AttributeSpec("tps", 0.10, "flag"),),
    # ... per desa, and per kab/kota (a whole conflict-prone kab/kota flagged at once)
    "blank_spot": (AttributeSpec("desa", 0.10, "flag"),),
    "rawan_bencana": (AttributeSpec("desa", 0.15, "flag"),),
    "listrik_tidak_stabil": (AttributeSpec("desa", 0.08, "flag"),),
    "dekat_tambang": (AttributeSpec("desa", 0.03, "flag"),),
    "rawan_konflik": (AttributeSpec("kabkota", 0.05, "flag"), AttributeSpec("desa", 0.03, "flag")),
    # bench-rawan (the fallback profile) only
    "psu_2019": (AttributeSpec("tps", 0.005, "flag"),),
    "jarak_km": (AttributeSpec("desa", 0.60, "value", 0.5, 120),),
    "pelanggaran_2019": (AttributeSpec("desa", 0.08, "count", 1, 10),),
    "riwayat_konflik": (AttributeSpec("kabkota", 0.15, "flag"),),
    "ikp_kabkota": (AttributeSpec("kabkota", 1.0, "value", 20, 100),),
}


def attribute_specs(profile: Any) -> dict[str, tuple[AttributeSpec, ...]]:
    """The specs of every attribute ``profile`` reads (fallbacks for attributes not listed above)."""
    from tigapilar.risk.profile import indicators_of

    registry_levels: dict[str, str] = {}
    try:  # the shipped attribute registry, when there is one, knows each attribute's level
        from tigapilar.risk.attributes import load_attribute_registry

        registry_levels = {a.code: a.level for a in load_attribute_registry().attribute}
    except Exception:
        pass
    specs: dict[str, tuple[AttributeSpec, ...]] = {}
    for indicator in indicators_of(profile):
        name = indicator.attribute
        if indicator.source != "attribute" or not name or name in specs:
            continue
        if name in ATTRIBUTES:
            specs[name] = ATTRIBUTES[name]
            continue
        level = registry_levels.get(name, "desa")
        level = level if level in ("tps", "desa", "kabkota") else "desa"
        if indicator.rule == "scaled":
            low, high = float(indicator.low or 0), float(indicator.high or 1)
            specs[name] = (
                AttributeSpec(level, 0.5, "value", low - (high - low) / 4, high + (high - low) / 4),
            )
        elif indicator.rule == "count":
            specs[name] = (AttributeSpec(level, 0.10, "count", 1, 2 * float(indicator.saturation or 1)),)
        else:
            specs[name] = (AttributeSpec(level, 0.10, "flag"),)
    return specs


def _values(rng: np.random.Generator, spec: AttributeSpec, n: int) -> NDArray[np.float64]:
    if spec.kind == "flag":
        return np.ones(n)
    if spec.kind == "count":
        # Mostly small counts, a few large ones (geometric-like), capped at ``high``.
        return np.minimum(np.ceil(rng.exponential((spec.high - spec.low) / 4, n)) + spec.low - 1, spec.high)
    return np.round(rng.uniform(spec.low, spec.high, n), 2)


def insert_attributes(
    session: Session, specs: dict[str, tuple[AttributeSpec, ...]], election: str, seed: int
) -> dict[str, int]:
    """Write the attribute rows for the places of ``election``; return rows per attribute."""
    from tigapilar.storage.models import Region, RegionAttribute, Tps, TpsAttribute

    rng = np.random.default_rng(seed + 1)
    tps_ids = np.array(session.scalars(select(Tps.id).where(Tps.election == election).order_by(Tps.id)).all())
    regions = {
        level: np.array(
            session.scalars(select(Region.code).where(Region.level == rank).order_by(Region.code)).all()
        )
        for level, rank in (("desa", 4), ("kabkota", 2))
    }
    now = datetime.now(UTC)
    written: dict[str, int] = {}
    for name, spec in [(n, s) for n, several in sorted(specs.items()) for s in several]:
        places = tps_ids if spec.level == "tps" else regions[spec.level]
        chosen = np.sort(rng.choice(len(places), size=round(len(places) * spec.share), replace=False))
        values = _values(rng, spec, len(chosen)).tolist()
        if spec.level == "tps":
            table = cast(Table, TpsAttribute.__table__)
            rows = [
                {"tps_id": int(places[i]), "attribute": name, "value": v, "source": SOURCE, "updated_at": now}
                for i, v in zip(chosen.tolist(), values, strict=True)
            ]
        else:
            table = cast(Table, RegionAttribute.__table__)
            rows = [
                {
                    "region_code": str(places[i]),
                    "attribute": name,
                    "value": v,
                    "source": SOURCE,
                    "updated_at": now,
                }
                for i, v in zip(chosen.tolist(), values, strict=True)
            ]
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(table), rows[start : start + CHUNK])
        written[f"{name} ({spec.level}, {spec.share:.1%})"] = len(rows)
    return written


# --- reports ---------------------------------------------------------------------------------------

# (code, share of all reports, severity distribution 1..4)
_COMMON = (0.35, 0.40, 0.18, 0.07)
_VIOLENT = (0.12, 0.33, 0.35, 0.20)
_DISRUPTION = (0.25, 0.40, 0.25, 0.10)
CATEGORIES: list[tuple[str, float, tuple[float, float, float, float]]] = [
    ("politik_uang", 0.14, _COMMON),
    ("hoaks", 0.12, (0.45, 0.38, 0.13, 0.04)),
    ("perusakan_apk", 0.12, (0.45, 0.40, 0.12, 0.03)),
    ("netralitas", 0.08, _COMMON),
    ("logistik", 0.07, _DISRUPTION),
    ("sara", 0.06, (0.25, 0.40, 0.25, 0.10)),
    ("intimidasi_kekerasan", 0.06, _VIOLENT),
    ("bencana_akses", 0.05, _DISRUPTION),
    ("gangguan_jaringan_listrik", 0.05, (0.40, 0.40, 0.15, 0.05)),
    ("masalah_pemungutan", 0.05, _DISRUPTION),
    ("lainnya", 0.05, (0.50, 0.35, 0.12, 0.03)),
    ("fasilitas_negara", 0.04, _COMMON),
    ("unjuk_rasa", 0.04, _DISRUPTION),
    ("sengketa_lahan", 0.04, _DISRUPTION),
    ("bentrok_pendukung", 0.03, _VIOLENT),
]
# 70 % verified (in one of the three counted statuses), 18 % waiting, 12 % rejected.
STATUSES = (
    ("terverifikasi", 0.40),
    ("ditindaklanjuti", 0.18),
    ("selesai", 0.12),
    ("baru", 0.18),
    ("ditolak", 0.12),
)
CHANNELS = (("odk", 0.45), ("sms", 0.25), ("web", 0.15), ("api", 0.15))
PILLARS = (("bhabinkamtibmas", 0.5), ("babinsa", 0.3), ("kades_lurah", 0.2))
NAMES_TPS = 0.30
REPORT_COLUMNS = (
    "channel",
    "pillar",
    "source_kind",
    "desa_code",
    "tps_id",
    "occurred_at",
    "received_at",
    "election",
    "stage",
    "category",
    "severity",
    "title",
    "description",
    "status",
    "status_reason",
    "updated_at",
)


def day_weights(days: int, now: datetime) -> NDArray[np.float64]:
    """Relative report volume of each of the ``days`` days before ``now`` (oldest first).

    A floor of routine reports, a ramp into Pemilu 2024 and one into Pilkada 2024 (voting day = now),
    each decaying with about a month, and a short tail after the Pemilu.
    """
    age = np.arange(days, 0, -1, dtype=np.float64) - 0.5  # days before now, oldest first
    to_pemilu = age - (now - PEMILU_DAY).total_seconds() / 86400  # > 0: before the Pemilu
    pemilu = np.where(to_pemilu >= 0, 6 * np.exp(-to_pemilu / 30), 6 * np.exp(to_pemilu / 7))
    weights: NDArray[np.float64] = 1.0 + pemilu + 10 * np.exp(-age / 35)
    return weights


@dataclass
class ReportPlan:
    """The drawn columns of every report (numpy), before they become rows."""

    desa: NDArray[np.str_]
    tps: NDArray[np.int64]  # -1: names no TPS
    occurred: NDArray[np.int64]  # epoch seconds
    received: NDArray[np.int64]
    category: NDArray[np.int64]
    severity: NDArray[np.int64]
    status: NDArray[np.int64]
    channel: NDArray[np.int64]
    pillar: NDArray[np.int64]
    election: NDArray[np.str_]
    stage: NDArray[np.str_]

    def __len__(self) -> int:
        return len(self.desa)


def plan_reports(session: Session, count: int, now: datetime, election: str, seed: int) -> ReportPlan:
    """Draw ``count`` reports over the desa and TPS in the database (TPS of ``election``)."""
    from tigapilar.elections.calendar import load_calendar
    from tigapilar.storage.models import Region, Tps

    rng = np.random.default_rng(seed + 2)
    desa = np.array(session.scalars(select(Region.code).where(Region.level == 4).order_by(Region.code)).all())
    tps_rows = session.execute(
        select(Tps.id, Tps.desa_code).where(Tps.election == election).order_by(Tps.desa_code, Tps.id)
    ).all()
    tps_ids = np.array([r[0] for r in tps_rows], dtype=np.int64)
    tps_desa = np.array([r[1] for r in tps_rows], dtype=desa.dtype)
    first = np.searchsorted(tps_desa, desa, side="left")
    per_desa = np.searchsorted(tps_desa, desa, side="right") - first
    # Villages: heavy-tailed weights, a tenth of the kab/kota three times as busy, busier with more TPS.
    kab, kab_of = np.unique(np.array([c[:5] for c in desa.tolist()]), return_inverse=True)
    hotspot = np.where(rng.random(len(kab)) < 0.10, 3.0, 1.0)
    weight = rng.lognormal(0.0, 1.0, len(desa)) * hotspot[kab_of] * (1 + np.sqrt(per_desa))
    where = rng.choice(len(desa), size=count, p=weight / weight.sum())
    names_tps = (rng.random(count) < NAMES_TPS) & (per_desa[where] > 0)
    pick = first[where] + np.floor(rng.random(count) * np.maximum(per_desa[where], 1)).astype(np.int64)
    tps = np.where(names_tps, tps_ids[np.minimum(pick, max(len(tps_ids) - 1, 0))] if len(tps_ids) else -1, -1)
    # When: a day by the day weights, a time of day around office hours in WITA.
    days = day_weights(HISTORY_DAYS, now)
    day = rng.choice(HISTORY_DAYS, size=count, p=days / days.sum())
    start = int(now.timestamp()) - HISTORY_DAYS * 86400
    local_seconds = np.clip(rng.normal(13, 4, count), 0, 23.99) * 3600  # hour of the day, WITA
    occurred = start + day * 86400 + (local_seconds - WITA.total_seconds()).astype(np.int64)
    occurred = np.minimum(occurred, int(now.timestamp()) - 60)
    received = np.minimum(occurred + rng.exponential(1800, count).astype(np.int64), int(now.timestamp()))
    # Election and stage from the calendar, per local day.
    calendar = load_calendar()
    local_day = (occurred + int(WITA.total_seconds())) // 86400
    unique_days, day_of = np.unique(local_day, return_inverse=True)
    found = [calendar.stage_at(datetime.fromtimestamp(int(d) * 86400 + 4 * 3600, UTC)) for d in unique_days]
    elections = np.array([f.election if f else "" for f in found])[day_of]
    stages = np.array([f.stage if f else "" for f in found])[day_of]
    category = rng.choice(len(CATEGORIES), size=count, p=[c[1] for c in CATEGORIES])
    cumulative = np.cumsum(np.array([c[2] for c in CATEGORIES]), axis=1)
    severity = 1 + (rng.random(count)[:, None] > cumulative[category][:, :3]).sum(axis=1)
    status = rng.choice(len(STATUSES), size=count, p=[s[1] for s in STATUSES])
    channel = rng.choice(len(CHANNELS), size=count, p=[c[1] for c in CHANNELS])
    pillar = rng.choice(len(PILLARS), size=count, p=[p[1] for p in PILLARS])
    order = np.argsort(received, kind="stable")  # ids grow with arrival time, as in a real table
    return ReportPlan(
        desa=desa[where][order],
        tps=tps.astype(np.int64)[order],
        occurred=occurred.astype(np.int64)[order],
        received=received.astype(np.int64)[order],
        category=category[order],
        severity=severity.astype(np.int64)[order],
        status=status[order],
        channel=channel[order],
        pillar=pillar[order],
        election=elections[order],
        stage=stages[order],
    )


@functools.cache
def _texts() -> tuple[list[str], list[list[str]]]:
    from tigapilar.reports.taxonomy import load_taxonomy

    labels = {c.code: c.label for c in load_taxonomy().categories}
    titles = [labels.get(code, code) for code, _, _ in CATEGORIES]
    descriptions = [
        [f"Laporan sintetis (benchmark): {title}, tingkat {level}." for level in range(1, 5)]
        for title in titles
    ]
    return titles, descriptions


def _stamps(seconds: NDArray[np.int64], postgresql: bool) -> list[str]:
    """Epoch seconds as the text each backend stores for an aware UTC datetime.

    SQLite: what SQLAlchemy writes for ``UtcDateTime`` (``2024-11-27 04:00:00.000000``, UTC, no zone);
    PostgreSQL: ISO 8601 with the zone, parsed by COPY into ``timestamptz``.
    """
    text = np.char.replace(np.datetime_as_string(seconds.astype("datetime64[s]"), unit="us"), "T", " ")
    return [f"{t}+00:00" for t in text.tolist()] if postgresql else text.tolist()


def report_rows(plan: ReportPlan, start: int, stop: int, postgresql: bool) -> Iterator[tuple[Any, ...]]:
    """Rows ``start:stop`` of the plan in :data:`REPORT_COLUMNS` order, timestamps as stored text."""
    titles, descriptions = _texts()
    occurred = _stamps(plan.occurred[start:stop], postgresql)
    received = _stamps(plan.received[start:stop], postgresql)
    columns = zip(
        plan.channel[start:stop].tolist(),
        plan.pillar[start:stop].tolist(),
        plan.desa[start:stop].tolist(),
        plan.tps[start:stop].tolist(),
        occurred,
        received,
        plan.election[start:stop].tolist(),
        plan.stage[start:stop].tolist(),
        plan.category[start:stop].tolist(),
        plan.severity[start:stop].tolist(),
        plan.status[start:stop].tolist(),
        strict=True,
    )
    for (
        channel,
        pillar,
        desa,
        tps,
        occurred_at,
        received_at,
        election,
        stage,
        category,
        severity,
        status,
    ) in columns:
        status_code = STATUSES[status][0]
        yield (
            CHANNELS[channel][0],
            PILLARS[pillar][0],
            "officer",
            desa,
            tps if tps >= 0 else None,
            occurred_at,
            received_at,
            election or None,
            stage or None,
            CATEGORIES[category][0],
            severity,
            titles[category],
            descriptions[category][severity - 1],
            status_code,
            "tidak_valid" if status_code == "ditolak" else None,
            received_at,
        )


def insert_reports(session: Session, plan: ReportPlan) -> int:
    """Write the planned reports: batched executemany on SQLite, COPY on PostgreSQL.

    Both skip SQLAlchemy's per-value type processing (the timestamps are already the stored text):
    through ``insert(table)`` 5 million rows took about 15 minutes on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _copy_reports(session, plan)
    placeholders = ", ".join("?" for _ in REPORT_COLUMNS)
    statement = f"INSERT INTO report ({', '.join(REPORT_COLUMNS)}) VALUES ({placeholders})"
    connection = session.connection()
    for start in range(0, len(plan), CHUNK):
        rows = list(report_rows(plan, start, min(start + CHUNK, len(plan)), postgresql=False))
        connection.exec_driver_sql(statement, rows)
    return len(plan)


def _copy_reports(session: Session, plan: ReportPlan) -> int:
    connection = session.connection().connection.driver_connection
    assert connection is not None
    statement = f"COPY report ({', '.join(REPORT_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(plan), CHUNK):
            buffer = io.StringIO()
            for row in report_rows(plan, start, min(start + CHUNK, len(plan)), postgresql=True):
                buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
                buffer.write("\n")
            copy.write(buffer.getvalue())
    return len(plan)


def vacuum(engine: Any) -> None:
    """PostgreSQL: ``VACUUM ANALYZE``, the state autovacuum reaches a while after a bulk load (planner
    statistics, visibility map). SQLite is left as it is: tigapilar never runs ANALYZE there.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))

"""Benchmark: the vulnerability index at national scale, full recompute and incremental refresh.

The goal (vulnerability issue): a full recompute over 820,000 TPS, 83,762 villages and 5,000,000
reports takes at most 10 s on 2 cores with peak memory well under 8 GB, and the incremental update
after one verified report at most 50 ms.

Steps, each in a fresh process so that its time and peak memory (ru_maxrss) are its own:

* ``setup``: a migrated scratch database with every region of Indonesia (``load_catalog``), the TPS
  of ``bench.load_national``'s synthetic file imported for the profile's election
  (``import_tps_csv``), imported attributes and the reports of :mod:`bench.risk_data`, all timed
  part by part (data generation is not part of any measured number).
* ``recompute``: the real ``recompute(session, profile, now)`` plus its commit, twice: first on an
  empty score table (it also takes the day's snapshot), then again (replacing every score).
* ``parts``: the same work split into its parts, each timed (wall and client CPU) with the peak RSS
  after it: load places, load attributes, report tally query, numpy compute, aggregation, writing
  scores, snapshot, commit.
* ``refresh``: verify one report (``change_status``) and ``refresh(session, profile, [desa], now)``
  in a village, for ``--refreshes`` different villages after two warm-up runs; median and spread,
  and the statements of one refresh with their times.

The profile is the shipped ``tps-rawan-2024`` when ``shipped_profiles()`` lists it, else
``bench-rawan`` of :mod:`bench.risk_data` (same size: 8 variables, 25 indicators) written to a
temporary config directory. The default run is scaled down (100,000 TPS, 500,000 reports);
``--national`` runs 820,000 TPS and 5,000,000 reports.

Results: a table on stdout and ``bench/results/risk_<backend>.json`` (``risk_<backend>_quick.json``
for a scaled-down run); docs/benchmarks.md explains them.
Run: ``python -m bench bench_risk`` or ``python -m bench.bench_risk`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    POSTGRES_URL,
    emit,
    machine,
    measured,
    run_step,
    scratch_database,
    write_results,
)

MODULE = "bench.bench_risk"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
SHIPPED_PROFILE = "tps-rawan-2024"
DEFAULT_ELECTION = "pilkada-2024"
NATIONAL_TPS, NATIONAL_REPORTS = 820_000, 5_000_000
QUICK_TPS, QUICK_REPORTS = 100_000, 500_000
SEED = 20241127  # polling day of Pilkada 2024
GOAL_SECONDS = 10.0
GOAL_MEMORY_MB = 8192.0
GOAL_REFRESH_MS = 50.0
REFRESHES = 20
WARMUP = 2


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- helpers shared by the steps ---------------------------------------------------------------------


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine so far, from /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(seconds: float = 1.0) -> float:
    """Cores the whole machine kept busy over ``seconds``."""
    busy_before, total_before = _cpu_ticks()
    time.sleep(seconds)
    busy_after, total_after = _cpu_ticks()
    share = (busy_after - busy_before) / max(total_after - total_before, 1)
    return round(share * (os.cpu_count() or 1), 2)


def wait_quiet(limit: float, threshold: float = 0.3) -> float:
    """Wait up to ``limit`` seconds for fewer than ``threshold`` busy cores; the last reading."""
    deadline = time.monotonic() + limit
    while True:
        busy = busy_cores()
        if busy < threshold or time.monotonic() >= deadline:
            return busy


def _database(url: str) -> Any:
    from tigapilar.storage.db import Database
    from tigapilar.storage.migrate import upgrade

    database = Database(url)
    upgrade(database.engine)
    return database


def _profile(args: argparse.Namespace) -> Any:
    from tigapilar.risk.profile import load_profile

    return load_profile(args.profile, Path(args.config_dir) if args.config_dir else None)


def _now(args: argparse.Namespace) -> datetime.datetime:
    return datetime.datetime.fromisoformat(args.now)


def _database_mb(database: Any) -> float:
    from sqlalchemy import text

    with database.engine.connect() as connection:
        if database.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            size = os.path.getsize(str(database.engine.url.database))
        else:
            size = int(connection.scalar(text("SELECT pg_database_size(current_database())")))
    return round(size / 1e6, 1)


class Parts:
    """Wall time, client CPU and the peak RSS after each named part of a run."""

    def __init__(self) -> None:
        self.parts: dict[str, dict[str, float]] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), _cpu()
        yield
        self.parts[name] = {
            "seconds": round(time.perf_counter() - start, 3),
            "cpu_seconds": round(_cpu() - cpu, 3),
            "peak_rss_mb": _rss_mb(),
        }


@dataclass
class Statement:
    sql: str
    parameters: Any
    seconds: float

    def short(self) -> str:
        return " ".join(self.sql.split())[:160]


@contextmanager
def statement_timer(engine: Any) -> Iterator[list[Statement]]:
    """Every statement run on ``engine`` inside the block, with its execute time (not the fetch)."""
    from sqlalchemy import event

    timings: list[Statement] = []
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seconds = time.perf_counter() - started.pop()
        timings.append(Statement(statement, parameters if "FROM report" in statement else None, seconds))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield timings
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def sql_seconds(statements: list[Statement]) -> dict[str, float]:
    """Execute time summed per kind of statement (``INSERT INTO risk_score``, ``SELECT ... FROM tps``)."""
    totals: dict[str, float] = {}
    for statement in statements:
        words = statement.short().split()
        verb = words[0].upper() if words else "?"
        table = "?"
        for marker in ("INTO", "FROM", "UPDATE"):
            if marker in words:
                table = words[words.index(marker) + 1]
                break
        key = f"{verb} {table}"
        totals[key] = round(totals.get(key, 0.0) + statement.seconds, 3)
    return totals


def query_plan(database: Any, statement: Statement) -> list[str]:
    """The plan of one executed statement (which index serves it)."""
    sqlite = database.engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement.sql, statement.parameters).all()
    return [str(row[-1]) for row in rows]


# --- steps (each in its own process) ---------------------------------------------------------------


def step_setup(args: argparse.Namespace) -> dict[str, Any]:
    """Regions, TPS, attributes and reports into the (empty) database at ``args.url``."""
    from sqlalchemy import delete

    from bench import risk_data
    from bench.load_national import generate
    from tigapilar.regions.catalog import load_catalog
    from tigapilar.storage.models import RiskScore, RiskSnapshot
    from tigapilar.tps.csv_import import import_tps_csv

    database = _database(args.url)
    profile = _profile(args)
    parts = Parts()
    counts: dict[str, Any] = {}
    if _has_reports(database):
        # A kept database (--url): no new data, but no scores either, so "first" means first.
        with database.session() as session:
            session.execute(delete(RiskSnapshot).where(RiskSnapshot.profile == profile.code))
            session.execute(delete(RiskScore).where(RiskScore.profile == profile.code))
        risk_data.vacuum(database.engine)
        return {"skipped": "the database already has reports", "database_mb": _database_mb(database)}
    with parts.part("catalog"), database.session() as session:
        counts["regions"] = load_catalog(session, None)
    with tempfile.TemporaryDirectory(prefix="tigapilar-risk-") as folder:
        path = Path(folder) / "tps.csv"
        with parts.part("tps file"):
            counts["tps_file"] = generate(path, args.tps, args.seed)
        with parts.part("tps import"), database.session() as session:
            counts["tps"] = import_tps_csv(session, path, election=profile.election).rows
    specs = risk_data.attribute_specs(profile)
    with parts.part("attributes"), database.session() as session:
        counts["attributes"] = risk_data.insert_attributes(session, specs, profile.election, args.seed)
    with parts.part("reports: draw"), database.session() as session:
        plan = risk_data.plan_reports(session, args.reports, _now(args), profile.election, args.seed)
    with parts.part("reports: insert"), database.session() as session:
        counts["reports"] = risk_data.insert_reports(session, plan)
    counts["report_mix"] = _report_mix(plan, profile, _now(args))
    del plan
    with parts.part("vacuum analyze"):
        risk_data.vacuum(database.engine)
    result = {"parts": parts.parts, "counts": counts, "database_mb": _database_mb(database)}
    database.dispose()
    return result


def _has_reports(database: Any) -> bool:
    from sqlalchemy import select

    from tigapilar.storage.models import Report

    with database.session() as session:
        return session.scalar(select(Report.id).limit(1)) is not None


def _report_mix(plan: Any, profile: Any, now: datetime.datetime) -> dict[str, Any]:
    """What the drawn reports look like, and how many a full recompute reads."""
    import numpy as np

    from bench.risk_data import CATEGORIES, STATUSES
    from tigapilar.risk.profile import indicators_of

    n = len(plan)
    statuses = np.array([s[0] for s in STATUSES])[plan.status]
    counted = np.isin(statuses, list(profile.reports.statuses))
    horizon = plan.occurred >= int(now.timestamp()) - profile.reports.horizon_days * 86400
    wanted = {c for i in indicators_of(profile) if i.source == "reports" for c in i.categories}
    in_profile = np.isin(np.array([c[0] for c in CATEGORIES])[plan.category], sorted(wanted))
    return {
        "reports": n,
        "verified_share": round(float(counted.mean()), 3) if n else 0,
        "naming_tps_share": round(float((plan.tps >= 0).mean()), 3) if n else 0,
        "in_horizon_share": round(float(horizon.mean()), 3) if n else 0,
        "read_by_recompute": int((counted & horizon & in_profile).sum()),
        "villages_with_reports": len(np.unique(plan.desa)),
        "severity_shares": {int(s): round(float((plan.severity == s).mean()), 3) for s in (1, 2, 3, 4)}
        if n
        else {},
    }


def step_recompute(args: argparse.Namespace) -> dict[str, Any]:
    """The real ``recompute`` and its commit, with time and peak memory."""
    import numpy  # noqa: F401 - imported before the baseline: only the recompute is measured

    from tigapilar.risk.service import recompute

    database = _database(args.url)
    profile, now = _profile(args), _now(args)
    baseline = _rss_mb()

    def run() -> dict[str, Any]:
        with database.session() as session:
            result = recompute(session, profile, now)
        return {
            "places": result.places,
            "rows": result.rows,
            "snapshot": result.snapshot,
            "seconds_before_commit": round(result.seconds, 2),
        }

    outcome = measured(run)
    outcome["baseline_rss_mb"] = baseline
    database.dispose()
    return outcome


def step_parts(args: argparse.Namespace) -> dict[str, Any]:
    """``recompute`` split into its parts (the same public functions, in the same order)."""
    from tigapilar.risk.engine import aggregate, indicator_values, report_pressure, score_places
    from tigapilar.risk.inputs import load_attributes, load_places, load_report_tally
    from tigapilar.risk.service import levels_above
    from tigapilar.risk.store import replace_scores, score_rows, take_snapshot

    database = _database(args.url)
    profile, now = _profile(args), _now(args)
    baseline = _rss_mb()
    parts = Parts()
    profiler = cProfile.Profile() if args.cprofile else None
    if profiler:
        profiler.enable()
    started = time.perf_counter()
    with statement_timer(database.engine) as statements, database.session() as session:
        with parts.part("load places"):
            places = load_places(session, profile)
        with parts.part("load attributes"):
            attributes = load_attributes(session, profile, places)
        with parts.part("report tally query"):
            tally = load_report_tally(session, profile, now)
        tally_sql = next(s for s in statements if "FROM report" in s.sql)
        with parts.part("numpy: report pressure"):
            pressure = report_pressure(profile, places, tally, now)
        with parts.part("numpy: indicators and scores"):
            found, values = indicator_values(profile, places, attributes, pressure)
            unit = score_places(profile, places, found, values)
        with parts.part("aggregation"):
            levels = [(unit, found)] + [
                (aggregate(profile, unit, lvl), found) for lvl in levels_above(profile)
            ]
        with parts.part("writing scores"):
            rows = replace_scores(session, profile.code, levels, now)
        with parts.part("snapshot"):
            day = now.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
            snapshot_rows = take_snapshot(session, profile.code, day)
        commit_start = time.perf_counter()
    parts.parts["commit"] = {
        "seconds": round(time.perf_counter() - commit_start, 3),
        "cpu_seconds": 0.0,
        "peak_rss_mb": _rss_mb(),
    }
    total = time.perf_counter() - started
    if profiler:
        profiler.disable()
    # Informative: how much of "writing scores" is building the rows in Python (JSON, dicts).
    with parts.part("(building score rows only, not stored)"):
        built = sum(1 for scored, leaves in levels for _ in score_rows(profile.code, scored, leaves, now))
    result: dict[str, Any] = {
        "seconds": round(total, 2),
        "parts": parts.parts,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _rss_mb(),
        "places": len(places),
        "indicators": len(found),
        "tally_rows": len(tally.count),
        "reports_tallied": int(tally.count.sum()),
        "tally_sql_execute_seconds": round(tally_sql.seconds, 3),
        "tally_plan": query_plan(database, tally_sql),
        "sql_execute_seconds": sql_seconds(statements),
        "score_rows": rows,
        "snapshot_rows": snapshot_rows,
        "built_rows": built,
        "rows_per_level": {scored.level: len(scored.keys) for scored, _ in levels},
    }
    if profiler:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
        result["cprofile_top_tottime"] = buffer.getvalue().splitlines()[:60]
    database.dispose()
    return result


def step_refresh(args: argparse.Namespace) -> dict[str, Any]:
    """Verify one report and refresh its village, in ``args.refreshes`` + warm-up different villages."""
    import numpy as np
    from sqlalchemy import select

    from tigapilar.accounts.principal import system_principal
    from tigapilar.reports.workflow import Change, change_status
    from tigapilar.risk.profile import indicators_of
    from tigapilar.risk.service import refresh
    from tigapilar.storage.models import Report

    database = _database(args.url)
    profile, now = _profile(args), _now(args)
    wanted = sorted({c for i in indicators_of(profile) if i.source == "reports" for c in i.categories})
    horizon = now - datetime.timedelta(days=profile.reports.horizon_days)
    with database.session() as session:
        candidates = session.execute(
            select(Report.id, Report.desa_code)
            .where(
                Report.status == "baru",
                Report.category.in_(wanted),
                Report.occurred_at >= horizon,
                Report.occurred_at <= now,
            )
            .order_by(Report.id)
        ).all()
    rng = np.random.default_rng(args.seed + 3)
    chosen: dict[str, int] = {}  # one report per village, villages in different kab/kota where possible
    kabkota: set[str] = set()
    for index in rng.permutation(len(candidates)).tolist():
        report_id, desa = candidates[index]
        if desa in chosen or (desa[:5] in kabkota and len(kabkota) < 400):
            continue
        chosen[desa] = report_id
        kabkota.add(desa[:5])
        if len(chosen) == args.refreshes + WARMUP:
            break
    runs: list[dict[str, Any]] = []
    principal = system_principal()
    for desa, report_id in chosen.items():
        with database.session() as session:
            start = time.perf_counter()
            change_status(session, principal, report_id, Change("terverifikasi"), now)
            session.flush()
            verified = time.perf_counter()
            written = refresh(session, profile, [desa], now)
            refreshed = time.perf_counter()
        committed = time.perf_counter()
        runs.append(
            {
                "desa": desa,
                "report": report_id,
                "written": written,
                "verify_ms": round((verified - start) * 1000, 2),
                "refresh_ms": round((refreshed - verified) * 1000, 2),
                "transaction_ms": round((committed - start) * 1000, 2),
            }
        )
    measured_runs = runs[WARMUP:]
    refresh_ms = [r["refresh_ms"] for r in measured_runs]
    transaction_ms = [r["transaction_ms"] for r in measured_runs]
    # One more refresh of an already refreshed village, statement by statement: where its time goes.
    statements: list[Statement] = []
    plan: list[str] = []
    if measured_runs:
        desa = measured_runs[0]["desa"]
        with statement_timer(database.engine) as statements, database.session() as session:
            start = time.perf_counter()
            refresh(session, profile, [desa], now)
            traced_ms = (time.perf_counter() - start) * 1000
        plan = query_plan(database, next(s for s in statements if "FROM report" in s.sql))
    database.dispose()
    return {
        "candidates": len(candidates),
        "runs": runs,
        "warmup": WARMUP,
        "refresh_median_ms": round(statistics.median(refresh_ms), 2) if refresh_ms else None,
        "refresh_p90_ms": round(float(np.percentile(refresh_ms, 90)), 2) if refresh_ms else None,
        "refresh_min_ms": min(refresh_ms, default=None),
        "refresh_max_ms": max(refresh_ms, default=None),
        "transaction_median_ms": round(statistics.median(transaction_ms), 2) if transaction_ms else None,
        "traced_refresh_ms": round(traced_ms, 2) if statements else None,
        "traced_statements": [{"sql": s.short(), "ms": round(s.seconds * 1000, 2)} for s in statements],
        "tally_plan": plan,
        "peak_rss_mb": _rss_mb(),
    }


def step(name: str, args: argparse.Namespace) -> dict[str, Any]:
    steps: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
        "setup": step_setup,
        "recompute": step_recompute,
        "parts": step_parts,
        "refresh": step_refresh,
    }
    if name not in steps:
        raise SystemExit(f"unknown step {name}")
    return steps[name](args)


# --- the whole run ---------------------------------------------------------------------------------


def choose_profile(folder: Path, election: str) -> tuple[str, str | None, str]:
    """(profile code, config dir or None, note): the shipped profile if it exists, else bench-rawan."""
    from bench.risk_data import PROFILE_CODE, fallback_profile_toml
    from tigapilar.risk.profile import load_profile, shipped_profiles

    if SHIPPED_PROFILE in shipped_profiles():
        return SHIPPED_PROFILE, None, f"shipped {SHIPPED_PROFILE}"
    (folder / "profiles").mkdir(parents=True, exist_ok=True)
    (folder / "profiles" / f"{PROFILE_CODE}.toml").write_text(
        fallback_profile_toml(election), encoding="utf-8"
    )
    load_profile(PROFILE_CODE, folder)  # fails here, not in a step, if the file is wrong
    return (
        PROFILE_CODE,
        str(folder),
        f"{PROFILE_CODE} (bench/risk_data.py; {SHIPPED_PROFILE} not shipped yet)",
    )


def run_backend(
    backend: str, url: str, common: dict[str, str], cprofile: bool, quiet: float
) -> dict[str, Any]:
    steps: dict[str, Any] = {"load_average_before": round(os.getloadavg()[0], 2)}
    busy: dict[str, float] = {}
    steps["busy_cores_before"] = busy  # other work on the machine just before each measured step

    def measure(name: str, step_name: str, **extra: str) -> dict[str, Any]:
        busy[name] = wait_quiet(quiet) if quiet else busy_cores()
        ticks_before, start = _cpu_ticks()[0], time.monotonic()
        steps[name] = run_step(MODULE, step_name, url=url, **common, **extra)
        # Busy core-seconds of the whole machine during the step: the step's process, the database
        # server (PostgreSQL) and any other work; well above the step's CPU on SQLite means contention.
        ticks = (_cpu_ticks()[0] - ticks_before) / os.sysconf("SC_CLK_TCK")
        steps[name]["machine_busy_core_seconds"] = round(ticks, 1)
        steps[name]["step_wall_seconds"] = round(time.monotonic() - start, 1)
        return dict(steps[name])

    steps["setup"] = run_step(MODULE, "setup", url=url, **common)
    for name, part in steps["setup"].get("parts", {}).items():
        print(f"  {backend:10} setup {name:24} {part['seconds']:8.2f} s", flush=True)
    if "counts" in steps["setup"]:
        print(f"  {backend:10} data: {steps['setup']['counts']['report_mix']}", flush=True)
    _line(backend, "recompute (first, snapshot)", measure("recompute_first", "recompute"))
    _line(backend, "recompute (again, replace)", measure("recompute_again", "recompute"))
    measure("parts", "parts", **({"cprofile": "1"} if cprofile else {}))
    for name, part in steps["parts"]["parts"].items():
        print(
            f"  {backend:10}   {name:40} {part['seconds']:7.3f} s (CPU {part['cpu_seconds']:6.3f} s) "
            f"peak RSS {part['peak_rss_mb']:7.1f} MB",
            flush=True,
        )
    r = measure("refresh", "refresh")
    print(
        f"  {backend:10} refresh after verifying one report: median {r['refresh_median_ms']} ms, "
        f"p90 {r['refresh_p90_ms']} ms, max {r['refresh_max_ms']} ms (whole transaction median "
        f"{r['transaction_median_ms']} ms) over {len(r['runs']) - r['warmup']} villages",
        flush=True,
    )
    steps["load_average_after"] = round(os.getloadavg()[0], 2)
    steps["verdict"] = verdicts(steps)
    for key, value in steps["verdict"].items():
        print(f"  {backend:10} {key}: {value}", flush=True)
    return steps


def _line(backend: str, label: str, outcome: dict[str, Any]) -> None:
    print(
        f"  {backend:10} {label:30} {outcome['seconds']:7.2f} s (client CPU {outcome['cpu_seconds']:6.2f} s) "
        f"peak RSS {outcome['peak_rss_mb']:7.1f} MB (baseline {outcome['baseline_rss_mb']:5.1f} MB) "
        f"{outcome['result']}",
        flush=True,
    )


def verdicts(steps: dict[str, Any]) -> dict[str, str]:
    """Goal checks: the slower of the two full recomputes, their peak memory, the median refresh."""
    seconds = max(steps["recompute_first"]["seconds"], steps["recompute_again"]["seconds"])
    memory = max(steps["recompute_first"]["peak_rss_mb"], steps["recompute_again"]["peak_rss_mb"])
    refresh = steps["refresh"]["refresh_median_ms"]
    return {
        "time": f"{'met' if seconds <= GOAL_SECONDS else 'MISSED'}: {seconds:.1f} s "
        f"({'<=' if seconds <= GOAL_SECONDS else '>'} {GOAL_SECONDS:.0f} s)",
        "memory": f"{'met' if memory < GOAL_MEMORY_MB / 2 else 'MISSED'}: peak RSS {memory:.0f} MB "
        f"(goal: well under {GOAL_MEMORY_MB:.0f} MB)",
        "refresh": f"{'met' if refresh is not None and refresh <= GOAL_REFRESH_MS else 'MISSED'}: "
        f"median {refresh} ms (goal <= {GOAL_REFRESH_MS:.0f} ms)",
    }


def table(steps: dict[str, Any]) -> str:
    """The main numbers of one backend as a Markdown table (as docs/benchmarks.md shows them)."""
    first, again, parts = steps["recompute_first"], steps["recompute_again"], steps["parts"]
    lines = ["| Step | Seconds | Client CPU s | Peak RSS MB |", "|---|---:|---:|---:|"]
    lines.append(
        f"| recompute, first (+ snapshot) | {first['seconds']} | {first['cpu_seconds']} | "
        f"{first['peak_rss_mb']} |"
    )
    lines.append(
        f"| recompute, again (replace) | {again['seconds']} | {again['cpu_seconds']} | "
        f"{again['peak_rss_mb']} |"
    )
    for name, part in parts["parts"].items():
        lines.append(f"| parts: {name} | {part['seconds']} | {part['cpu_seconds']} | {part['peak_rss_mb']} |")
    refresh = steps["refresh"]
    lines.append(
        f"| refresh, median of {len(refresh['runs']) - refresh['warmup']} villages | "
        f"{refresh['refresh_median_ms'] / 1000:.4f} | | {refresh['peak_rss_mb']} |"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    parser.add_argument("--config-dir", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    parser.add_argument("--cprofile", help=argparse.SUPPRESS)
    parser.add_argument(
        "--database", default="sqlite", help="sqlite, postgresql or both (sqlite,postgresql); default sqlite"
    )
    parser.add_argument("--national", action="store_true", help="820,000 TPS and 5,000,000 reports")
    parser.add_argument("--tps", type=int, help=f"TPS (default {QUICK_TPS:,}; national {NATIONAL_TPS:,})")
    parser.add_argument(
        "--reports", type=int, help=f"reports (default {QUICK_REPORTS:,}; national {NATIONAL_REPORTS:,})"
    )
    parser.add_argument("--refreshes", type=int, default=REFRESHES, help="villages for the refresh median")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--url", help="use this database instead of a scratch one (kept; data generated only if it has none)"
    )
    parser.add_argument("--profile-cpu", action="store_true", help="cProfile the parts step (slower)")
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, help="wait up to N s for an idle machine before each step"
    )
    parser.add_argument("--output-dir", type=Path, default=RESULTS_DIR, help="where risk_<backend>.json go")
    args = parser.parse_args(argv)
    from bench.risk_data import NOW

    args.now = args.now or NOW.isoformat()
    if args.step:
        emit(step(args.step, args))
        return
    tps = args.tps or (NATIONAL_TPS if args.national else QUICK_TPS)
    reports = (
        args.reports if args.reports is not None else (NATIONAL_REPORTS if args.national else QUICK_REPORTS)
    )
    scale = "national" if (tps, reports) == (NATIONAL_TPS, NATIONAL_REPORTS) else "quick"
    info = machine()
    with tempfile.TemporaryDirectory(prefix="tigapilar-risk-config-") as folder:
        profile, config_dir, note = choose_profile(Path(folder), DEFAULT_ELECTION)
        common = {
            "profile": profile,
            "now": args.now,
            "seed": str(args.seed),
            "tps": str(tps),
            "reports": str(reports),
            "refreshes": str(args.refreshes),
        }
        if config_dir:
            common["config_dir"] = config_dir
        print(
            f"vulnerability index, {scale}: {tps:,} TPS, {reports:,} reports, profile {note}; {info}",
            flush=True,
        )
        backends = [args.url.split(":")[0].split("+")[0]] if args.url else args.database.split(",")
        for backend in backends:
            if backend == "postgresql" and info["postgresql"].startswith("unavailable") and not args.url:
                print(f"  postgresql skipped: no server at {POSTGRES_URL}", flush=True)
                continue
            results: dict[str, Any] = {
                "benchmark": MODULE,
                "date": datetime.date.today().isoformat(),
                "machine": info,
                "backend": backend,
                "goal": {
                    "recompute_seconds": GOAL_SECONDS,
                    "peak_memory_mb": f"well under {GOAL_MEMORY_MB:.0f}",
                    "refresh_ms": GOAL_REFRESH_MS,
                },
                "scale": scale,
                "tps": tps,
                "reports": reports,
                "seed": args.seed,
                "now": args.now,
                "profile": note,
            }
            if args.url:
                results["steps"] = run_backend(backend, args.url, common, args.profile_cpu, args.wait_quiet)
            else:
                with scratch_database(backend) as url:
                    results["steps"] = run_backend(backend, url, common, args.profile_cpu, args.wait_quiet)
            suffix = "" if scale == "national" else "_quick"
            output = args.output_dir / f"risk_{backend}{suffix}.json"
            write_results(output, results)
            print(table(results["steps"]))
            print(f"results written to {output}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Benchmark: exports of 1,000,000 reports as CSV, GeoJSON and XLSX, time and peak memory.

The goal (exports issue): exporting 1,000,000 reports takes at most 60 s, with flat memory: the
peak RSS of an export of 1,000,000 reports is about that of 200,000.

Steps, each in a fresh process so that its time and peak memory (ru_maxrss) are its own:

* ``setup``: a migrated scratch database with every region of Indonesia (``load_catalog``) and
  ``--reports`` synthetic reports of :mod:`bench.risk_data` (the same generator as bench_risk);
  run twice: 200,000 reports, then 800,000 more.
* ``export``: the endpoint's own body, :func:`tigapilar.web.api.exports.report_chunks`, for a
  national analyst (who sees the reporter's columns: the widest rows) without filters, every chunk
  counted and thrown away as a client would receive it. The HTTP layer around it (auth, headers) is
  constant per request and is left out.

Results: a table on stdout and ``bench/results/export.json``; docs/benchmarks.md ("Exports")
explains them. Run: ``python -m bench bench_export`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import Any

from bench.common import emit, machine, measured, run_step, scratch_database, write_results

MODULE = "bench.bench_export"
RESULTS = Path(__file__).resolve().parent / "results" / "export.json"
SIZES = (200_000, 1_000_000)
FORMATS = ("csv", "geojson", "xlsx")
SEED = 20241127
ELECTION = "pilkada-2024"
GOAL_SECONDS = 60.0


def _database(url: str) -> Any:
    from tigapilar.storage.db import Database
    from tigapilar.storage.migrate import upgrade

    database = Database(url)
    upgrade(database.engine)
    return database


def step_setup(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select

    from bench import risk_data
    from tigapilar.regions.catalog import load_catalog
    from tigapilar.storage.models import Region, Report

    database = _database(args.url)

    def load() -> int:
        with database.session() as session:
            if not session.scalar(select(func.count()).select_from(Region)):
                load_catalog(session, None)
        with database.session() as session:
            plan = risk_data.plan_reports(session, args.reports, risk_data.NOW, ELECTION, args.seed)
        with database.session() as session:
            risk_data.insert_reports(session, plan)
        risk_data.vacuum(database.engine)
        with database.session() as session:
            return int(session.scalar(select(func.count()).select_from(Report)) or 0)

    return measured(load)


def step_export(args: argparse.Namespace) -> dict[str, Any]:
    from tigapilar.accounts.principal import Principal
    from tigapilar.accounts.roles import Role
    from tigapilar.core.scope import Scope
    from tigapilar.core.settings import Settings
    from tigapilar.reports.views import ReportFilter, filtered_reports
    from tigapilar.web.api.exports import report_chunks

    database = _database(args.url)
    with __import__("tempfile").TemporaryDirectory(prefix="tigapilar-export-") as folder:
        settings = Settings(database_url=args.url, data_dir=Path(folder))
        analyst = Principal(user_id=0, username="bench", role=Role.ANALYST, scope=Scope.everything())

        def run() -> dict[str, int]:
            size, chunks = 0, 0
            query = filtered_reports(analyst, ReportFilter())
            for chunk in report_chunks(database, settings, analyst, query, args.format):
                size += len(chunk.encode() if isinstance(chunk, str) else chunk)
                chunks += 1
            return {"bytes": size, "chunks": chunks}

        return measured(run)


def step(name: str, args: argparse.Namespace) -> dict[str, Any]:
    return {"setup": step_setup, "export": step_export}[name](args)


def run_backend(backend: str, formats: list[str], sizes: tuple[int, ...], seed: int) -> dict[str, Any]:
    out: dict[str, Any] = {"setup": {}, "exports": {}}
    with scratch_database(backend) as url:
        loaded = 0
        for size in sizes:
            outcome = run_step(MODULE, "setup", url=url, reports=str(size - loaded), seed=str(seed + size))
            loaded = size
            out["setup"][str(size)] = outcome
            print(
                f"  {backend}: {outcome['result']:,} reports in the database ({outcome['seconds']} s)",
                flush=True,
            )
            for fmt in formats:
                result = run_step(MODULE, "export", url=url, format=fmt)
                result["load_average"] = round(os.getloadavg()[0], 2)
                out["exports"][f"{fmt}@{size}"] = result
                print(
                    f"  {backend} {fmt:8} {size:>9,} reports: {result['seconds']:>7} s "
                    f"(cpu {result['cpu_seconds']} s), peak RSS {result['peak_rss_mb']} MB, "
                    f"{result['result']['bytes'] / 1e6:,.0f} MB",
                    flush=True,
                )
    return out


def table(results: dict[str, Any]) -> str:
    lines = [
        "| backend | format | reports | seconds | peak RSS MB | file MB | goal ≤ 60 s |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend, data in results["backends"].items():
        for key, r in data["exports"].items():
            fmt, size = key.split("@")
            verdict = "yes" if r["seconds"] <= GOAL_SECONDS else "no"
            lines.append(
                f"| {backend} | {fmt} | {int(size):,} | {r['seconds']} | {r['peak_rss_mb']} | "
                f"{r['result']['bytes'] / 1e6:,.0f} | {verdict} |"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--reports", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--format", choices=FORMATS, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated")
    parser.add_argument("--backends", default="sqlite", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="report counts, ascending")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    if args.step:
        emit(step(args.step, args))
        return
    results: dict[str, Any] = {
        "benchmark": MODULE,
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "goal": {"seconds": GOAL_SECONDS, "memory": "flat: about the same peak for 200,000 and 1,000,000"},
        "load_average_before": round(os.getloadavg()[0], 2),
        "backends": {},
    }
    sizes = tuple(int(s) for s in args.sizes.split(","))
    for backend in args.backends.split(","):
        results["backends"][backend] = run_backend(backend, args.formats.split(","), sizes, args.seed)
    write_results(args.output, results)
    print(table(results))
    print(f"results written to {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])

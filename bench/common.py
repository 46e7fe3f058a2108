"""Shared benchmark plumbing: throwaway databases on both backends and per-step time and peak memory.

Each measured step runs in a fresh Python process so that its peak resident memory (ru_maxrss) is
its own and not the high-water mark of an earlier step.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "TIGAPILAR_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def scratch_database(backend: str) -> Iterator[str]:
    """A new empty database URL on ``backend`` (sqlite or postgresql), removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tigapilar-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"tigapilar_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_step(module: str, step: str, **args: str) -> dict[str, Any]:
    """Run ``python -m <module> --step <step> ...`` and return the JSON it prints (plus peak memory)."""
    argv = [sys.executable, "-m", module, "--step", step]
    for key, value in args.items():
        argv += [f"--{key.replace('_', '-')}", value]
    completed = subprocess.run(argv, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{module} --step {step} failed:\n{completed.stderr[-4000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def measured(func: Callable[[], Any]) -> dict[str, Any]:
    """Time ``func`` in this process: wall and CPU seconds, peak RSS in MB and its return value."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time of this (client) process: the rest of the wall time went to the database server or I/O.
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    peak_mb = after.ru_maxrss / 1024
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "result": value,
    }


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, default=str))


def machine() -> dict[str, Any]:
    """What the numbers were measured on: cores, CPU, RAM, Python, SQLite and PostgreSQL versions."""
    import platform
    import sqlite3

    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = 0.0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            postgres = str(connection.scalar(text("SHOW server_version")))
        engine.dispose()
    except Exception as exc:  # the benchmark still runs on SQLite without a server
        postgres = f"unavailable ({type(exc).__name__})"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
    }


def write_results(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")

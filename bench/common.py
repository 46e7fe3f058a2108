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
    completed = subprocess.run(argv, check=True, capture_output=True, text=True)
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def measured(func: Callable[[], Any]) -> dict[str, Any]:
    """Time ``func`` in this process; report wall seconds, peak RSS in MB and its return value."""
    start = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb, 1), "result": value}


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, default=str))

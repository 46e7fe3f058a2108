"""Test helpers shared by tests/tps and tests/organisation: CSV files and the command line.

The region rows they point at come from the ``regions`` fixture (tests/support/regions.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from tigapilar.cli.main import cli
from tigapilar.storage.db import Database


def write_csv(path: Path, header: str, rows: Sequence[str], delimiter: str = ",") -> Path:
    """A CSV file with ``header`` and ``rows`` written as given (so tests control every cell)."""
    text = "\n".join([header.replace(",", delimiter), *rows]) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(db: Database, *args: str) -> Result:
    runner = CliRunner(env={"TIGAPILAR_DATABASE_URL": db.url})
    return runner.invoke(cli, list(args), catch_exceptions=False)

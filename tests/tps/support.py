"""Test helpers shared by tests/tps and tests/organisation: a few real Kaltim regions, CSV files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tigapilar.cli.main import cli
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region

# (code, kind, name): Kemendagri codes of two cities, two kecamatan each with a few kelurahan.
REGIONS = [
    ("64", "provinsi", "Kalimantan Timur"),
    ("64.71", "kota", "Kota Balikpapan"),
    ("64.71.01", "kecamatan", "Balikpapan Timur"),
    ("64.71.01.1001", "kelurahan", "Manggar"),
    ("64.71.01.1002", "kelurahan", "Manggar Baru"),
    ("64.71.02", "kecamatan", "Balikpapan Barat"),
    ("64.71.02.1001", "kelurahan", "Baru Tengah"),
    ("64.72", "kota", "Kota Samarinda"),
    ("64.72.01", "kecamatan", "Palaran"),
    ("64.72.01.1001", "kelurahan", "Rawa Makmur"),
    ("64.72.01.1002", "kelurahan", "Bukuan"),
    ("64.72.02", "kecamatan", "Samarinda Seberang"),
    ("64.72.02.1001", "kelurahan", "Sungai Keledang"),
]
VILLAGES = [code for code, _, _ in REGIONS if code.count(".") == 3]


def seed_regions(database: Database) -> None:
    with database.session() as session:
        for code, kind, name in REGIONS:
            parent = code.rpartition(".")[0] or None
            level = code.count(".") + 1
            session.add(
                Region(
                    code=code, parent_code=parent, level=level, kind=kind, name=name, name_key=name.lower()
                )
            )
            session.flush()


@pytest.fixture
def regions(db: Database) -> Database:
    """The test database with :data:`REGIONS` in it."""
    seed_regions(db)
    return db


def write_csv(path: Path, header: str, rows: Sequence[str], delimiter: str = ",") -> Path:
    """A CSV file with ``header`` and ``rows`` written as given (so tests control every cell)."""
    text = "\n".join([header.replace(",", delimiter), *rows]) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(db: Database, *args: str) -> Result:
    runner = CliRunner(env={"TIGAPILAR_DATABASE_URL": db.url})
    return runner.invoke(cli, list(args), catch_exceptions=False)

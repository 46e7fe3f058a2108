"""Demo tests load a whole demo once per module and backend, into an empty database of their own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from tigapilar.cli.main import cli
from tigapilar.core.settings import sqlite_url
from tigapilar.storage.models import Base


def empty_database(request: pytest.FixtureRequest, folder: Path) -> str:
    """The URL of an empty migrated database for a module fixture parametrised by backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, folder / "tigapilar.db")
        return sqlite_url(folder / "tigapilar.db")
    url: str = request.getfixturevalue("postgres_server")
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


def run_demo(url: str, data_dir: Path) -> Result:
    """``tigapilar demo`` on that database, as a user runs it."""
    env = {"TIGAPILAR_DATABASE_URL": url, "TIGAPILAR_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(cli, ["demo"], env=env)

"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TIGAPILAR_TEST_POSTGRES_URL (default: the developer server at
127.0.0.1:5432, database ``test``). Each test run creates and drops its own database there.
With CI=true an unreachable server fails the run loudly; elsewhere those tests are skipped with
the reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from support.regions import seed_regions
from tigapilar.accounts.passwords import hash_password
from tigapilar.accounts.tokens import issue_token
from tigapilar.core.settings import Settings, sqlite_url
from tigapilar.storage.db import Database
from tigapilar.storage.migrate import upgrade
from tigapilar.storage.models import Base, User, UserArea

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTGRES_URL = os.environ.get(
    "TIGAPILAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ["sqlite", "postgresql"]
PASSWORD = "rahasia-sekali-123"  # the password make_account gives unless told otherwise


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        where = make_url(POSTGRES_URL).render_as_string(hide_password=True)
        return f"PostgreSQL at {where} unreachable: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a fresh, migrated database for this test process on the PostgreSQL server."""
    problem = _postgres_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true but {problem}", pytrace=False)
        pytest.skip(problem)
    name = f"tigapilar_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(sqlite_url(path))
    upgrade(database.engine)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "tigapilar.db"
        shutil.copy(template, path)
        return sqlite_url(path)
    url: str = request.getfixturevalue("postgres_server")
    _truncate_all(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from tigapilar.web.app import create_app

    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


@pytest.fixture
def regions(db: Database) -> Database:
    """The test database with the real Kaltim regions of :mod:`support.regions` in it."""
    seed_regions(db)
    return db


@dataclass
class Account:
    user_id: int
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_account(
    session: Session,
    username: str,
    role: str,
    areas: list[str] | None = None,
    national: bool = False,
    password: str = PASSWORD,
    officer_id: int | None = None,
) -> Account:
    """Create a user with an API token directly in the database (test setup, not under test)."""
    user = User(
        username=username,
        full_name=username.title(),
        password_hash=hash_password(password),
        role=role,
        national=national,
        officer_id=officer_id,
    )
    session.add(user)
    session.flush()
    for code in areas or []:
        session.add(UserArea(user_id=user.id, region_code=code))
    token = issue_token(session, user, kind="api", name="test")
    return Account(user.id, username, token)


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data; skips the test with the reason when the folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not present: {path}")
    return path

"""Fixtures for web tests: the app with regions, a controllable clock, and a national admin to act with."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Account, make_account
from support.clock import Clock
from tigapilar.storage.db import Database


@pytest.fixture
def web(client: Any, regions: Database) -> TestClient:
    """The test client, with regions in the database."""
    test_client: TestClient = client
    return test_client


@pytest.fixture
def clock(web: TestClient) -> Clock:
    """The app's clock, for moving time in tests (sessions, rate limits)."""
    fake = Clock()
    web.app.state.clock = fake  # type: ignore[attr-defined]
    return fake


@pytest.fixture
def national_admin(regions: Database) -> Account:
    with regions.session() as session:
        return make_account(session, "admin.pusat", "admin", national=True)

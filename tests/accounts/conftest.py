"""Fixtures for account tests: the region rows user areas point at."""

from __future__ import annotations

import pytest

from accounts.support import seed_regions
from tigapilar.storage.db import Database


@pytest.fixture
def regions(db: Database) -> Database:
    seed_regions(db)
    return db

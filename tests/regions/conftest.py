"""Fixtures for region tests: databases with part of the official catalog loaded."""

from __future__ import annotations

import pytest

from tigapilar.regions.catalog import load_catalog
from tigapilar.storage.db import Database


@pytest.fixture
def kaltim(db: Database) -> Database:
    """Kalimantan Timur (64) and its neighbour Kalimantan Utara (65) from the official list."""
    with db.session() as session:
        load_catalog(session, ["64", "65"])
    return db

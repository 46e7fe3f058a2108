"""The embedded scheduler: a cycle when the server starts, then one per interval or at once when a
report is verified. Waits on the scheduler's own cycle counter (no sleep, no timing assumptions)."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from alerts.world import build_world, verified_report
from support.clock import Clock
from tigapilar.alerts.scheduler import DetectorScheduler
from tigapilar.core.settings import Settings
from tigapilar.storage.db import Database
from tigapilar.web.app import create_app


def test_verifying_a_report_wakes_the_detectors(settings: Settings, regions: Database) -> None:
    world = build_world(regions)
    # An interval far longer than the test: only the start and the verification can run a cycle.
    app = create_app(dataclasses.replace(settings, detector_interval_seconds=3600), regions)
    app.state.clock = Clock()
    with TestClient(app) as web:
        scheduler: DetectorScheduler = app.state.detectors
        assert scheduler.wait_for_cycle(0, timeout=60)  # the cycle at start
        assert scheduler.last is not None and scheduler.last.raised == []
        done = scheduler.cycles
        verified_report(web, world.analyst, "r1")
        assert scheduler.wait_for_cycle(done, timeout=60)
        assert scheduler.last is not None and len(scheduler.last.raised) == 1
        alerts = web.get("/api/v1/alerts", headers=world.kapolsek.headers).json()["items"]
        assert [a["id"] for a in alerts] == scheduler.last.raised
    assert scheduler._thread is None  # stopped with the server


def test_the_scheduler_is_off_when_the_interval_is_zero(settings: Settings, regions: Database) -> None:
    world = build_world(regions)
    app = create_app(settings, regions)  # detector_interval_seconds defaults to 0 outside from_env
    app.state.clock = Clock()
    with TestClient(app) as web:
        verified_report(web, world.analyst, "r1")
        scheduler: DetectorScheduler = app.state.detectors
        assert not scheduler.wait_for_cycle(0, timeout=0.5)
        assert web.get("/api/v1/alerts", headers=world.kapolsek.headers).json()["items"] == []

"""Query plans that keep a refresh fast at national scale (SQLite; PostgreSQL plans by statistics)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from tigapilar.core.scope import Scope
from tigapilar.risk.inputs import load_report_tally
from tigapilar.risk.profile import load_profile
from tigapilar.storage.migrate import upgrade


def test_a_refresh_reads_reports_through_the_village_index() -> None:
    engine = create_engine("sqlite:///:memory:")
    upgrade(engine)
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if "FROM report" in statement:
            seen.append((statement, params))

    with Session(engine) as session:
        only = Scope.of(["64.71.01.1001"])
        load_report_tally(session, load_profile("tps-rawan-2024"), datetime(2024, 11, 27, tzinfo=UTC), only)
    statement, params = seen[0]
    with engine.connect() as connection:
        plan = " ".join(
            str(row[3]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
        )
    assert "USING INDEX ix_report_desa_code_occurred_at" in plan, plan

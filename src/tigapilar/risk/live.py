"""Keeping scores live: when reports change in a transaction, rescore their places before it commits.

The reports capability knows nothing of the index. This module listens to the ORM session instead:
``before_flush`` notes the desa of every report whose status or place changed, and
``before_commit`` refreshes those places for each live profile inside the same transaction, so the
scores a reader sees never lag behind the verified reports, and a failed refresh rolls the change
back rather than leaving the two out of step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from tigapilar.elections.calendar import Calendar
from tigapilar.risk.profile import ProfileConfig
from tigapilar.risk.service import refresh
from tigapilar.storage.models import Report

PENDING = "tigapilar.risk.pending_desa"


def install_live_refresh(
    sessions: sessionmaker[Session],
    profiles: Sequence[ProfileConfig],
    clock: Callable[[], datetime],
    timezone: str,
    calendar: Calendar | None = None,
) -> None:
    """Refresh ``profiles`` for every session made by ``sessions`` whose reports change."""
    if not profiles:
        return
    counted = frozenset(status for p in profiles for status in p.reports.statuses)

    def note_changes(session: Session, _context: Any, _instances: Any) -> None:
        for obj in (*session.new, *session.dirty):
            if not isinstance(obj, Report):
                continue
            state = inspect(obj)
            status, desa = state.attrs.status.history, state.attrs.desa_code.history
            # Only reports that count (or counted) move a score: a new, unverified one does not.
            statuses = {obj.status, *(status.deleted or ())}
            if statuses & counted and (obj in session.new or status.has_changes() or desa.has_changes()):
                pending: set[str] = session.info.setdefault(PENDING, set())
                pending.add(obj.desa_code)
                pending.update(str(code) for code in desa.deleted or ())

    def refresh_before_commit(session: Session) -> None:
        session.flush()  # a last flush may still note changes
        pending: set[str] = session.info.pop(PENDING, set())
        if not pending:
            return
        now = clock()
        for profile in profiles:
            refresh(session, profile, pending, now, timezone, calendar)

    event.listen(sessions, "before_flush", note_changes)
    event.listen(sessions, "before_commit", refresh_before_commit)

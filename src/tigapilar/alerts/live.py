"""Detectors run when reports are verified: the session notes a verification, and once the
transaction has committed (the reports are visible to another connection) the scheduler is woken.

Like the live index, this listens to the ORM session so that ``reports`` knows nothing of alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from tigapilar.storage.models import Report

VERIFIED = "tigapilar.alerts.verified"


def install_verification_trigger(
    sessions: sessionmaker[Session], verified_statuses: Iterable[str], wake: Callable[[], None]
) -> None:
    counted = frozenset(verified_statuses)

    def note(session: Session, _context: Any, _instances: Any) -> None:
        for obj in (*session.new, *session.dirty):
            if not (isinstance(obj, Report) and obj.status in counted):
                continue
            if obj in session.new or inspect(obj).attrs.status.history.has_changes():
                session.info[VERIFIED] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(VERIFIED, False):
            wake()

    def after_rollback(session: Session) -> None:
        session.info.pop(VERIFIED, None)

    event.listen(sessions, "before_flush", note)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_soft_rollback", lambda session, _tx: after_rollback(session))

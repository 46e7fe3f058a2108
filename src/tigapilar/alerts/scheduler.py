"""The embedded scheduler: one background thread runs a detector cycle every ``interval`` seconds,
or at once when woken (reports were verified), then sends the notifications that are due. No
external broker: PostgreSQL installations with several server processes may run it in each (the
fingerprints keep findings single) or turn it off and run ``tigapilar alerts cycle`` from cron.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from tigapilar.alerts.cycle import CycleReport, run_cycle
from tigapilar.alerts.setup import AlertSetup
from tigapilar.core.settings import Settings
from tigapilar.notifications.outbox import deliver_due
from tigapilar.sitrep.schedule import write_due_sitreps

log = logging.getLogger(__name__)


class DetectorScheduler:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        setup: AlertSetup,
        clock: Callable[[], datetime],
        interval_seconds: float,
        settings: Settings | None = None,
    ) -> None:
        self.sessions = sessions
        self.setup = setup
        self.clock = clock
        self.interval = interval_seconds
        self.settings = settings  # None: no daily situation reports
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._done = threading.Condition()
        self.cycles = 0
        self.last: CycleReport | None = None

    def run_once(self) -> CycleReport:
        report = run_cycle(self.sessions, self.clock(), self.setup)
        deliver_due(self.sessions, self.clock(), self.setup.notifications)
        if self.settings is not None:
            try:
                write_due_sitreps(self.sessions, self.settings, self.clock())
            except Exception:  # a failed report must not stop detection
                log.exception("daily situation reports failed")
        with self._done:
            self.cycles += 1
            self.last = report
            self._done.notify_all()
        return report

    def wake(self) -> None:
        self._wake.set()

    def wait_for_cycle(self, after: int, timeout: float) -> bool:
        """Block until more than ``after`` cycles have run (for tests and the CLI), at most ``timeout`` s."""
        with self._done:
            return self._done.wait_for(lambda: self.cycles > after, timeout)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="tigapilar-detectors", daemon=True)
            self._wake.set()  # a first cycle at start, then one per interval
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.run_once()
            except Exception:  # a failed cycle must not stop the next one
                log.exception("detector cycle failed")

"""A clock that starts at a chosen moment and runs on in real time.

The demo's data lives in its election's days (Pilkada 2024); served with this clock, deadlines,
escalations and new reports happen in that time, as they would have, instead of two years late.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta


class RunningClock:
    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware start time")
        self.start = start
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._started)

"""A settable clock: tests move time forward instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

PILKADA_DAY = datetime(2024, 11, 27, 0, 0, tzinfo=UTC)  # 08.00 WITA on the day of Pilkada 2024


class Clock:
    """Call it for "now"; ``advance(minutes=5)`` moves it. Set as ``app.state.clock`` for the web app."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or PILKADA_DAY

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

"""authenticate(): passwords, inactive and unknown users, and rate limiting with a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import PASSWORD, make_account
from support.clock import Clock
from tigapilar.accounts.login import InvalidCredentialsError, LoginLimits, RateLimitedError, authenticate
from tigapilar.accounts.sessions import start_session
from tigapilar.accounts.tokens import principal_for_token
from tigapilar.storage.db import Database
from tigapilar.storage.models import LoginFailure, User

LIMITS = LoginLimits(max_failures=3, window=timedelta(seconds=300), address_max_failures=5)


def _fail(db: Database, clock: Clock, username: str = "budi", address: str = "10.0.0.1") -> None:
    with pytest.raises(InvalidCredentialsError), db.session() as session:
        authenticate(session, username, "wrong-password-1", address, clock.now, LIMITS)


def _login(db: Database, clock: Clock, username: str = "budi", address: str = "10.0.0.1") -> int:
    with db.session() as session:
        return authenticate(session, username, PASSWORD, address, clock.now, LIMITS).id


@pytest.fixture
def budi(regions: Database) -> int:
    with regions.session() as session:
        return make_account(session, "budi", "analyst", areas=["64.71"]).user_id


def test_right_password_logs_in_case_insensitively(regions: Database, budi: int) -> None:
    clock = Clock()
    assert _login(regions, clock, " BUDI ") == budi


def test_wrong_unknown_and_inactive_are_the_same_refusal(regions: Database, budi: int) -> None:
    clock = Clock()
    _fail(regions, clock)
    _fail(regions, clock, username="nobody")
    with regions.session() as session:
        user = session.get(User, budi)
        assert user is not None
        user.active = False
    with pytest.raises(InvalidCredentialsError), regions.session() as session:
        authenticate(session, "budi", PASSWORD, "10.0.0.1", clock.now, LIMITS)


def test_failures_are_recorded_despite_the_rollback(regions: Database, budi: int) -> None:
    clock = Clock()
    _fail(regions, clock)
    with regions.session() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_rate_limit_refuses_even_the_right_password_until_the_window_passes(
    regions: Database, budi: int
) -> None:
    clock = Clock()
    for _ in range(3):
        _fail(regions, clock)
        clock.advance(seconds=10)
    with pytest.raises(RateLimitedError) as caught, regions.session() as session:
        authenticate(session, "budi", PASSWORD, "10.0.0.1", clock.now, LIMITS)
    assert caught.value.code == "auth.rate_limited" and caught.value.status == 429
    # The oldest failure was 30 s ago; it leaves the 300 s window in 270 s.
    assert caught.value.retry_after == 270
    clock.advance(seconds=269)
    with pytest.raises(RateLimitedError):
        _login(regions, clock)
    clock.advance(seconds=1)
    assert _login(regions, clock) == budi


def test_success_clears_the_usernames_failures(regions: Database, budi: int) -> None:
    clock = Clock()
    _fail(regions, clock)
    _fail(regions, clock)
    _login(regions, clock)
    _fail(regions, clock)
    _fail(regions, clock)
    assert _login(regions, clock) == budi  # only 2 failures count, not 4


def test_rate_limit_per_address_covers_every_username(regions: Database, budi: int) -> None:
    clock = Clock()
    for name in ("a1", "a2", "a3", "a4", "a5"):
        _fail(regions, clock, username=name, address="10.9.9.9")
    with pytest.raises(RateLimitedError):
        _login(regions, clock, address="10.9.9.9")
    assert _login(regions, clock, address="10.0.0.2") == budi


def test_limits_come_from_settings() -> None:
    from tigapilar.core.settings import Settings

    settings = Settings(
        database_url="sqlite://", data_dir=__import__("pathlib").Path("."), login_max_failures=7
    )
    limits = LoginLimits.from_settings(settings)
    assert limits.max_failures == 7 and limits.address_max_failures == 28
    assert limits.window == timedelta(seconds=settings.login_window_seconds)


def test_session_token_expires(regions: Database, budi: int) -> None:
    clock = Clock()
    with regions.session() as session:
        user = session.get(User, budi)
        assert user is not None
        issued = start_session(session, user, clock.now, hours=12)
    with regions.session() as session:
        assert principal_for_token(session, issued.token, clock.advance(hours=11, minutes=59)) is not None
        assert principal_for_token(session, issued.token, clock.advance(minutes=1)) is None

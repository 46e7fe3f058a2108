"""Checking a username and password, with rate limiting of failed attempts.

Semantics (failures live in the ``login_failure`` table, so they hold across processes):

* a failure is recorded per attempt with the username (as typed, folded to lower case) and the
  client address;
* before checking a password, the failures of the last ``window`` are counted for the username and
  for the address; at ``max_failures`` for the username, or ``address_max_failures`` for the
  address, the attempt is refused with ``auth.rate_limited`` (HTTP 429) *even if the password is
  right*, and nothing is recorded, so the lock ends when the window has passed since the failures;
* a success clears that username's failures (not the address's: otherwise an attacker could reset
  the address counter by logging in to an account of their own between guesses);
* unknown and inactive users cost the same Argon2 verification as real ones and get the same answer.

The address threshold is higher than the username one because many honest people can share one
address: an office behind NAT, or phones behind a mobile operator's carrier-grade NAT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tigapilar.accounts.passwords import verify_password
from tigapilar.accounts.validation import normalise_username
from tigapilar.core.errors import TigapilarError
from tigapilar.core.settings import Settings
from tigapilar.storage.models import LoginFailure, User

ADDRESS_FACTOR = 4  # address threshold = this x the username threshold (shared NAT, see above)
_USERNAME_WIDTH = 60  # column widths of login_failure
_ADDRESS_WIDTH = 64


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int = 5
    window: timedelta = timedelta(seconds=300)
    address_max_failures: int = 5 * ADDRESS_FACTOR

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        return cls(
            max_failures=settings.login_max_failures,
            window=timedelta(seconds=settings.login_window_seconds),
            address_max_failures=settings.login_max_failures * ADDRESS_FACTOR,
        )


class InvalidCredentialsError(TigapilarError):
    def __init__(self) -> None:
        super().__init__(
            code="auth.invalid_credentials",
            message="Wrong username or password.",
            pesan="Nama pengguna atau kata sandi salah.",
            status=401,
        )


class RateLimitedError(TigapilarError):
    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            code="auth.rate_limited",
            message=f"Too many failed logins; try again in {retry_after} seconds.",
            pesan=f"Terlalu banyak percobaan masuk yang gagal; coba lagi dalam {minutes} menit.",
            status=429,
            details=[{"retry_after": retry_after}],
        )
        self.retry_after = retry_after


def authenticate(
    session: Session,
    username: str,
    password: str,
    address: str,
    now: datetime,
    limits: LoginLimits | None = None,
) -> User:
    """The active user with this username and password.

    Raises RateLimitedError or InvalidCredentialsError. A failure is committed before the error is
    raised: callers roll back on errors, and a rolled-back failure would make the limit useless.
    """
    limits = limits or LoginLimits()
    name = normalise_username(username)[:_USERNAME_WIDTH]
    address = (address or "unknown")[:_ADDRESS_WIDTH]
    refuse_if_limited(session, name, address, now, limits)

    user = session.scalar(select(User).where(User.username == name))
    known = user if user is not None and user.active else None
    # verify_password(None, ...) checks against a dummy hash: the same cost, always False.
    matches = verify_password(known.password_hash if known else None, password)
    if known is None or not matches:
        session.add(LoginFailure(username=name, address=address, at=now))
        # Old failures no longer count; dropping them here keeps the table small without a job.
        session.execute(delete(LoginFailure).where(LoginFailure.at < now - limits.window))
        session.commit()
        raise InvalidCredentialsError()
    session.execute(delete(LoginFailure).where(LoginFailure.username == name))
    return known


def refuse_if_limited(session: Session, name: str, address: str, now: datetime, limits: LoginLimits) -> None:
    since = now - limits.window
    for column, value, limit in (
        (LoginFailure.username, name, limits.max_failures),
        (LoginFailure.address, address, limits.address_max_failures),
    ):
        count = session.scalar(select(func.count()).where(column == value, LoginFailure.at > since)) or 0
        if count < limit:
            continue
        # The lock lifts when enough of the oldest failures have left the window to go below the limit.
        recent = select(LoginFailure.at).where(column == value, LoginFailure.at > since)
        times = list(session.scalars(recent.order_by(LoginFailure.at)))
        freeing = times[count - limit]
        retry_after = max(1, math.ceil((freeing + limits.window - now).total_seconds()))
        raise RateLimitedError(retry_after)

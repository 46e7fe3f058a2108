"""Web sessions and named API tokens of the logged-in user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.tokens import API, SESSION, IssuedToken, issue
from tigapilar.accounts.validation import Problems
from tigapilar.core.errors import NotFound
from tigapilar.storage.models import ApiToken, User

MAX_TOKEN_DAYS = 3650
MAX_TOKEN_NAME = 80


@dataclass(frozen=True)
class TokenInfo:
    """A token as its owner may see it later: never the secret."""

    id: int
    kind: str
    name: str | None
    created_at: datetime
    expires_at: datetime | None


def start_session(session: Session, user: User, now: datetime, hours: int) -> IssuedToken:
    """A web session token for a user who has just logged in; it expires after ``hours``."""
    return issue(session, user, SESSION, None, now + timedelta(hours=hours), now)


def create_api_token(
    session: Session, principal: Principal, name: str, now: datetime, days: int | None = None
) -> IssuedToken:
    """A named token for the principal's own scripts; it carries exactly the principal's rights."""
    problems = Problems()
    label = " ".join(name.split())
    if not label or len(label) > MAX_TOKEN_NAME:
        problems.add(
            "name",
            f"Token name must have 1-{MAX_TOKEN_NAME} characters.",
            f"Nama token harus 1-{MAX_TOKEN_NAME} karakter.",
        )
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        problems.add(
            "days",
            f"Lifetime must be between 1 and {MAX_TOKEN_DAYS} days.",
            f"Masa berlaku harus antara 1 dan {MAX_TOKEN_DAYS} hari.",
        )
    problems.raise_if_any()
    user = session.get(User, principal.user_id)
    if user is None:
        raise _token_not_found()
    expires = now + timedelta(days=days) if days is not None else None
    return issue(session, user, API, label, expires, now)


def list_api_tokens(session: Session, principal: Principal, now: datetime) -> list[TokenInfo]:
    """The principal's API tokens that still work."""
    rows = session.scalars(
        select(ApiToken)
        .where(
            ApiToken.user_id == principal.user_id,
            ApiToken.kind == API,
            ApiToken.revoked.is_(False),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        )
        .order_by(ApiToken.id)
    )
    return [TokenInfo(r.id, r.kind, r.name, r.created_at, r.expires_at) for r in rows]


def revoke_own_token(session: Session, principal: Principal, token_id: int) -> None:
    """Revoke one of the principal's own tokens; another user's token is reported as missing."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != principal.user_id or row.revoked:
        raise _token_not_found()
    row.revoked = True
    session.flush()


def _token_not_found() -> NotFound:
    return NotFound("token.not_found", "No such token of yours.", "Token tidak ditemukan.")

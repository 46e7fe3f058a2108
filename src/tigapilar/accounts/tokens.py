"""Bearer tokens and web sessions. Only a SHA-256 of each token is stored.

A token is 32 random bytes, so a plain (unsalted, fast) hash is enough: nobody can brute-force it,
and the lookup stays a single indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Role
from tigapilar.core.scope import Scope
from tigapilar.storage.models import ApiToken, User, UserArea
from tigapilar.storage.models.base import utcnow

SESSION = "session"  # web login, expires after settings.session_hours
API = "api"  # named token for scripts and integrations
PREFIX = "tp_"  # lets secret scanners and people recognise a leaked tigapilar token


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: the secret is shown once and never stored."""

    id: int
    token: str
    kind: str
    name: str | None
    created_at: datetime
    expires_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session,
    user: User,
    kind: str,
    name: str | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    token = PREFIX + secrets.token_urlsafe(32)
    created = now or utcnow()
    row = ApiToken(
        user_id=user.id,
        token_hash=_digest(token),
        kind=kind,
        name=name,
        created_at=created,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return IssuedToken(row.id, token, kind, name, created, expires_at)


def issue_token(
    session: Session,
    user: User,
    kind: str,
    name: str | None = None,
    lifetime: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    now = now or utcnow()
    return issue(session, user, kind, name, now + lifetime if lifetime else None, now).token


def find_token(session: Session, token: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))


def revoke_token(session: Session, token: str) -> None:
    row = find_token(session, token)
    if row is not None:
        row.revoked = True


def revoke_user_tokens(session: Session, user_id: int, kind: str | None = None) -> None:
    """Revoke every token of a user (of one kind, if given), e.g. on deactivation or a new password."""
    query = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False))
    if kind is not None:
        query = query.where(ApiToken.kind == kind)
    session.execute(query.values(revoked=True))


def principal_for_token(session: Session, token: str, now: datetime | None = None) -> Principal | None:
    """The caller a token stands for, or None if it is unknown, expired, revoked or its user inactive."""
    now = now or utcnow()
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked.is_(False), User.active.is_(True))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    return principal_for_user(session, user)


def principal_for_user(session: Session, user: User) -> Principal:
    if user.national:
        scope = Scope.everything()
    else:
        codes = session.scalars(select(UserArea.region_code).where(UserArea.user_id == user.id))
        scope = Scope.of(codes)
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        scope=scope,
        officer_id=user.officer_id,
        language=user.language,
    )

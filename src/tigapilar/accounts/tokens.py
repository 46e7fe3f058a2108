"""Bearer tokens and web sessions. Only a SHA-256 of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Role
from tigapilar.core.scope import Scope
from tigapilar.storage.models import ApiToken, User, UserArea
from tigapilar.storage.models.base import utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, user: User, kind: str, name: str | None = None, lifetime: timedelta | None = None
) -> str:
    token = "tp_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_digest(token),
            kind=kind,
            name=name,
            expires_at=utcnow() + lifetime if lifetime else None,
        )
    )
    session.flush()
    return token


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None:
        row.revoked = True


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

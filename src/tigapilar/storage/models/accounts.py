"""User accounts, their area scope, API/session tokens and failed logins (for rate limiting)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tigapilar.storage.models.base import Base, RegionCode, UtcDateTime, utcnow


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(160))
    password_hash: Mapped[str] = mapped_column(String(200))
    # MD5(username:realm:password) for HTTP Digest, which ODK Collect uses; set with the password.
    digest_ha1: Mapped[str | None] = mapped_column(String(32))
    # field_officer | analyst | commander | partner | admin
    role: Mapped[str] = mapped_column(String(20))
    # National users see everything; everyone else sees only the regions in user_area.
    national: Mapped[bool] = mapped_column(Boolean, default=False)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id", ondelete="SET NULL"))
    # The unit the account acts for (a Kapolsek's Polsek): alerts routed to it reach this account.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(2), default="id")
    # Where email notifications go (NULL: none are sent to this user).
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class UserArea(Base):
    __tablename__ = "user_area"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("region.code", ondelete="RESTRICT"), primary_key=True
    )


class ApiToken(Base):
    """A bearer token or web session; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "session" (web login, short-lived) or "api" (named, for scripts and integrations)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginFailure(Base):
    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index("ix_login_failure_username_at", "username", "at"),)

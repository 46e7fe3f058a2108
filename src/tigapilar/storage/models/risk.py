"""Vulnerability: imported attributes of places, current scores with their explanation, daily snapshots."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tigapilar.storage.models.base import Base, RegionCode, UtcDateTime, utcnow


class TpsAttribute(Base):
    """A value imported for one TPS (e.g. ``sulit_dijangkau`` = 1, ``dpt_tms`` = 14)."""

    __tablename__ = "tps_attribute"

    tps_id: Mapped[int] = mapped_column(ForeignKey("tps.id", ondelete="CASCADE"), primary_key=True)
    attribute: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RegionAttribute(Base):
    """A value imported for a region; TPS and places below it inherit it unless they have their own."""

    __tablename__ = "region_attribute"

    region_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("region.code", ondelete="CASCADE"), primary_key=True
    )
    attribute: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RiskScore(Base):
    """The current score of one place under one profile, with its explanation.

    ``place`` is the region code, or ``tps:<id>`` for a TPS; ``area_code`` is the region code itself or
    the TPS's desa, which is what scopes filter on. ``contributions`` is JSON ``{indicator: points}``
    of the indicators that contribute; the points add up to ``score``.
    """

    __tablename__ = "risk_score"

    profile: Mapped[str] = mapped_column(String(60), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)  # tps | desa | kecamatan | ...
    place: Mapped[str] = mapped_column(String(40), primary_key=True)
    area_code: Mapped[str] = mapped_column(RegionCode())
    tps_id: Mapped[int | None] = mapped_column(ForeignKey("tps.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    worst: Mapped[float] = mapped_column(Float)  # the highest TPS/unit score inside (= score for a unit)
    category: Mapped[str] = mapped_column(String(20))
    khusus: Mapped[bool] = mapped_column(Boolean, default=False)
    places: Mapped[int] = mapped_column(Integer, default=1)  # scored units inside (TPS for a region)
    dpt: Mapped[int] = mapped_column(Integer, default=0)
    contributions: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (
        Index("ix_risk_score_profile_level_area_code", "profile", "level", "area_code"),
        Index("ix_risk_score_profile_level_score", "profile", "level", "score"),
    )


class RiskSnapshot(Base):
    """A place's score on a day (local date), for trends and "change since the last snapshot"."""

    __tablename__ = "risk_snapshot"

    profile: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    place: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_risk_snapshot_profile_level_place_day", "profile", "level", "place", "day"),)

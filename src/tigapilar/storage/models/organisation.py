"""Units (Polri, TNI AD, Pemda, KPU, Bawaslu) and officers, including the three village pillars."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tigapilar.storage.models.base import Base, RegionCode


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable code chosen by whoever imports units, e.g. "polres-64.71"; used by CSV imports.
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    # polri | tni_ad | pemda | kpu | bawaslu
    agency: Mapped[str] = mapped_column(String(12), index=True)
    # polda, polres, polsek, korem, kodim, koramil, pemprov, pemkab, kecamatan, desa, kpu_prov, ...
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)


class UnitArea(Base):
    """A region a unit is responsible for; a unit may cover several."""

    __tablename__ = "unit_area"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("region.code", ondelete="RESTRICT"), primary_key=True, index=True
    )


class Officer(Base):
    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    rank: Mapped[str | None] = mapped_column(String(40))
    # NRP for Polri/TNI personnel, NIP for civil servants; both are personal data.
    nrp: Mapped[str | None] = mapped_column(String(30), unique=True)
    nip: Mapped[str | None] = mapped_column(String(30), unique=True)
    # Normalised to +62..., unique: coded SMS reports identify the officer by it.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    # bhabinkamtibmas | babinsa | kades_lurah, or None for staff who are not a village pillar
    pillar: Mapped[str | None] = mapped_column(String(20), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OfficerVillage(Base):
    """A village (desa/kelurahan) an officer is assigned to."""

    __tablename__ = "officer_village"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True)
    desa_code: Mapped[str] = mapped_column(
        RegionCode(), ForeignKey("region.code", ondelete="RESTRICT"), primary_key=True, index=True
    )

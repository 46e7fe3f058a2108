"""Polling stations (TPS)."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tigapilar.storage.models.base import Base, RegionCode


class Tps(Base):
    __tablename__ = "tps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The election this TPS list belongs to (Pemilu and Pilkada have different TPS sets).
    election: Mapped[str] = mapped_column(String(40))
    # Stable identifier across imports: "<desa code>-<number, 3 digits>", e.g. 64.71.01.1001-003.
    uid: Mapped[str] = mapped_column(String(40))
    desa_code: Mapped[str] = mapped_column(RegionCode(), ForeignKey("region.code", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    dpt_male: Mapped[int] = mapped_column(Integer, default=0)
    dpt_female: Mapped[int] = mapped_column(Integer, default=0)
    # reguler | lapas_rutan | panti | relokasi | pekerja_ikn | lainnya
    kind: Mapped[str] = mapped_column(String(20), default="reguler")
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("election", "uid", name="uq_tps_election_uid"),
        Index("ix_tps_desa_code_number", "desa_code", "number"),
        Index("ix_tps_election_desa_code", "election", "desa_code"),
    )

    @property
    def dpt(self) -> int:
        return self.dpt_male + self.dpt_female

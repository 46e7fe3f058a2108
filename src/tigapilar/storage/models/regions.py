"""Administrative regions: provinsi, kabupaten/kota, kecamatan, desa/kelurahan."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tigapilar.storage.models.base import Base, RegionCode


class Region(Base):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(RegionCode(), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        RegionCode(), ForeignKey("region.code", ondelete="RESTRICT"), index=True
    )
    # 1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan
    level: Mapped[int] = mapped_column(SmallInteger)
    # provinsi | kabupaten | kota | kecamatan | distrik | desa | kelurahan | desa_adat
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    # Lower-case name without prefixes such as "Kabupaten"/"Kab."/"Kota", for tolerant search.
    # "C" collation on PostgreSQL so that prefix searches (LIKE 'kutai%') can use the index.
    name_key: Mapped[str] = mapped_column(
        String(120).with_variant(String(120, collation="C"), "postgresql"), index=True
    )
    postal_code: Mapped[str | None] = mapped_column(String(5))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    # Where the centroid came from: "import" (a boundary file) or "demo" (generated, not real).
    centroid_source: Mapped[str | None] = mapped_column(String(10))
    # GeoJSON geometry (Polygon/MultiPolygon, [lng, lat] order), loaded only when asked for.
    geometry: Mapped[str | None] = deferred(mapped_column(Text))
    min_lat: Mapped[float | None] = mapped_column(Float)
    min_lng: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    max_lng: Mapped[float | None] = mapped_column(Float)
    area_km2: Mapped[float | None] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    population_male: Mapped[int | None] = mapped_column(Integer)
    population_female: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_region_level_code", "level", "code"),)

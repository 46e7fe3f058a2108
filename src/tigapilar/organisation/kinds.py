"""Agencies, the kinds of unit each has, and the three village pillars: the one place that lists them.

Codes are stored; labels (Indonesian) are shown and are also accepted in imported files.
"""

from __future__ import annotations

AGENCIES: dict[str, str] = {
    "polri": "Polri",
    "tni_ad": "TNI AD",
    "pemda": "Pemerintah daerah",
    "kpu": "KPU",
    "bawaslu": "Bawaslu",
}

UNIT_KINDS: dict[str, dict[str, str]] = {
    "polri": {"polda": "Polda", "polres": "Polres", "polsek": "Polsek"},
    "tni_ad": {"kodam": "Kodam", "korem": "Korem", "kodim": "Kodim", "koramil": "Koramil"},
    "pemda": {
        "pemprov": "Pemerintah provinsi",
        "pemkab": "Pemerintah kabupaten",
        "pemkot": "Pemerintah kota",
        "kecamatan": "Kecamatan",
        "desa": "Pemerintah desa",
        "kelurahan": "Kelurahan",
    },
    "kpu": {"kpu_provinsi": "KPU Provinsi", "kpu_kabkota": "KPU Kabupaten/Kota"},
    "bawaslu": {"bawaslu_provinsi": "Bawaslu Provinsi", "bawaslu_kabkota": "Bawaslu Kabupaten/Kota"},
}

PILLARS: dict[str, str] = {
    "bhabinkamtibmas": "Bhabinkamtibmas",
    "babinsa": "Babinsa",
    "kades_lurah": "Kepala Desa/Lurah",
}
# The agency a pillar officer's unit must belong to.
PILLAR_AGENCY: dict[str, str] = {"bhabinkamtibmas": "polri", "babinsa": "tni_ad", "kades_lurah": "pemda"}
# Pillars that serve exactly one village: a village has one head, a head one village.
SINGLE_VILLAGE_PILLARS = frozenset({"kades_lurah"})


def agency_label(agency: str) -> str:
    return AGENCIES.get(agency, agency)


def kind_label(agency: str, kind: str) -> str:
    return UNIT_KINDS.get(agency, {}).get(kind, kind)


def pillar_label(pillar: str | None) -> str | None:
    return PILLARS.get(pillar, pillar) if pillar else None

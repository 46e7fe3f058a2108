"""Demo organisation: Polda/Polres/Polsek, Korem/Kodim/Koramil, Pemda, KPU, Bawaslu, and the three
pillars of every village (Bhabinkamtibmas and Babinsa shared by neighbouring villages as in reality,
one Kades/Lurah per village)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from tigapilar.demo.allocation import largest_remainder
from tigapilar.demo.config import DemoConfig
from tigapilar.demo.names import ARMY_RANKS, POLICE_RANKS, person_name
from tigapilar.demo.places import Place, villages_of
from tigapilar.organisation.officers import OfficerSpec
from tigapilar.organisation.units import UnitSpec


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _kabkota_name(kab: Place) -> str:
    return kab.name if kab.kind == "kota" else kab.name.removeprefix("Kabupaten ").strip()


def demo_units(config: DemoConfig, kabkota: list[Place]) -> list[UnitSpec]:
    org, province = config.organisation, config.province
    units = [
        UnitSpec(f"polda-{province}", org.polda, "polri", "polda", None, [province]),
        UnitSpec(f"korem-{province}", org.korem, "tni_ad", "korem", None, [province]),
        UnitSpec(f"pemprov-{province}", org.pemprov, "pemda", "pemprov", None, [province]),
        UnitSpec(f"kpu-{province}", org.kpu_provinsi, "kpu", "kpu_provinsi", None, [province]),
        UnitSpec(
            f"bawaslu-{province}", org.bawaslu_provinsi, "bawaslu", "bawaslu_provinsi", None, [province]
        ),
    ]
    kodim_areas: dict[str, list[str]] = {}
    for kab in kabkota:
        kodim_areas.setdefault(config.kabkota[kab.code].kodim, []).append(kab.code)
    for kodim, areas in kodim_areas.items():
        units.append(UnitSpec(_kodim_code(kodim), kodim, "tni_ad", "kodim", f"korem-{province}", areas))
    for kab in kabkota:
        spec = config.kabkota[kab.code]
        name = _kabkota_name(kab)
        is_kota = kab.kind == "kota"
        polres = f"polres-{kab.code}"
        units += [
            UnitSpec(polres, spec.polres, "polri", "polres", f"polda-{province}", [kab.code]),
            UnitSpec(
                f"pemda-{kab.code}",
                f"Pemerintah {'Kota' if is_kota else 'Kabupaten'} {name.removeprefix('Kota ')}",
                "pemda",
                "pemkot" if is_kota else "pemkab",
                f"pemprov-{province}",
                [kab.code],
            ),
            UnitSpec(
                f"kpu-{kab.code}", f"KPU {kab.name}", "kpu", "kpu_kabkota", f"kpu-{province}", [kab.code]
            ),
            UnitSpec(
                f"bawaslu-{kab.code}",
                f"Bawaslu {kab.name}",
                "bawaslu",
                "bawaslu_kabkota",
                f"bawaslu-{province}",
                [kab.code],
            ),
        ]
        kodim_number = _kodim_number(spec.kodim)
        for index, kec in enumerate(kab.children, start=1):
            units += [
                UnitSpec(f"polsek-{kec.code}", f"Polsek {kec.name}", "polri", "polsek", polres, [kec.code]),
                UnitSpec(
                    f"koramil-{kec.code}",
                    f"Koramil {kodim_number}-{index:02d}/{kec.name}",
                    "tni_ad",
                    "koramil",
                    _kodim_code(spec.kodim),
                    [kec.code],
                ),
                UnitSpec(
                    f"kecamatan-{kec.code}",
                    f"Kecamatan {kec.name}",
                    "pemda",
                    "kecamatan",
                    f"pemda-{kab.code}",
                    [kec.code],
                ),
            ]
            for village in kec.children:
                kind = "kelurahan" if village.kind == "kelurahan" else "desa"
                units.append(
                    UnitSpec(
                        f"{kind}-{village.code}",
                        f"{'Kelurahan' if kind == 'kelurahan' else 'Pemerintah Desa'} {village.name}",
                        "pemda",
                        kind,
                        f"kecamatan-{kec.code}",
                        [village.code],
                    )
                )
    return units


def _kodim_number(name: str) -> str:
    match = re.search(r"\d{4}", name)
    return match.group(0) if match else _slug(name)


def _kodim_code(name: str) -> str:
    return f"kodim-{_kodim_number(name)}"


def demo_officers(config: DemoConfig, kabkota: list[Place]) -> list[OfficerSpec]:
    rng = random.Random(config.seed + 2)
    identities = _Identities(rng)
    kecamatan = [kec for kab in kabkota for kec in kab.children if kec.children]
    officers: list[OfficerSpec] = []
    for pillar, total, unit_prefix, ranks in (
        ("bhabinkamtibmas", config.organisation.bhabinkamtibmas, "polsek", POLICE_RANKS),
        ("babinsa", config.organisation.babinsa, "koramil", ARMY_RANKS),
    ):
        for kec, groups in zip(kecamatan, _officers_per_kecamatan(total, kecamatan), strict=True):
            for villages in _split(kec.children, groups):
                officers.append(
                    OfficerSpec(
                        name=person_name(rng),
                        rank=rng.choice(ranks),
                        nrp=identities.nrp(),
                        phone=identities.phone(),
                        unit_code=f"{unit_prefix}-{kec.code}",
                        pillar=pillar,
                        villages=[v.code for v in villages],
                    )
                )
    for kab in kabkota:
        for village in villages_of(kab):
            lurah = village.kind == "kelurahan"
            officers.append(
                OfficerSpec(
                    name=person_name(rng),
                    rank="Lurah" if lurah else "Kepala Desa",
                    nip=identities.nip() if lurah else None,
                    phone=identities.phone(),
                    unit_code=f"{'kelurahan' if lurah else 'desa'}-{village.code}",
                    pillar="kades_lurah",
                    villages=[village.code],
                )
            )
    return officers


def _officers_per_kecamatan(total: int, kecamatan: list[Place]) -> list[int]:
    """At least one officer per kecamatan, never more than its villages, the rest by village count."""
    sizes = [len(k.children) for k in kecamatan]
    shares = largest_remainder(max(total - len(sizes), 0), [float(s) for s in sizes])
    return [min(1 + s, size) for s, size in zip(shares, sizes, strict=True)]


def _split(villages: list[Place], groups: int) -> Iterator[list[Place]]:
    """Neighbouring villages (consecutive codes) in ``groups`` nearly equal runs."""
    for size, start in zip(*_runs(len(villages), groups), strict=True):
        yield villages[start : start + size]


def _runs(total: int, groups: int) -> tuple[list[int], list[int]]:
    sizes = [total // groups + (1 if i < total % groups else 0) for i in range(groups)]
    starts = [sum(sizes[:i]) for i in range(groups)]
    return sizes, starts


class _Identities:
    """Unique, obviously fictitious identifiers (the 0812-0000 range is not handed out as such)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def _unique(self, make: str) -> str:
        while True:
            value = "".join(str(self._rng.randint(0, 9)) if c == "#" else c for c in make)
            if value not in self._seen:
                self._seen.add(value)
                return value

    def nrp(self) -> str:
        return self._unique("8#######")

    def nip(self) -> str:
        return self._unique("19##0###20##0#1###")

    def phone(self) -> str:
        return self._unique("+628120########")

"""Demo TPS: the configured count per kab/kota over its real villages, the DPT total split exactly."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from tigapilar.demo.allocation import tps_per_village, voters_per_tps
from tigapilar.demo.config import DemoConfig
from tigapilar.demo.places import Place, villages_of
from tigapilar.demo.positions import offset

TPS_SPREAD_KM = 1.5


def demo_tps_rows(config: DemoConfig, kabkota: list[Place]) -> list[dict[str, Any]]:
    """Every demo TPS as a row for :func:`tigapilar.tps.registry.add_tps_rows`."""
    rng = random.Random(config.seed + 1)
    planned: list[tuple[Place, int, str, str | None, int | None]] = []  # village, number, kind, address, dpt
    next_number: dict[str, int] = {}
    for kab in kabkota:
        villages = villages_of(kab)
        counts = tps_per_village(config.kabkota[kab.code].tps, [v.kind == "kelurahan" for v in villages])
        for village, count in zip(villages, counts, strict=True):
            for number in range(1, count + 1):
                planned.append((village, number, "reguler", None, None))
            next_number[village.code] = count + 1
    by_kecamatan = {kec.code: kec for kab in kabkota for kec in kab.children}
    for special in config.special_tps:
        village = rng.choice(by_kecamatan[special.kecamatan].children)
        for _ in range(special.count):
            number = next_number.get(village.code, 1)
            next_number[village.code] = number + 1
            planned.append((village, number, special.kind, special.address, special.dpt))
    voters = voters_per_tps(config.dpt_total, [p[4] for p in planned], config.dpt_max_per_tps, rng)
    return list(_rows(config, planned, voters, rng))


def _rows(
    config: DemoConfig,
    planned: list[tuple[Place, int, str, str | None, int | None]],
    voters: list[int],
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    for (village, number, kind, address, _), dpt in zip(planned, voters, strict=True):
        male = round(dpt * min(max(rng.gauss(config.male_share, 0.02), 0.0), 1.0))
        lat, lng = offset(village.position, TPS_SPREAD_KM, rng)
        yield {
            "election": config.election,
            "desa_code": village.code,
            "number": number,
            "address": address or f"RT {rng.randint(1, 40):02d}, {village.name}",
            "lat": lat,
            "lng": lng,
            "dpt_male": male,
            "dpt_female": dpt - male,
            "kind": kind,
            "notes": "Data demo (bukan data KPU)",
        }

"""The computation: indicator values, contributions and scores for many places at once (numpy).

For n places and k indicators: ``values`` (n x k) in 0..1, ``contributions = values * weights``
(points of the scale per indicator), ``score = contributions.sum(axis=1)``. Regions above the unit
level are the DPT-weighted mean of the places inside (the contributions too, so a region's
explanation adds up to its score) and keep the worst place's score beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tigapilar.regions.codes import CODE_LENGTH
from tigapilar.risk.inputs import Places, ReportTally
from tigapilar.risk.profile import REGION_LEVEL, IndicatorConfig, Leaf, ProfileConfig, leaves

SECONDS_PER_DAY = 86400.0


@dataclass
class Scored:
    """Scores of a set of places (the unit level, or a region level aggregated from it)."""

    level: str
    keys: list[str]
    area: NDArray[np.str_]
    tps_id: NDArray[np.int64] | None
    contributions: NDArray[np.float64]  # n x k
    score: NDArray[np.float64]
    worst: NDArray[np.float64]
    dpt: NDArray[np.float64]
    khusus: NDArray[np.bool_]
    places: NDArray[np.int64]  # unit places inside (1 for a unit place)
    category: list[str]


def report_pressure(
    profile: ProfileConfig, places: Places, tally: ReportTally, now: datetime
) -> dict[str, NDArray[np.float64]]:
    """category -> weighted, decayed report count per place.

    A report counts for the TPS it names; a report that names no TPS counts for every TPS of its desa
    (for region units: for the region containing its desa).
    """
    settings = profile.reports
    today = now.timestamp() / SECONDS_PER_DAY
    age = np.maximum(today - (tally.day + 0.5), 0.0)  # days, from the middle of the report's day
    severity = np.array([settings.severity_weight.get(int(s), 1.0) for s in tally.severity.tolist()])
    stage = np.array([settings.stage_multiplier.get(str(s), 1.0) for s in tally.stage.tolist()])
    weight = tally.count * severity * stage * np.power(0.5, age / settings.half_life_days)
    n = len(places)
    # Every tally row's place (index into places), or -1; vectorised lookups on sorted keys.
    if places.tps_id is not None:
        unique_desa, place_desa = np.unique(places.area, return_inverse=True)
        by_tps = _lookup(places.tps_id, tally.tps_id)  # places are ordered by TPS id
        by_desa = np.where(tally.tps_id < 0, _lookup(unique_desa, tally.desa_code), -1)
    else:
        length = CODE_LENGTH[REGION_LEVEL[places.level]]
        prefixes = np.array([c[:length] for c in tally.desa_code.tolist()], dtype=np.str_)
        by_tps = _lookup(places.area, prefixes)  # region places are ordered by code
    pressure: dict[str, NDArray[np.float64]] = {}
    for category in sorted(set(tally.category.tolist())):
        mine = tally.category == category
        hit = mine & (by_tps >= 0)
        total = np.bincount(by_tps[hit], weights=weight[hit], minlength=n).astype(np.float64)
        if places.tps_id is not None:
            spread = mine & (by_desa >= 0)
            per_desa = np.bincount(by_desa[spread], weights=weight[spread], minlength=len(unique_desa))
            total += per_desa[place_desa]
        pressure[category] = total
    return pressure


def _lookup(sorted_keys: NDArray[Any], wanted: NDArray[Any]) -> NDArray[np.int64]:
    """Index of each wanted key in ``sorted_keys``, or -1 where it is not there."""
    if not len(sorted_keys) or not len(wanted):
        return np.full(len(wanted), -1, dtype=np.int64)
    index = np.searchsorted(sorted_keys, wanted)
    clipped = np.minimum(index, len(sorted_keys) - 1)
    return np.where(sorted_keys[clipped] == wanted, clipped, -1).astype(np.int64)


def indicator_values(
    profile: ProfileConfig,
    places: Places,
    attributes: dict[str, NDArray[np.float64]],
    pressure: dict[str, NDArray[np.float64]],
) -> tuple[list[Leaf], NDArray[np.float64]]:
    """The leaves of the profile and the n x k matrix of indicator values in 0..1."""
    found = leaves(profile)
    values = np.zeros((len(places), len(found)))
    for j, leaf in enumerate(found):
        raw = _raw(leaf.indicator, places, attributes, pressure)
        values[:, j] = _rule(leaf.indicator, raw)
    return found, values


def _raw(
    indicator: IndicatorConfig,
    places: Places,
    attributes: dict[str, NDArray[np.float64]],
    pressure: dict[str, NDArray[np.float64]],
) -> NDArray[np.float64]:
    n = len(places)
    if indicator.source == "attribute":
        return np.nan_to_num(attributes.get(indicator.attribute or "", np.zeros(n)), nan=0.0)
    if indicator.source == "reports":
        total = np.zeros(n)
        for category in indicator.categories:
            total = total + pressure.get(category, np.zeros(n))
        return total
    if indicator.measure == "special_location":
        return places.khusus.astype(np.float64)
    return places.dpt


def _rule(indicator: IndicatorConfig, raw: NDArray[np.float64]) -> NDArray[np.float64]:
    if indicator.rule == "present":
        return (raw > 0).astype(np.float64)
    if indicator.rule == "count":
        return np.minimum(raw / float(indicator.saturation or 1), 1.0)
    low, high = float(indicator.low or 0), float(indicator.high or 1)
    return np.clip((raw - low) / (high - low), 0.0, 1.0)


def score_places(
    profile: ProfileConfig, places: Places, found: list[Leaf], values: NDArray[np.float64]
) -> Scored:
    weights = np.array([leaf.weight for leaf in found])
    contributions = values * weights
    score = contributions.sum(axis=1)
    return Scored(
        level=places.level,
        keys=places.keys,
        area=places.area,
        tps_id=places.tps_id,
        contributions=contributions,
        score=score,
        worst=score.copy(),
        dpt=places.dpt,
        khusus=places.khusus,
        places=np.ones(len(places), dtype=np.int64),
        category=categories(profile, places.level, score),
    )


def categories(profile: ProfileConfig, level: str, score: NDArray[np.float64]) -> list[str]:
    bands = profile.bands_for(level)
    mins = np.array([b.min for b in bands])
    # Scores are compared rounded to the precision they are shown with, so 68.5 is "tinggi" however
    # the sum was rounded.
    index = np.searchsorted(mins, np.round(score, 6), side="right") - 1
    return [bands[max(int(i), 0)].code for i in index.tolist()]


def aggregate(profile: ProfileConfig, scored: Scored, level: str) -> Scored:
    """Scores of the regions at ``level`` containing ``scored``'s places (DPT-weighted mean, worst)."""
    length = CODE_LENGTH[REGION_LEVEL[level]]
    prefixes = np.array([str(a)[:length] for a in scored.area.tolist()], dtype=np.str_)
    codes, group = np.unique(prefixes, return_inverse=True)
    m = len(codes)
    # Places without voters still count (equally) when a whole region has none.
    weight = np.where(scored.dpt > 0, scored.dpt, 0.0)
    totals = np.bincount(group, weights=weight, minlength=m)
    no_dpt = totals == 0
    weight = np.where(no_dpt[group], 1.0, weight)
    totals = np.bincount(group, weights=weight, minlength=m)
    contributions = np.zeros((m, scored.contributions.shape[1]))
    for j in range(scored.contributions.shape[1]):
        contributions[:, j] = (
            np.bincount(group, weights=scored.contributions[:, j] * weight, minlength=m) / totals
        )
    score = contributions.sum(axis=1)
    worst = np.full(m, -math.inf)
    np.maximum.at(worst, group, scored.worst)
    return Scored(
        level=level,
        keys=[str(c) for c in codes.tolist()],
        area=codes,
        tps_id=None,
        contributions=contributions,
        score=score,
        worst=worst,
        dpt=np.bincount(group, weights=scored.dpt, minlength=m).astype(np.float64),
        khusus=np.bincount(group, weights=scored.khusus.astype(np.float64), minlength=m) > 0,
        places=np.bincount(group, weights=scored.places.astype(np.float64), minlength=m).astype(np.int64),
        category=categories(profile, level, score),
    )

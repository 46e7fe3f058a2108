"""The space-time permutation scan: by hand, against a brute force, on planted clusters and under the null."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tigapilar.detection.projection import to_ecef, to_utm
from tigapilar.detection.scan import Cluster, ScanResult, space_time_permutation_scan


def llr(c: float, mu: float, total: float) -> float:
    """Kulldorff's LLR, written out as in the paper (0 unless c > μ)."""
    if c <= mu:
        return 0.0
    rest = (total - c) * math.log((total - c) / (total - mu)) if c < total else 0.0
    return c * math.log(c / mu) + rest


# --- by hand ------------------------------------------------------------------------------------------

# Four villages: 0 and 1 are 1 km apart, 2 is 5 km away, 3 is 100 km away. Three days (0, 1, 2 =
# today). Village 0 has three cases today, village 3 two.
HAND_COORDS = [[0.0, 0.0], [1000.0, 0.0], [5000.0, 0.0], [100_000.0, 0.0]]
HAND_CASES = {0: [2, 2, 2, 0], 1: [0, 1], 2: [0, 1, 1, 0], 3: [2, 2, 0, 0]}


def hand_scan(**options: Any) -> ScanResult:
    locations = [place for place, days in HAND_CASES.items() for _ in days]
    days = [day for place_days in HAND_CASES.values() for day in place_days]
    settings: dict[str, Any] = {"max_radius_m": 1500.0, "max_window_days": 2, "replications": 0}
    settings.update(options)
    return space_time_permutation_scan(HAND_COORDS, locations, days, 3, **settings)


def test_expected_counts_and_llr_by_hand() -> None:
    # N = 14 cases; 5 on day 2 (D1), 8 on days 1-2 (D2). Village 0 has 4 cases in all, village 3 has 4.
    result = hand_scan()
    assert result.n_cases == 14
    first, second = result.clusters
    # Village 0 over today: c = 3, μ = 4 × 5 / 14, LLR = 3 ln(3/μ) + 11 ln(11/(14 - μ)).
    assert (first.centre, first.locations, first.radius_m) == (0, (0,), 0.0)
    assert (first.start_day, first.end_day, first.observed) == (2, 2, 3)
    assert first.expected == pytest.approx(20 / 14)
    assert first.relative_risk == pytest.approx(3 / (20 / 14))
    assert first.llr == pytest.approx(3 * math.log(3 / (20 / 14)) + 11 * math.log(11 / (14 - 20 / 14)))
    assert first.llr == pytest.approx(0.756967, abs=1e-6)
    # The others, by hand: village 0 over two days 0.1237; villages 0+1 over today (c 3, μ 30/14)
    # 0.1840 and over two days (c 4, μ 48/14) 0.0609; village 3 over today (c 2, μ 20/14) 0.1147.
    # Villages 0+1 overlap the first cluster, so the secondary cluster is village 3.
    assert (second.centre, second.locations, second.start_day, second.observed) == (3, (3,), 2, 2)
    assert second.llr == pytest.approx(2 * math.log(2 / (20 / 14)) + 12 * math.log(12 / (14 - 20 / 14)))
    assert math.isnan(first.p_value)  # no replication was run


def test_limits_of_the_circles_and_of_cluster_size() -> None:
    # A wider circle can join villages 0, 1 and 2: still village 0 alone is best. With at most 3
    # cases per circle (share 0.25 of 14) only village 1 fits, whose 1 case in two days is below
    # μ = 2 × 8 / 14: no cluster, even with no minimum count.
    assert hand_scan(max_radius_m=6000.0).most_likely == hand_scan().most_likely
    assert hand_scan(max_share_of_cases=0.25, min_cases=1).clusters == ()
    # At least 4 cases in a cluster: none of the circles qualify with c > μ except villages 0+1
    # over two days (c = 4).
    (only,) = hand_scan(min_cases=4).clusters
    assert (only.locations, only.start_day, only.observed) == ((0, 1), 1, 4)
    # Circles around village 3 only.
    assert [cluster.centre for cluster in hand_scan(centres=[3]).clusters] == [3]


def test_p_value_is_the_rank_among_the_replications() -> None:
    result = hand_scan(replications=49, seed=3)
    assert len(result.null_max_llr) == 49 and result.replications == 49
    for cluster in result.clusters:
        rank = 1 + sum(value >= cluster.llr for value in result.null_max_llr)
        assert cluster.p_value == rank / 50


# --- against a brute force ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cylinder:
    members: frozenset[int]
    length: int
    observed: int
    expected: float
    llr: float


def brute_cylinders(
    coords: npt.NDArray[np.float64],
    locations: npt.NDArray[np.int64],
    days: npt.NDArray[np.int64],
    n_days: int,
    radius: float,
    window: int,
    share: float,
    min_cases: int,
) -> list[Cylinder]:
    """Every cylinder with LLR > 0, straight from the definitions (circles on every location)."""
    total = len(locations)
    cylinders = []
    for centre in coords:
        distance = np.sqrt(((coords - centre) ** 2).sum(axis=1))
        for r in sorted(set(distance[distance <= radius])):
            members = frozenset(np.flatnonzero(distance <= r).tolist()) & frozenset(locations.tolist())
            inside = np.isin(locations, list(members))
            if not members or inside.sum() > share * total:
                continue
            for length in range(1, window + 1):
                recent = days >= n_days - length
                c = int((inside & recent).sum())
                mu = inside.sum() * recent.sum() / total
                value = llr(c, mu, total)
                if c >= min_cases and value > 0:
                    cylinders.append(Cylinder(members, length, c, mu, value))
    return cylinders


def brute_clusters(cylinders: list[Cylinder], limit: int) -> list[float]:
    """LLRs of the best cylinder, then of the best sharing no location with those before."""
    chosen: list[Cylinder] = []
    for cylinder in sorted(cylinders, key=lambda c: -c.llr):
        if len(chosen) < limit and all(not (cylinder.members & other.members) for other in chosen):
            chosen.append(cylinder)
    return [c.llr for c in chosen]


def test_agrees_with_a_brute_force_on_random_small_data() -> None:
    rng = np.random.default_rng(20241127)
    for trial in range(60):
        n_locations = int(rng.integers(2, 16))
        n_days = int(rng.integers(1, 9))
        n_cases = int(rng.integers(1, 45))
        coords = rng.uniform(0, 10, (n_locations, 2))
        if trial % 3 == 0:
            coords = np.round(coords)  # equidistant and co-located villages
        locations = rng.integers(0, n_locations, n_cases)
        days = rng.integers(0, n_days, n_cases)
        if trial % 4 == 0:
            days = np.where(rng.random(n_cases) < 0.4, n_days - 1, days)  # a burst today
        radius = float(rng.uniform(0, 12))
        window = int(rng.integers(1, n_days + 1))
        share = float(rng.uniform(0.2, 1))
        min_cases = int(rng.integers(1, 4))
        args = (coords, locations, days, n_days, radius, window, share, min_cases)
        result = space_time_permutation_scan(
            coords,
            locations,
            days,
            n_days,
            max_radius_m=radius,
            max_window_days=window,
            max_share_of_cases=share,
            min_cases=min_cases,
            replications=0,
            max_clusters=4,
        )
        expected = brute_clusters(brute_cylinders(*args), 4)
        assert [c.llr for c in result.clusters] == pytest.approx(expected, rel=1e-9), trial
        for cluster in result.clusters:
            check_cluster(cluster, coords, locations, days, n_days)
        found = [set(cluster.locations) for cluster in result.clusters]
        assert all(not (a & b) for i, a in enumerate(found) for b in found[i + 1 :])


def test_each_replication_is_the_full_scan_of_its_shuffled_days() -> None:
    """Replication r scans the days shuffled by the r-th permutation drawn from the seed.

    Replications only look for their maximum and skip cylinders that cannot beat a level already
    reached; the maximum must still be exactly that of a full scan of the same shuffled days.
    """
    rng = np.random.default_rng(8)
    coords = rng.uniform(0, 20_000, (40, 2))
    locations = rng.integers(0, 40, 250)
    days = rng.integers(0, 15, 250)
    settings: dict[str, Any] = {"max_radius_m": 5000.0, "max_window_days": 4}
    result = space_time_permutation_scan(coords, locations, days, 15, replications=150, seed=9, **settings)
    generator = np.random.default_rng(9)
    for value in result.null_max_llr:
        shuffled = 14 - generator.permutation(14 - days)
        full = space_time_permutation_scan(coords, locations, shuffled, 15, replications=0, **settings)
        assert value == pytest.approx(full.most_likely.llr if full.most_likely else 0.0, rel=1e-12)


def check_cluster(
    cluster: Cluster,
    coords: npt.NDArray[np.float64],
    locations: npt.NDArray[np.int64],
    days: npt.NDArray[np.int64],
    n_days: int,
) -> None:
    """The cluster's numbers follow from its members and window."""
    distance = np.sqrt(((coords - coords[cluster.centre]) ** 2).sum(axis=1))
    with_cases = set(locations.tolist())
    assert set(cluster.locations) == {i for i in with_cases if distance[i] <= cluster.radius_m}
    assert cluster.radius_m == pytest.approx(max(distance[list(cluster.locations)]))
    inside = np.isin(locations, cluster.locations)
    recent = days >= cluster.start_day
    assert cluster.end_day == n_days - 1
    assert cluster.observed == int((inside & recent).sum())
    assert cluster.expected == pytest.approx(inside.sum() * recent.sum() / len(locations))
    assert cluster.llr == pytest.approx(llr(cluster.observed, cluster.expected, len(locations)), rel=1e-9)


# --- planted clusters and the null ----------------------------------------------------------------------


def kaltim_like_villages(rng: np.random.Generator, count: int = 1038) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes of ``count`` villages in ten clumps over Kaltim's extent."""
    towns_lat = rng.uniform(-2.3, 2.3, 10)
    towns_lng = rng.uniform(114.2, 118.8, 10)
    town = rng.integers(0, 10, count)
    lat = towns_lat[town] + rng.normal(0, 0.25, count)
    lng = towns_lng[town] + rng.normal(0, 0.25, count)
    return lat, lng


def test_a_planted_burst_is_found_at_its_place_and_time() -> None:
    rng = np.random.default_rng(7)
    lat, lng = kaltim_like_villages(rng)
    easting, northing = to_utm(lat, lng, 50, True)
    coords = np.column_stack([easting, northing])
    n_days = 60
    background = 2000
    locations = rng.integers(0, len(lat), background)
    days = rng.integers(0, n_days, background)
    # A burst: 14 extra reports over the last 3 days in a village and its 3 nearest neighbours.
    centre = 500
    nearest = np.argsort(np.hypot(*(coords - coords[centre]).T))[:4]
    burst_locations = rng.choice(nearest, 14)
    burst_days = rng.integers(n_days - 3, n_days, 14)
    all_locations = np.concatenate([locations, burst_locations])
    all_days = np.concatenate([days, burst_days])
    settings: dict[str, Any] = {"max_radius_m": 20_000.0, "max_window_days": 7, "replications": 99}

    result = space_time_permutation_scan(coords, all_locations, all_days, n_days, seed=1, **settings)
    cluster = result.most_likely
    assert cluster is not None
    assert cluster.p_value == 0.01  # more extreme than all 99 replications
    assert len(set(cluster.locations) & set(nearest.tolist())) >= 3
    assert len(cluster.locations) <= 10
    assert (cluster.start_day, cluster.end_day) == (n_days - 3, n_days - 1)
    assert cluster.relative_risk > 3

    # The same villages in Earth-centred coordinates (as for a national run) give the same cluster.
    in_3d = space_time_permutation_scan(
        to_ecef(lat, lng), all_locations, all_days, n_days, seed=1, **settings
    )
    assert in_3d.most_likely is not None
    assert set(in_3d.most_likely.locations) == set(cluster.locations)
    assert in_3d.most_likely.llr == pytest.approx(cluster.llr)

    # Without the burst nothing stands out.
    quiet = space_time_permutation_scan(coords, locations, days, n_days, seed=1, **settings)
    assert quiet.most_likely is None or quiet.most_likely.p_value > 0.05


def test_false_alarms_under_the_null_stay_near_the_nominal_rate() -> None:
    """200 scans of data with no cluster (location and day independent), 99 replications each.

    Under the null the observed best LLR is exchangeable with the replicas' maxima, so it ranks in
    the top 5 of 100 with probability 0.05: rejections ~ Binomial(200, 0.05), mean 10. Outside
    3 .. 20 the chance is 0.35 % (P(X ≤ 2) = 0.0023, P(X ≥ 21) = 0.0012); more would mean an
    anti-conservative test, fewer one that cannot see anything.
    """
    rng = np.random.default_rng(5)
    coords = rng.uniform(0, 50_000, (120, 2))
    rejections = 0
    for run in range(200):
        locations = rng.integers(0, 120, 300)
        days = rng.integers(0, 20, 300)
        result = space_time_permutation_scan(
            coords,
            locations,
            days,
            20,
            max_radius_m=8000.0,
            max_window_days=3,
            replications=99,
            seed=run,
            max_clusters=1,
        )
        cluster = result.most_likely
        rejections += cluster is not None and cluster.p_value <= 0.05
    assert 3 <= rejections <= 20


# --- reproducibility and input checks -------------------------------------------------------------------


def test_same_seed_same_result() -> None:
    rng = np.random.default_rng(11)
    coords = rng.uniform(0, 30_000, (80, 2))
    locations = rng.integers(0, 80, 400)
    days = rng.integers(0, 30, 400)
    settings: dict[str, Any] = {"max_radius_m": 6000.0, "max_window_days": 5, "replications": 39}
    first = space_time_permutation_scan(coords, locations, days, 30, seed=42, **settings)
    again = space_time_permutation_scan(coords, locations, days, 30, seed=42, **settings)
    from_generator = space_time_permutation_scan(
        coords, locations, days, 30, seed=np.random.default_rng(42), **settings
    )
    other = space_time_permutation_scan(coords, locations, days, 30, seed=43, **settings)
    assert first == again == from_generator
    assert first.null_max_llr != other.null_max_llr
    assert first.clusters[0].llr == other.clusters[0].llr  # the data's own scan does not depend on it


def test_no_cases_no_cluster() -> None:
    result = space_time_permutation_scan(
        [[0.0, 0.0]], np.array([], dtype=np.int64), np.array([], dtype=np.int64), 5,
        max_radius_m=1.0, max_window_days=2,
    )  # fmt: skip
    assert result == ScanResult(clusters=(), n_cases=0, n_days=5, replications=0, null_max_llr=())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"coords": [[0.0], [1.0]]}, "coords must be of shape"),
        ({"coords": [[0.0, math.inf], [1.0, 0.0]]}, "finite"),
        ({"case_location": [0, 2]}, "case_location must be indices"),
        ({"case_location": [0.0, 1.0]}, "must hold integers"),
        ({"case_location": [0]}, "differ in length"),
        ({"case_day": [0, 3]}, "case_day must be in 0 .. 2"),
        ({"case_day": [[0, 1]]}, "one-dimensional"),
        ({"n_days": 0}, "n_days must be at least 1"),
        ({"max_radius_m": -1.0}, "max_radius_m"),
        ({"max_radius_m": math.nan}, "max_radius_m"),
        ({"max_window_days": 0}, "max_window_days"),
        ({"max_window_days": 4}, "max_window_days"),
        ({"max_share_of_cases": 0.0}, "max_share_of_cases"),
        ({"max_share_of_cases": 1.5}, "max_share_of_cases"),
        ({"min_cases": 0}, "min_cases"),
        ({"replications": -1}, "replications"),
        ({"max_clusters": 0}, "max_clusters"),
        ({"centres": [5]}, "centres must be indices"),
    ],
)
def test_bad_parameters_are_refused(change: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "coords": [[0.0, 0.0], [1.0, 0.0]],
        "case_location": [0, 1],
        "case_day": [0, 2],
        "n_days": 3,
        "max_radius_m": 10.0,
        "max_window_days": 2,
    }
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        space_time_permutation_scan(**arguments)

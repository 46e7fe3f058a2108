"""Gi*: the same numbers as esda's G_Local(star=True), and p-values that behave as p-values should.

esda (PySAL) is a test-only dependency (requirements/dev.txt), used as the reference implementation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from esda.crand import vec_permutations
from esda.getisord import G_Local
from libpysal.weights import W

from tigapilar.detection.gistar import gi_star
from tigapilar.detection.neighbours import distance_band_weights, knn_weights

PERMUTATIONS = 199


def _villages(n: int, seed: int) -> np.ndarray:
    """Positions in metres: villages clustered around a few towns over 80 × 80 km."""
    rng = np.random.default_rng(seed)
    towns = rng.uniform(0, 80_000, (8, 2))
    return towns[rng.integers(0, 8, n)] + rng.normal(0, 4_000, (n, 2))


def _index(xy: np.ndarray, seed: int) -> np.ndarray:
    """A vulnerability-index-like value: 0 to 100, skewed, higher towards one corner, a quarter zero."""
    rng = np.random.default_rng(seed)
    trend = 30 * np.exp(-np.hypot(*(xy - 60_000).T) / 30_000)
    value = np.clip(trend + rng.gamma(2.0, 6.0, len(xy)), 0, 100)
    value[rng.random(len(xy)) < 0.25] = 0.0
    return value


def _libpysal(weights: object) -> W:
    """The same graph as a libpysal W, islands included (``W.from_sparse`` would drop them)."""
    indptr, indices = weights.indptr, weights.indices  # type: ignore[attr-defined]
    n = len(indptr) - 1
    neighbours = {i: indices[indptr[i] : indptr[i + 1]].tolist() for i in range(n)}
    return W(neighbours, id_order=list(range(n)), silence_warnings=True)


def _esda(values: np.ndarray, weights: object, transform: str, seed: int) -> G_Local:
    with warnings.catch_warnings():
        # esda warns that its p-value default will change and that R-weights get a self weight of 1.
        warnings.simplefilter("ignore")
        return G_Local(
            values,
            _libpysal(weights),
            transform=transform,
            star=True,
            permutations=PERMUTATIONS,
            seed=seed,
            n_jobs=1,
        )


def _esda_draws(weights: object, n: int, seed: int) -> np.ndarray:
    state = np.random.get_state()  # esda seeds numpy's global generator
    try:
        widest = int(np.diff(weights.indptr).max())  # type: ignore[attr-defined]
        return np.asarray(vec_permutations(widest, n, PERMUTATIONS, seed))
    finally:
        np.random.set_state(state)


def _brute_force_counts(values: np.ndarray, weights: object, draws: np.ndarray) -> tuple[np.ndarray, ...]:
    """Permutations at least / at most as high as observed, village by village, from the definition."""
    indptr, indices = weights.indptr, weights.indices  # type: ignore[attr-defined]
    tolerance = 1e-9 * values.max()
    at_least, at_most = np.zeros(len(values)), np.zeros(len(values))
    for i in range(len(values)):
        neighbours = indices[indptr[i] : indptr[i + 1]]
        others = np.delete(values, i)  # draw d is the d-th village other than i
        random_sums = others[draws[:, : len(neighbours)]].sum(axis=1)
        observed = values[neighbours].sum()
        at_least[i] = (random_sums >= observed - tolerance).sum()
        at_most[i] = (random_sums <= observed + tolerance).sum()
    return at_least, at_most


def _same_as_esda(values: np.ndarray, weights: object, transform: str, batch: int, seed: int = 11) -> float:
    """Check ours against esda and the brute force; the share of villages without ties."""
    n = len(values)
    reference = _esda(values, weights, transform, seed)
    draws = _esda_draws(weights, n, seed)
    ours = gi_star(values, weights, transform=transform, draws=draws, batch=batch)  # type: ignore[arg-type]
    islands = ours.neighbours == 0
    # Under "R" esda gives an island the row's largest weight, 0, as its self weight; we keep 1.
    same = ~islands if transform == "R" else np.ones(n, dtype=bool)
    np.testing.assert_allclose(ours.gi[same], reference.Gs[same], rtol=1e-9, atol=0)
    np.testing.assert_allclose(ours.z[same], reference.Zs[same], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.p_norm[same], reference.p_norm[same], rtol=1e-9, atol=1e-12)

    at_least, at_most = _brute_force_counts(values, weights, draws)
    expected = np.where(islands, 1.0, (np.minimum(at_least, at_most) + 1) / (PERMUTATIONS + 1))
    np.testing.assert_array_equal(ours.p_sim, expected)
    # Without ties that is esda's p_sim, draw for draw (esda keeps it in float32, hence the rounding).
    untied = (at_least + at_most == PERMUTATIONS) & ~islands
    esda_p = np.asarray(reference.p_sim, dtype=np.float64)
    np.testing.assert_array_equal(
        np.rint(ours.p_sim[untied] * (PERMUTATIONS + 1)), np.rint(esda_p[untied] * (PERMUTATIONS + 1))
    )
    assert (ours.p_sim[islands] == 1.0).all()  # esda reports 1/(P + 1) for a village without neighbours
    return float(untied.mean())


@pytest.mark.parametrize("transform", ["B", "R"])
@pytest.mark.parametrize("batch", [16, 4096])
def test_knn_matches_esda(transform: str, batch: int) -> None:
    xy = _villages(400, seed=1)
    assert _same_as_esda(_index(xy, seed=2), knn_weights(xy, 8), transform, batch) > 0.9


@pytest.mark.parametrize("transform", ["B", "R"])
def test_distance_band_with_islands_matches_esda(transform: str) -> None:
    xy = _villages(350, seed=3)
    weights = distance_band_weights(xy, 2_000.0)
    neighbours = np.diff(weights.indptr)
    assert neighbours.min() == 0 and neighbours.max() >= 8  # islands and crowded villages both
    assert _same_as_esda(_index(xy, seed=4), weights, transform, batch=32) > 0.5


def test_symmetric_knn_matches_esda() -> None:
    xy = _villages(300, seed=5)
    assert _same_as_esda(_index(xy, seed=6), knn_weights(xy, 6, symmetric=True), "B", batch=20) > 0.9


def test_ties_and_a_nearly_constant_index_match_esda() -> None:
    xy = _villages(300, seed=7)
    rng = np.random.default_rng(8)
    counts = rng.poisson(0.4, 300).astype(float)  # mostly 0: many neighbour sums tie
    _same_as_esda(counts, knn_weights(xy, 5), "B", batch=25)
    nearly_constant = np.full(300, 50.0)
    nearly_constant[rng.choice(300, 6, replace=False)] = [49.0, 51.0, 51.0, 52.0, 50.5, 49.5]
    _same_as_esda(nearly_constant, knn_weights(xy, 5), "B", batch=25)


def test_a_neighbourhood_of_zeros_is_not_a_coldspot_when_zeros_are_common() -> None:
    # 90 % of villages score 0: five zero neighbours are what chance gives most of the time.
    xy = _villages(300, seed=15)
    rng = np.random.default_rng(16)
    values = np.where(rng.random(300) < 0.9, 0.0, rng.integers(1, 20, 300).astype(float))
    weights = knn_weights(xy, 5)
    draws = _esda_draws(weights, 300, seed=3)
    ours = gi_star(values, weights, draws=draws)
    reference = _esda(values, weights, "B", seed=3)
    neighbour_sum = weights @ values
    zeros = (neighbour_sum == 0) & (values == 0)
    assert zeros.sum() > 50
    assert (ours.p_sim[zeros] > 0.3).all()  # about 0.9⁵ of the permutations are all zero too
    assert (np.asarray(reference.p_sim)[zeros] < 0.01).all()  # esda counts those ties as higher only


def test_a_constant_index_has_no_hotspots() -> None:
    xy = _villages(100, seed=9)
    result = gi_star(np.full(100, 7.0), knn_weights(xy, 4), permutations=99)
    assert (result.z == 0).all()  # esda gives nan (0/0) here
    assert (result.p_sim == 1).all()
    assert (result.p_norm == 0.5).all()


def test_p_sim_range_and_reproducibility() -> None:
    xy = _villages(300, seed=10)
    values, weights = _index(xy, seed=11), knn_weights(xy, 8)
    first = gi_star(values, weights, permutations=99, seed=42)
    again = gi_star(values, weights, permutations=99, seed=42)
    other = gi_star(values, weights, permutations=99, seed=43)
    assert first.p_sim.min() >= 1 / 100 and first.p_sim.max() <= 1
    assert (first.p_sim == again.p_sim).all()
    assert not (first.p_sim == other.p_sim).all()
    assert first.permutations == 99
    np.testing.assert_array_equal(first.z, other.z)  # only the permutations depend on the seed


def test_a_planted_hotspot_is_found() -> None:
    rng = np.random.default_rng(12)
    xy = rng.uniform(0, 50_000, (600, 2))
    values = rng.gamma(2.0, 5.0, 600)
    centre = np.array([25_000.0, 25_000.0])
    inside = np.hypot(*(xy - centre).T) < 5_000
    assert 15 < inside.sum() < 60
    values[inside] += 40.0
    result = gi_star(values, knn_weights(xy, 8), permutations=999, seed=1)
    core = np.hypot(*(xy - centre).T) < 3_000  # whose neighbours are all inside the hotspot
    assert (result.p_sim[core] <= 0.002).all()
    assert result.hot(0.01)[core].all()
    assert result.hot(0.01)[~inside].mean() < 0.05  # and little is hot away from it
    assert not result.cold(0.01)[inside].any()


def test_no_spatial_structure_gives_roughly_uniform_p_values() -> None:
    rng = np.random.default_rng(13)
    xy = rng.uniform(0, 100_000, (3000, 2))
    values = rng.gamma(2.0, 5.0, 3000)
    result = gi_star(values, knn_weights(xy, 8), permutations=999, seed=2)
    # p_sim is one-sided in the observed tail, so under the null 2·p_sim is about uniform on (0, 1].
    folded = np.minimum(2 * result.p_sim, 1.0)
    deciles = np.histogram(folded, bins=10, range=(0, 1))[0] / len(folded)
    assert np.abs(deciles - 0.1).max() < 0.04
    assert abs((result.p_sim < 0.05).mean() - 0.10) < 0.03
    assert 0.03 < (result.hot(0.05)).mean() < 0.07


def test_bad_input_is_refused() -> None:
    xy = _villages(20, seed=14)
    weights = knn_weights(xy, 3)
    with pytest.raises(ValueError, match="non-negative"):
        gi_star(np.linspace(-1, 1, 20), weights)
    with pytest.raises(ValueError, match=r"21 values|20×20"):
        gi_star(np.ones(21), weights)
    with pytest.raises(ValueError, match="binary"):
        gi_star(np.arange(20.0), weights * 0.5)
    with pytest.raises(ValueError, match="without repeats"):
        gi_star(np.arange(20.0), weights, draws=np.zeros((5, 3), dtype=int))

"""Neighbour graphs: exactly k nearest, or everything within the band, checked against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from tigapilar.detection.neighbours import distance_band_weights, knn_weights
from tigapilar.detection.projection import to_ecef


def _villages(n: int, seed: int = 5) -> np.ndarray:
    """Clustered positions in metres, like villages around a few towns."""
    rng = np.random.default_rng(seed)
    towns = rng.uniform(0, 60_000, (6, 2))
    return towns[rng.integers(0, 6, n)] + rng.normal(0, 3_000, (n, 2))


def _distances(xy: np.ndarray) -> np.ndarray:
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))


def test_knn_has_exactly_k_nearest_others_per_row() -> None:
    xy = _villages(250)
    weights = knn_weights(xy, 6)
    dense = weights.toarray()
    assert dense.shape == (250, 250)
    assert set(np.unique(dense)) == {0.0, 1.0}
    assert (dense.sum(axis=1) == 6).all()
    assert (np.diag(dense) == 0).all()
    distances = _distances(xy)
    np.fill_diagonal(distances, np.inf)
    for i in range(250):
        chosen = np.flatnonzero(dense[i])
        # every neighbour is at least as close as every village left out
        assert distances[i, chosen].max() <= np.delete(distances[i], chosen).min()


def test_symmetric_knn_is_the_union_with_at_least_k_per_row() -> None:
    xy = _villages(200)
    directed = knn_weights(xy, 4).toarray()
    union = knn_weights(xy, 4, symmetric=True).toarray()
    assert (union == union.T).all()
    assert (union == np.maximum(directed, directed.T)).all()
    assert (union.sum(axis=1) >= 4).all()
    assert (union.sum(axis=1) > 4).any()


def test_knn_with_villages_at_the_same_position() -> None:
    # Five villages share one centroid (a common fallback when only the kecamatan is known).
    xy = np.vstack((np.zeros((5, 2)), _villages(40)))
    dense = knn_weights(xy, 3).toarray()
    assert (dense.sum(axis=1) == 3).all()
    assert (np.diag(dense) == 0).all()
    assert (dense[:5, :5].sum(axis=1) == 3).all()  # their nearest are each other, at distance 0


def test_distance_band_matches_brute_force() -> None:
    xy = _villages(300)
    threshold = 2_500.0
    expected = (_distances(xy) <= threshold).astype(float)
    np.fill_diagonal(expected, 0.0)
    weights = distance_band_weights(xy, threshold)
    assert (weights.toarray() == expected).all()
    assert (expected.sum(axis=1) == 0).any()  # the case includes islands


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="k must be"):
        knn_weights(_villages(5), 5)
    with pytest.raises(ValueError, match="n×2 or n×3"):
        knn_weights(np.zeros((5, 4)), 2)
    with pytest.raises(ValueError, match="finite"):
        distance_band_weights(np.array([[0.0, 0.0], [np.nan, 1.0]]), 10.0)
    with pytest.raises(ValueError, match="positive"):
        distance_band_weights(_villages(5), 0.0)


def test_knn_on_earth_centred_positions_matches_brute_force() -> None:
    # National runs use Earth-centred x, y, z (chord distances): villages from Aceh to Papua.
    rng = np.random.default_rng(6)
    lat, lng = rng.uniform(-10, 5, 300), rng.uniform(95, 141, 300)
    xyz = to_ecef(lat, lng)
    dense = knn_weights(xyz, 5).toarray()
    distances = _distances(xyz)
    np.fill_diagonal(distances, np.inf)
    assert (dense.sum(axis=1) == 5).all()
    assert (dense == (distances <= np.sort(distances, axis=1)[:, 4:5])).all()

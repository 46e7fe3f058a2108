"""Neighbour graphs over village centroids: who counts as "around" a village for a local statistic.

Positions are in metres: n×2 projected (``projection.to_utm``, for a province) or n×3 Earth-centred
(``projection.to_ecef``, for the whole country, where distances are chords: within a metre of the
geodesic at 100 km). The graphs are binary sparse matrices (1 where column j is a neighbour of row i),
without self-loops: Gi* adds each village to its own neighbourhood itself. Both are built with a k-d
tree, so 83,762 villages take well under a second.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse  # type: ignore[import-untyped, unused-ignore]
from scipy.spatial import cKDTree  # type: ignore[import-untyped, unused-ignore]


def knn_weights(xy: ArrayLike, k: int, *, symmetric: bool = False) -> sparse.csr_array:
    """Each village's ``k`` nearest other villages, as a binary n×n CSR matrix.

    Not symmetric by default: every row then has exactly ``k`` neighbours, so every village's Gi* sums
    the same number of values and their z-scores are comparable (esda and ArcGIS do the same). With
    ``symmetric=True`` j is i's neighbour when either is among the other's ``k`` nearest (the union), so
    rows have ``k`` or more. Villages at the same position count as neighbours at distance 0; ties at
    the k-th distance are broken by the tree, arbitrarily but deterministically.
    """
    points = _points(xy)
    n = len(points)
    if not 1 <= k < n:
        raise ValueError(f"k must be between 1 and {n - 1} for {n} points, not {k}")
    _, found = cKDTree(points).query(points, k=k + 1)
    found = np.asarray(found, dtype=np.int64)
    keep = found != np.arange(n)[:, None]
    # A village that shares its position with k or more others may not find itself: drop its farthest.
    keep[keep.all(axis=1), k] = False
    columns = found[keep].reshape(n, k)
    weights = _binary(np.repeat(np.arange(n), k), columns.ravel(), n)
    if symmetric:
        weights = _binary_union(weights, weights.T)
    return weights


def distance_band_weights(xy: ArrayLike, threshold_m: float) -> sparse.csr_array:
    """Villages within ``threshold_m`` metres of each other (distance ≤ threshold), as a binary n×n CSR.

    Symmetric by construction. A village with no other within the band has an empty row (an island):
    Gi* then judges it on its own value alone and gives it no permutation p-value.
    """
    points = _points(xy)
    if not threshold_m > 0:
        raise ValueError(f"the distance band must be positive, not {threshold_m}")
    pairs = np.asarray(cKDTree(points).query_pairs(r=threshold_m, output_type="ndarray"), dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    rows = np.concatenate((pairs[:, 0], pairs[:, 1]))
    columns = np.concatenate((pairs[:, 1], pairs[:, 0]))
    return _binary(rows, columns, len(points))


def _points(xy: ArrayLike) -> NDArray[np.float64]:
    points = np.asarray(xy, dtype=np.float64)
    # n×2 (a projection in metres) or n×3 (Earth-centred, see projection.to_ecef, for national runs).
    if points.ndim != 2 or points.shape[1] not in (2, 3):
        raise ValueError(f"positions must be an n×2 or n×3 array of metres, not shape {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("positions must be finite (a village without a centroid has no neighbours)")
    return points


def _binary(rows: NDArray[np.int64], columns: NDArray[np.int64], n: int) -> sparse.csr_array:
    data = np.ones(len(rows), dtype=np.float64)
    weights = sparse.csr_array((data, (rows, columns)), shape=(n, n))
    weights.sum_duplicates()
    weights.data[:] = 1.0
    weights.sort_indices()
    return weights


def _binary_union(a: sparse.csr_array, b: sparse.csr_array) -> sparse.csr_array:
    union = sparse.csr_array(a + b)
    union.data[:] = 1.0
    union.sort_indices()
    return union

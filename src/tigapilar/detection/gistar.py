"""Getis-Ord Gi*: villages whose neighbourhood (the village included) holds more of the total than chance.

For a value y per village (the vulnerability index) and a binary neighbour graph (``neighbours.py``),
Gi*_i is the share of the national total that lies in i's neighbourhood, self included::

    G_i = Σ_j w*_ij y_j / Σ_j y_j          w*_ii = 1, w*_ij = 1 for neighbours, else 0

The analytic z-score is Getis & Ord's (1995) for binary weights, with W_i = Σ_j w*_ij, ȳ the mean and
s² the (population) variance of y::

    z_i = (G_i − W_i / n) / sqrt(W_i (n − W_i) / (n − 1) / n² · s² / ȳ²)

and ``p_sim`` comes from conditional permutations: i keeps its own value and its c_i neighbours are
replaced by c_i values drawn without replacement from the other n − 1 villages. The numbers are
esda's ``G_Local(y, w, star=True, transform=...)`` (PySAL, esda 2.9), computed for all villages at
once; tests check them against esda to 1e-9, and ``p_sim`` draw for draw where no permutation ties
(ties, islands and a constant index are the deliberate differences, see :func:`gi_star`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse  # type: ignore[import-untyped, unused-ignore]
from scipy.special import ndtr  # type: ignore[import-untyped, unused-ignore]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

PERMUTATIONS = 999
DEFAULT_SEED = 0  # fixed, so that the same index gives the same hotspots on every run
BATCH_SITES = 256  # villages per batch: small batches leave most permutations constant within one


@dataclass(frozen=True, eq=False)
class GiStar:
    """Gi* of every village, in the order of the input values."""

    gi: FloatArray  # G_i*: share of the total in i's neighbourhood, self included
    z: FloatArray  # standardised Gi* (0 when all values are equal)
    p_norm: FloatArray  # one-sided normal p-value of |z| (esda's p_norm)
    p_sim: FloatArray  # pseudo p-value from the permutations, one-sided (see gi_star)
    neighbours: IntArray  # c_i: neighbours of i other than itself (0: an island, p_sim = 1)
    permutations: int
    transform: str

    def hot(self, alpha: float = 0.05) -> BoolArray:
        """Hotspots: significantly high neighbourhoods."""
        return (self.p_sim < alpha) & (self.z > 0)

    def cold(self, alpha: float = 0.05) -> BoolArray:
        """Coldspots: significantly low neighbourhoods."""
        return (self.p_sim < alpha) & (self.z < 0)


def gi_star(
    values: ArrayLike,
    weights: sparse.sparray | sparse.spmatrix,
    *,
    permutations: int = PERMUTATIONS,
    seed: int | np.random.Generator = DEFAULT_SEED,
    transform: Literal["B", "R"] = "B",
    draws: ArrayLike | None = None,
    batch: int = BATCH_SITES,
) -> GiStar:
    """Gi* with analytic and permutation inference for ``values`` (n, non-negative) on ``weights`` (n×n).

    ``weights`` is a binary neighbour graph (any diagonal is ignored: each village always counts itself
    once). ``transform`` is esda's: ``"B"`` (the default) keeps the weights binary, which is the
    Getis-Ord z; ``"R"`` row-standardises them (self weight 1/(c_i + 1)) and then, like esda, takes
    W_i = 1 in the variance, which is not the Getis-Ord variance: use it only to compare with esda's
    default (an island keeps self weight 1 here, esda gives it 0 under "R"). ``gi``, ``z`` and
    ``p_norm`` depend on the transform, ``p_sim`` does not.

    ``p_sim`` is esda's "directed" pseudo p-value: with L≥ and L≤ the numbers of permutations whose
    neighbour sum is ≥ and ≤ the observed one, it is (min(L≥, L≤) + 1) / (P + 1): one-sided in the
    tail the observation lies in (almost always the sign of z; double it for a two-sided test),
    between 1/(P + 1) and 1. Without ties this is esda's (min(L≥, P − L≥) + 1) / (P + 1); esda counts
    a tie in the upper tail only, so on an index with many zeros it calls a neighbourhood of zeros a
    significant coldspot (p = 1/(P + 1)) however common such neighbourhoods are. Like esda, all
    villages share one set of draws (a P × max c_i array of indexes into "the other n − 1 villages",
    village i using its first c_i columns), so each village's test is exact but the tests are not
    independent of each other. ``seed`` makes the draws reproducible; ``draws`` gives them instead
    (esda's ``crand.vec_permutations(max c_i, n, P, seed)`` produces the ones esda uses).
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    n = len(y)
    if n < 3:
        raise ValueError(f"Gi* needs at least 3 values, not {n}")
    if not np.isfinite(y).all():
        raise ValueError("values must be finite (fill or drop villages without a value)")
    if (y < 0).any() or y.sum() <= 0:
        raise ValueError("Gi* is defined for non-negative values with a positive total")
    if transform not in ("B", "R"):
        raise ValueError(f"transform must be 'B' (binary) or 'R' (row-standardised), not {transform!r}")
    adjacency = _adjacency(weights, n)
    counts = np.diff(adjacency.indptr).astype(np.int64)
    neighbour_sum = np.asarray(adjacency @ y, dtype=np.float64)

    total = float(y.sum())
    lag = neighbour_sum + y
    if transform == "B":
        gi = lag / total
        weight_sum = counts + 1.0
    else:
        gi = lag / (counts + 1.0) / total
        weight_sum = np.ones(n)
    mean = total / n
    variance = float(np.mean((y - mean) ** 2))  # two-pass: esda's E[y²] − E[y]² loses digits
    expected = weight_sum / n
    spread = np.sqrt(weight_sum * (n - weight_sum) / (n - 1) / n**2 * variance / mean**2)
    # Equal values everywhere: every Gi* is exactly its expectation (esda gives 0/0 = nan here).
    z = (gi - expected) / spread if variance > 0 else np.zeros(n)
    p_norm = np.asarray(ndtr(-np.abs(z)), dtype=np.float64)

    if draws is None:
        chosen = _draws(n, int(counts.max()), permutations, np.random.default_rng(seed))
    else:
        chosen = _checked_draws(draws, n, int(counts.max()))
    count = len(chosen)
    if variance > 0 and count:
        at_least, at_most = _tail_counts(y, counts, neighbour_sum, chosen, batch)
        p_sim = (np.minimum(at_least, at_most) + 1.0) / (count + 1.0)
    else:
        p_sim = np.ones(n)
    # An island has no neighbours to shuffle: nothing to test (esda would report 1/(P + 1)).
    p_sim[counts == 0] = 1.0
    return GiStar(gi, z, p_norm, p_sim, counts, count, transform)


def _adjacency(weights: sparse.sparray | sparse.spmatrix, n: int) -> sparse.csr_array:
    """The neighbour graph without its diagonal, checked to be binary and n×n."""
    graph = sparse.csr_array(weights, dtype=np.float64, copy=True)  # the caller's graph stays as it was
    if graph.shape != (n, n):
        raise ValueError(f"weights are {graph.shape[0]}×{graph.shape[1]} for {n} values")
    graph.sum_duplicates()
    graph.eliminate_zeros()
    if not (graph.data == 1.0).all():
        raise ValueError("weights must be binary (1 for a neighbour): build them with neighbours.py")
    coo = graph.tocoo()
    off_diagonal = coo.row != coo.col
    if off_diagonal.all():
        graph.sort_indices()
        return graph
    return sparse.csr_array(
        (coo.data[off_diagonal], (coo.row[off_diagonal], coo.col[off_diagonal])), shape=(n, n)
    )


def _draws(n: int, width: int, permutations: int, rng: np.random.Generator) -> IntArray:
    """``permutations`` rows of ``width`` distinct indexes into the other n − 1 villages."""
    if permutations < 0:
        raise ValueError(f"permutations must be 0 or more, not {permutations}")
    chosen = np.empty((permutations, width), dtype=np.int64)
    for row in range(permutations):
        chosen[row] = rng.choice(n - 1, size=width, replace=False)
    return chosen


def _checked_draws(draws: ArrayLike, n: int, width: int) -> IntArray:
    chosen = np.asarray(draws, dtype=np.int64)
    if chosen.ndim != 2 or chosen.shape[1] < width:
        raise ValueError(f"draws must be a permutations × (at least {width}) array, not {chosen.shape}")
    chosen = chosen[:, :width]
    if chosen.size and (chosen.min() < 0 or chosen.max() > n - 2):
        raise ValueError(f"draws index the other {n - 1} villages: 0 to {n - 2}")
    if width > 1 and (np.diff(np.sort(chosen, axis=1), axis=1) == 0).any():
        raise ValueError("each row of draws must be without repeats")
    return chosen


def _tail_counts(
    y: FloatArray, counts: IntArray, neighbour_sum: FloatArray, chosen: IntArray, batch: int
) -> tuple[FloatArray, FloatArray]:
    """For every village, how many permutations give a neighbour sum ≥, and how many ≤, the observed one.

    Draw d means "the d-th of the other villages": y[d] for a village i > d, y[d + 1] for i ≤ d. So
    village i's random neighbour sum in permutation p is a base sum over y[d] plus the steps
    y[d + 1] − y[d] of the draws with d ≥ i. Walking the villages of one neighbour count from the
    highest index down in batches, a permutation's sum changes only at its few draws (k of them in
    all), so within a batch most permutations hold one value for every village: those are counted by
    sorting (O(P log P) per batch), and only the permutations with a draw inside the batch are
    spelled out village by village. This replaces esda's loop over villages (O(n × P × k) gathers).
    Sums that differ by rounding alone (same values added in another order) count as ties.
    """
    permutations = len(chosen)
    at_least, at_most = np.zeros(len(y)), np.zeros(len(y))
    tolerance = 1e-9 * float(np.abs(y).max())
    rows = np.arange(permutations)
    for width in np.unique(counts[counts > 0]):
        sites = np.flatnonzero(counts == width)  # ascending
        drawn = chosen[:, :width]
        # Sites at sorted position < reach take the step of that draw (sites[r] ≤ d).
        reach = np.searchsorted(sites, drawn, side="right").ravel()
        step = (y[drawn + 1] - y[drawn]).ravel()
        permutation = np.broadcast_to(rows[:, None], drawn.shape).ravel()
        order = np.argsort(reach, kind="stable")
        reach, step, permutation = reach[order], step[order], permutation[order]
        level = y[drawn].sum(axis=1)  # each permutation's sum below every draw seen so far
        top = len(sites)
        while top > 0:
            bottom = max(0, top - batch)
            size = top - bottom
            block = sites[bottom:top]
            low, high = neighbour_sum[block] - tolerance, neighbour_sum[block] + tolerance
            first, last = np.searchsorted(reach, [bottom + 1, top + 1])
            moving = permutation[first:last]
            touched = np.unique(moving)
            steady = np.ones(permutations, dtype=bool)
            steady[touched] = False
            held = np.sort(level[steady])
            at_least[block] = len(held) - np.searchsorted(held, low, side="left")
            at_most[block] = np.searchsorted(held, high, side="right")
            if len(touched):
                # A step whose reach is q lands in row q − 1: it applies to that site and every lower one.
                slot = np.searchsorted(touched, moving)
                local = np.bincount(
                    slot * size + reach[first:last] - 1 - bottom,
                    weights=step[first:last],
                    minlength=len(touched) * size,
                ).reshape(len(touched), size)
                random_sum = np.cumsum(local[:, ::-1], axis=1)[:, ::-1] + level[touched, None]
                at_least[block] += np.count_nonzero(random_sum >= low, axis=0)
                at_most[block] += np.count_nonzero(random_sum <= high, axis=0)
                level[touched] += local.sum(axis=1)
            top = bottom
    return at_least, at_most

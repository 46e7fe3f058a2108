"""Spikes: more reports of one category in one area than its history makes likely, given the stage.

Reporting volume follows the election calendar: a campaign day or voting day brings more reports
than a quiet one everywhere. Each day therefore has an *intensity* (expected volume relative to a
quiet day, 1.0), looked up from its stage in a mapping the caller reads from a data file, and a
period's *exposure* is the sum of its days' intensities (:func:`exposure`).

For every (area, category), with B reports over a baseline of exposure E_B and a window (e.g. the
last 24 h) of exposure E_W, the expected window count is an empirical-Bayes rate times E_W::

    expected = E_W · (B + r_prior · E_prior) / (E_B + E_prior)

r_prior is the rate of the average area of the area's parent (e.g. its kecamatan) for that
category, itself shrunk the same way toward the national rate; E_prior (``prior_exposure``) is how
many quiet days of the parent's rate the prior is worth. (This is the ``prior_count × parent_share``
of the design note, with prior_count × parent_share = r_prior · E_prior.) An area without history
thus expects a little of what its neighbourhood sees: one report there is not a spike, three are.

Test: p = P(X ≥ observed) for X ~ Poisson(expected) (``scipy.stats.poisson.sf(observed − 1,
expected)``), flagged when observed ≥ ``min_count`` and p < ``alpha``.

False alarms. If the window count really is Poisson(expected), a test flags with probability
size = P(X ≥ x*), x* = max(min_count, the smallest x with P(X ≥ x) < alpha), which is ≤ alpha and,
counts being discrete, usually far below it (expected 0.1 and min_count 3: about 1.5e-4). The
expected number of false alarms per run is the sum of the sizes over all tests
(:meth:`Spikes.expected_false_alarms`). Both assume ``expected`` is right. Error in the estimated
rate adds false alarms: with a 90-quiet-day baseline and the default prior a simulation flags
within 10 % of the prediction and under alpha per test; a 30-day baseline gives about a third more
than predicted; a 14-day baseline against a 14-day prior (which pulls busy areas down to the
national rate) gave 3 × alpha at alpha = 0.01 and 10 × at 0.001. Rates that change within the
baseline, or a stage intensity that is wrong for the area, break it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri, pdtrc  # type: ignore[import-untyped, unused-ignore]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

ALPHA = 0.001
MIN_COUNT = 3
PRIOR_EXPOSURE = 7.0  # a quiet week of the parent's rate: weak next to a baseline of months


@dataclass(frozen=True, eq=False)
class Spikes:
    """The spike test of every (area, category): arrays of shape areas × categories."""

    observed: IntArray  # reports in the window
    baseline: IntArray  # reports in the baseline period
    expected: FloatArray  # expected reports in the window, for its stage
    p: FloatArray  # P(X ≥ observed | expected), X Poisson
    flagged: BoolArray  # observed ≥ min_count and p < alpha
    window_exposure: FloatArray  # E_W per area (quiet-day equivalents)
    baseline_exposure: FloatArray  # E_B per area
    alpha: float
    min_count: int

    def cells(self) -> list[tuple[int, int]]:
        """The flagged (area, category) pairs, most surprising first."""
        areas, categories = np.nonzero(self.flagged)
        order = np.lexsort((-self.observed[areas, categories], self.p[areas, categories]))
        return [(int(areas[i]), int(categories[i])) for i in order]

    def explain(self, area: int, category: int, window: str = "24 jam") -> str:
        """One line for a person: "7 laporan dalam 24 jam, biasanya 0,8"."""
        usual = float(self.expected[area, category])
        said = "kurang dari 0,1" if usual < 0.05 else f"{usual:.1f}".replace(".", ",")
        return f"{int(self.observed[area, category])} laporan dalam {window}, biasanya {said}"

    def false_alarm_sizes(self) -> FloatArray:
        """Each test's probability of flagging when nothing unusual happens (≤ alpha)."""
        return false_alarm_sizes(self.expected, self.alpha, self.min_count)

    def expected_false_alarms(self) -> float:
        """False alarms to expect in this run (per day, for a daily run): the sum of the sizes."""
        return float(self.false_alarm_sizes().sum())


def exposure(
    stages: Sequence[str | None],
    intensity: Mapping[str, float],
    *,
    fractions: Sequence[float] | None = None,
    quiet: float = 1.0,
) -> float:
    """Σ intensity of each day's stage (None: no stage, ``quiet``), times the share of the day counted.

    ``fractions`` lets a 24-hour window that spans two calendar days count part of each.
    """
    shares = [1.0] * len(stages) if fractions is None else [float(f) for f in fractions]
    if len(shares) != len(stages):
        raise ValueError(f"{len(stages)} days but {len(shares)} fractions")
    unknown = sorted({stage for stage in stages if stage is not None and stage not in intensity})
    if unknown:
        raise ValueError(f"no intensity for stage(s) {', '.join(unknown)}")
    total = 0.0
    for stage, share in zip(stages, shares, strict=True):
        level = quiet if stage is None else float(intensity[stage])
        if level < 0 or not 0 <= share <= 1:
            raise ValueError(f"intensities must be ≥ 0 and fractions in [0, 1] (stage {stage})")
        total += level * share
    return total


def spike_test(
    window: ArrayLike,
    baseline: ArrayLike,
    window_exposure: ArrayLike,
    baseline_exposure: ArrayLike,
    *,
    parent: ArrayLike | None = None,
    prior_exposure: float = PRIOR_EXPOSURE,
    alpha: float = ALPHA,
    min_count: int = MIN_COUNT,
) -> Spikes:
    """Test every (area, category) of ``window`` counts against its ``baseline`` counts.

    ``window`` and ``baseline`` are areas × categories counts; the exposures are one number or one
    per area (an area in a re-vote has its own stages). ``parent`` gives each area's group (0, 1, …;
    e.g. the index of its kecamatan) for the prior; without it areas borrow the national rate.
    """
    observed = _counts(window, "window")
    history = _counts(baseline, "baseline")
    if observed.shape != history.shape:
        raise ValueError(f"window counts are {observed.shape}, baseline counts {history.shape}")
    areas = observed.shape[0]
    e_window = _per_area(window_exposure, areas, "window exposure")
    e_baseline = _per_area(baseline_exposure, areas, "baseline exposure")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    if prior_exposure < 0 or (prior_exposure == 0 and (e_baseline == 0).any()):
        raise ValueError("prior_exposure must be ≥ 0, and > 0 when an area has no baseline exposure")
    if e_baseline.sum() <= 0:
        raise ValueError("the baseline has no exposure: nothing to compare the window with")

    national = history.sum(axis=0) / e_baseline.sum()  # per area and quiet day, by category
    if parent is None:
        prior_rate = np.broadcast_to(national, history.shape)
    else:
        groups = np.asarray(parent, dtype=np.int64)
        if groups.shape != (areas,) or (areas and groups.min() < 0):
            raise ValueError(f"parent must give a group number ≥ 0 for each of the {areas} areas")
        size = int(groups.max()) + 1 if areas else 0
        group_counts = np.zeros((size, history.shape[1]))
        np.add.at(group_counts, groups, history)
        group_exposure = np.bincount(groups, weights=e_baseline, minlength=size)
        group_rate = (group_counts + national * prior_exposure) / (group_exposure + prior_exposure)[:, None]
        prior_rate = group_rate[groups]
    rate = (history + prior_rate * prior_exposure) / (e_baseline + prior_exposure)[:, None]
    expected = e_window[:, None] * rate
    p = _upper_tail(observed, expected)
    flagged = (observed >= min_count) & (p < alpha)
    return Spikes(observed, history, expected, p, flagged, e_window, e_baseline, alpha, min_count)


def false_alarm_sizes(expected: ArrayLike, alpha: float, min_count: int) -> FloatArray:
    """P(flag) of each test if its count is Poisson(expected): P(X ≥ max(min_count, x*)) ≤ alpha.

    x* is the smallest count whose upper tail is below alpha. Summed over the tests of a run, this
    is the number of false alarms to expect from it.
    """
    mu = np.asarray(expected, dtype=np.float64)
    start = max(min_count, 1)
    threshold = np.full(mu.shape, float(start))
    busy = _upper_tail(threshold, mu) >= alpha  # min_count alone would not be flagged here
    if busy.any():
        m = mu[busy]
        # Start near x* (normal approximation with a skew term), then step to it exactly.
        z = float(ndtri(1 - alpha))
        x = np.maximum(np.floor(m + z * np.sqrt(m) + (z * z - 1) / 6), start)
        while (up := _upper_tail(x, m) >= alpha).any():
            x[up] += 1
        while (down := (x > start) & (_upper_tail(x - 1, m) < alpha)).any():
            x[down] -= 1
        threshold[busy] = x
    return _upper_tail(threshold, mu)


def _upper_tail(count: ArrayLike, mean: FloatArray) -> FloatArray:
    """P(X ≥ count), X ~ Poisson(mean): poisson.sf(count − 1, mean), which is pdtrc (1 below 1)."""
    counts = np.asarray(count, dtype=np.float64)
    tail = np.asarray(pdtrc(np.maximum(counts - 1, 0), mean), dtype=np.float64)
    return np.where(counts >= 1, tail, 1.0)


def _counts(values: ArrayLike, name: str) -> IntArray:
    counts = np.asarray(values)
    if counts.ndim != 2:
        raise ValueError(f"{name} counts must be areas × categories, not shape {counts.shape}")
    if counts.size and (not np.isfinite(counts).all() or (counts < 0).any() or (counts % 1 != 0).any()):
        raise ValueError(f"{name} counts must be whole numbers ≥ 0")
    return counts.astype(np.int64)


def _per_area(values: ArrayLike, areas: int, name: str) -> FloatArray:
    level = np.asarray(values, dtype=np.float64)
    if level.ndim not in (0, 1) or (level.ndim == 1 and len(level) != areas):
        raise ValueError(f"{name} must be one number or one per area ({areas})")
    if not np.isfinite(level).all() or (level < 0).any():
        raise ValueError(f"{name} must be finite and ≥ 0")
    return np.array(np.broadcast_to(level, (areas,)), dtype=np.float64)

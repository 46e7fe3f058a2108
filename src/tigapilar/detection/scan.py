"""Kulldorff's prospective space-time permutation scan statistic (detector 3 of early warning).

Why this detector: it asks "is there a group of neighbouring villages whose reports of the last
few days are more than both their own history and the whole area's recent activity would predict?"
without any population or baseline model: each place's history is its own denominator, which suits
field reports whose coverage differs between villages (Kulldorff et al. 2005, "A space-time
permutation scan statistic for disease outbreak detection", PLoS Med 2(3): e59; the STPS of SaTScan).

Definitions. Cases are (location, day) pairs; day ``n_days - 1`` is today. A cylinder is a circle
around a centre location, holding every location within its radius (at most ``max_radius_m`` and
at most ``max_share_of_cases`` of all cases over the whole period), and a window of the last
``L`` days, 1 ≤ L ≤ ``max_window_days`` (prospective: every window ends today). With ``N`` cases,
``n_z`` cases in the circle over the whole period and ``D_L`` cases anywhere in the window, the
expected count is μ = n_z · D_L / N, and for ``c`` observed cases in the cylinder (at least
``min_cases``) the log-likelihood ratio is c·ln(c/μ) + (N−c)·ln((N−c)/(N−μ)) when c > μ, else 0.
The most likely cluster is the cylinder of highest LLR; secondary clusters are the next best that
share no location with any cluster reported before them (SaTScan's "no geographical overlap").
Significance: the days are shuffled among the cases (locations kept), ``replications`` times; each
cluster's p-value is (1 + replicas whose best LLR ≥ its LLR) / (replications + 1), secondary
clusters compared with the same maxima, as SaTScan does. Shuffling keeps every location's total
and every day's total, so every μ is computed once.

Coordinates are metres in any Euclidean frame: UTM easting/northing (n × 2) for a province, or
Earth-centred x, y, z (n × 3, :func:`tigapilar.detection.projection.to_ecef`) for national data.

How it is fast (a replication costs in proportion to its recent cases, not to the map):

* Only locations with a case matter as members (the others add zero cases and zero expectation).
  Each centre's members are found once with a k-d tree and listed by distance; a prefix of that
  list is a circle. Equidistant members are taken together (a circle cannot split them), and a
  list stops where the circle would hold too large a share of cases.
* A circle's count over the last L days is a cumulative sum along its centre's list of each
  member's count over its last L days (a cumulative sum over days back from today). That sum
  changes only at members with a case in the last ``max_window_days`` days, and μ grows with the
  circle, so for each stretch of equal count the smallest circle has the highest LLR: only the
  list entries of members with a recent case are evaluated, one segmented cumulative sum over
  those entries per window length.
* The LLR comes from tables (c ln c + (N−c) ln(N−c) per count, ln μ and ln(N−μ) per window length
  and circle total): no logarithm per cylinder. A replication needs only its maximum, so it skips
  every cylinder whose count cannot beat an LLR already reached (a precomputed ladder of the least
  count that beats each LLR level).
* Small scans run a batch of replications per pass, to share numpy's per-call cost.

National scans with circles on every one of 83,762 villages spend most of their time on circles
around villages without reports; ``centres`` set to the villages with reports (as PredictCode's
stscan.py does) is several times faster, at the price of those circles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree  # type: ignore[import-untyped, unused-ignore]

IntArray = npt.NDArray[np.signedinteger[Any]]  # int64, or int32 where it halves memory traffic
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Cluster:
    """One space-time cylinder found by the scan."""

    centre: int  # index of the centre location (a row of ``coords``)
    locations: tuple[int, ...]  # member locations that have cases, nearest first
    radius_m: float  # distance from the centre to the farthest member
    start_day: int  # first day of the window (day index)
    end_day: int  # last day of the window: always the last day of the data (prospective)
    observed: int  # cases in the cylinder
    expected: float  # μ = (cases in the circle over all days) × (cases on the window's days) / N
    relative_risk: float  # observed / expected
    llr: float  # log-likelihood ratio
    p_value: float  # Monte Carlo p-value; NaN when no replication was run


@dataclass(frozen=True)
class ScanResult:
    """The most likely cluster first, then the secondary clusters, each with its p-value."""

    clusters: tuple[Cluster, ...]
    n_cases: int
    n_days: int
    replications: int
    null_max_llr: tuple[float, ...]  # the highest LLR of each replication, in order

    @property
    def most_likely(self) -> Cluster | None:
        return self.clusters[0] if self.clusters else None


@dataclass(frozen=True)
class _Lists:
    """Every centre's members by distance, flattened: one entry per (centre, member) pair."""

    segment: IntArray  # which centre list the entry belongs to (0 .. number of lists - 1)
    centre: IntArray  # centre location index, per list
    start: IntArray  # first entry of the entry's list
    member: IntArray  # member, as an index into the locations that have cases
    distance: FloatArray  # from the centre to the member
    tie_end: IntArray  # last entry at the same distance: the circle that contains this member
    zone_cases: IntArray  # cases over the whole period in that circle


@dataclass(frozen=True)
class _Evaluated:
    """Candidate circles of the observed days, with their counts and LLRs over every window length."""

    entries: IntArray  # the list entry whose circle (up to its tie_end) is the candidate
    counts: IntArray  # (W, candidates): cases in the last 1 .. W days
    llr: FloatArray  # (W, candidates), 0 where c ≤ μ or c < min_cases


def space_time_permutation_scan(
    coords: npt.ArrayLike,
    case_location: npt.ArrayLike,
    case_day: npt.ArrayLike,
    n_days: int,
    *,
    max_radius_m: float,
    max_window_days: int,
    max_share_of_cases: float = 0.5,
    min_cases: int = 2,
    replications: int = 999,
    seed: int | np.random.Generator = 0,
    centres: npt.ArrayLike | None = None,
    max_clusters: int = 10,
) -> ScanResult:
    """Scan the cases for space-time clusters that end on the last day.

    ``coords`` (locations × 2 or 3) are metres; ``case_location`` and ``case_day`` give each case's
    row of ``coords`` and its day (0 .. ``n_days`` - 1). Circles are centred on every location, as in
    SaTScan, or on ``centres`` (location indices) when given. At most ``max_clusters`` clusters are
    returned, the most likely first. Replication r shuffles the days with the r-th
    ``permutation`` drawn from ``seed`` (a seed or a ``numpy`` Generator): the same seed and data
    give the same result. ``replications=0`` skips inference (p-values are NaN). With no cases
    there is nothing to scan and no cluster.
    """
    points = np.asarray(coords, dtype=np.float64)
    locations = _integers(case_location, "case_location")
    days = _integers(case_day, "case_day")
    _validate(points, locations, days, n_days, max_radius_m, max_window_days, max_share_of_cases)
    if min_cases < 1:
        raise ValueError(f"min_cases must be at least 1, not {min_cases}")
    if replications < 0:
        raise ValueError(f"replications cannot be negative ({replications})")
    if max_clusters < 1:
        raise ValueError(f"max_clusters must be at least 1, not {max_clusters}")
    centre_rows = np.arange(len(points), dtype=np.int64) if centres is None else _integers(centres, "centres")
    if centre_rows.size and (centre_rows.min() < 0 or centre_rows.max() >= len(points)):
        raise ValueError("centres must be indices of rows of coords")
    total = int(locations.size)
    if total == 0:
        return ScanResult(clusters=(), n_cases=0, n_days=n_days, replications=0, null_max_llr=())

    # Locations with cases ("active"), and every case's position among them.
    active, case_active = np.unique(locations, return_inverse=True)
    case_active = case_active.astype(np.int64)
    active_cases = np.bincount(case_active, minlength=active.size).astype(np.int64)
    window = max_window_days
    days_back = (n_days - 1) - days
    # Cases anywhere in the last 1 .. W days: fixed under the permutation, like every μ.
    day_totals = np.bincount(days, minlength=n_days).astype(np.int64)
    window_totals = np.cumsum(day_totals[::-1][:window])
    lists = _lists(
        points, centre_rows, active, active_cases, max_radius_m, math.floor(max_share_of_cases * total + 1e-9)
    )
    scan = _Scan(lists, active.size, window, window_totals, total, min_cases)

    observed = scan.evaluate(scan.recent_counts(case_active, days_back[None, :]))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    null_max = np.zeros(replications, dtype=np.float64)
    # Small scans run several replications per pass, so numpy's per-call cost is shared; one
    # permutation per replication in turn keeps the results independent of the batch size.
    for first in range(0, replications, scan.batch):
        size = min(scan.batch, replications - first)
        shuffled = np.stack([rng.permutation(days_back) for _ in range(size)])
        guess = float(null_max[:first].min()) if first else 0.0  # usually exceeded: see max_llr
        null_max[first : first + size] = scan.max_llr(scan.recent_counts(case_active, shuffled), guess)

    clusters = _report(scan, observed, active, null_max, n_days, max_clusters)
    return ScanResult(
        clusters=tuple(clusters),
        n_cases=total,
        n_days=n_days,
        replications=replications,
        null_max_llr=tuple(float(value) for value in null_max),
    )


def _integers(values: npt.ArrayLike, name: str) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, not of shape {array.shape}")
    if array.size and array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, not {array.dtype}")
    return array.astype(np.int64)


def _validate(
    points: FloatArray,
    locations: IntArray,
    days: IntArray,
    n_days: int,
    max_radius_m: float,
    max_window_days: int,
    max_share_of_cases: float,
) -> None:
    if points.ndim != 2 or points.shape[1] not in (2, 3):
        raise ValueError(f"coords must be of shape (locations, 2 or 3), not {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("coords must be finite numbers")
    if locations.shape != days.shape:
        raise ValueError(f"case_location ({locations.size}) and case_day ({days.size}) differ in length")
    if n_days < 1:
        raise ValueError(f"n_days must be at least 1, not {n_days}")
    if locations.size and (locations.min() < 0 or locations.max() >= len(points)):
        raise ValueError("case_location must be indices of rows of coords")
    if days.size and (days.min() < 0 or days.max() >= n_days):
        raise ValueError(f"case_day must be in 0 .. {n_days - 1} (the last day is the last of the data)")
    if not (math.isfinite(max_radius_m) and max_radius_m >= 0):
        raise ValueError(f"max_radius_m must be a distance of at least 0, not {max_radius_m}")
    if not 1 <= max_window_days <= n_days:
        raise ValueError(f"max_window_days must be 1 .. n_days ({n_days}), not {max_window_days}")
    if not 0 < max_share_of_cases <= 1:
        raise ValueError(f"max_share_of_cases must be in (0, 1], not {max_share_of_cases}")


def _lists(
    points: FloatArray,
    centre_rows: IntArray,
    active: IntArray,
    active_cases: IntArray,
    max_radius_m: float,
    max_zone_cases: int,
) -> _Lists:
    """Every centre's active members within the radius, nearest first, cut at the share limit."""
    pairs = cKDTree(points[centre_rows]).sparse_distance_matrix(
        cKDTree(points[active]), max_radius_m, output_type="ndarray"
    )
    order = _by_list_and_distance(pairs["i"], pairs["v"], max_radius_m)
    index = np.int32 if order.size < 2**31 else np.int64  # half the memory traffic of every pass
    list_of = pairs["i"][order].astype(index)
    member = pairs["j"][order].astype(index)
    distance = pairs["v"][order]
    count = list_of.size
    is_start = np.ones(count, dtype=np.bool_)
    is_start[1:] = list_of[1:] != list_of[:-1]
    start = np.flatnonzero(is_start)[np.cumsum(is_start) - 1]
    cumulative = np.cumsum(active_cases[member])
    zone_cases_here = cumulative - cumulative[start] + active_cases[member[start]]
    # A circle ends where the next member is farther away or another list begins.
    is_end = np.ones(count, dtype=np.bool_)
    is_end[:-1] = (distance[:-1] < distance[1:]) | is_start[1:]
    end_positions = np.flatnonzero(is_end)
    tie_end = end_positions[np.searchsorted(end_positions, np.arange(count))]
    # Circles only grow along a list, so the share limit keeps a prefix of each list.
    keep = zone_cases_here[tie_end] <= max_zone_cases
    new_index = (np.cumsum(keep) - 1).astype(index)
    kept_start = is_start[keep]
    return _Lists(
        segment=(np.cumsum(kept_start) - 1).astype(index),
        centre=centre_rows[list_of[keep][kept_start]],
        start=new_index[start[keep]],
        member=member[keep],
        distance=distance[keep],
        tie_end=new_index[tie_end[keep]],
        zone_cases=zone_cases_here[tie_end[keep]],
    )


def _by_list_and_distance(list_of: IntArray, distance: FloatArray, max_radius_m: float) -> IntArray:
    """The order of the pairs by list, then distance.

    One sort of a float key (list + distance scaled below 1) is several times faster than a
    lexicographic sort of millions of pairs; should rounding ever swap two distances closer than
    micrometres, the result is checked and the exact lexicographic sort used instead.
    """
    scale = 2.0 * max(max_radius_m, 1.0)
    order = np.argsort(list_of + distance / scale)
    lists, distances = list_of[order], distance[order]
    same_list = lists[1:] == lists[:-1]
    if np.any(lists[1:] < lists[:-1]) or np.any(same_list & (distances[1:] < distances[:-1])):
        order = np.lexsort((distance, list_of))
    return order


@dataclass(frozen=True)
class _Candidates:
    """Circles to evaluate on a batch of days, and how to count their cases per window length.

    A candidate is a circle ending at a member with a recent case (the last such member among
    equidistant ones), whose longest window holds at least ``min_cases``. Its count is the running
    total along the selected entries at ``ends`` minus the total before its list (``starts``).
    """

    entries: IntArray  # list entry of each candidate
    replica: IntArray  # which set of days of the batch it belongs to
    zones: IntArray  # its circle's column in the LLR tables (distinct circle totals)
    members: IntArray  # the members of all selected entries, in list order, offset per replica
    ends: IntArray
    starts: IntArray
    buffer: IntArray  # room for one running total


# Replications evaluated together: enough list entries per pass to make numpy's per-call cost small.
_BATCH_ENTRIES = 1 << 18
_MAX_BATCH = 64
# LLR levels below which a replication's candidates are skipped (see _Scan.max_llr).
_LADDER_STEP = 0.25
_LADDER_LEVELS = 128
_LADDER_CELLS = 1 << 20


class _Scan:
    """The fixed part of a scan (lists, window totals, LLR tables), run on observed or shuffled days.

    Counts are laid out window-major, (W, locations), so each window length is one contiguous row.
    A batch of B sets of days is one row of B × locations, each set's locations after the last.
    """

    def __init__(
        self, lists: _Lists, n_active: int, window: int, window_totals: IntArray, total: int, min_cases: int
    ) -> None:
        self.lists = lists
        self.n_active = n_active
        self.n_lists = int(lists.centre.size)
        self.window = window
        self.window_totals = window_totals
        self.total = total
        self.min_cases = min_cases
        entries = int(lists.member.size)
        self.batch = max(1, min(_MAX_BATCH, _BATCH_ENTRIES // max(entries, 1)))
        # Counts fit 32 bits when every case could sit in every list at once; half the memory traffic.
        appearances = int(np.bincount(lists.member).max()) if entries else 0
        self.dtype: np.dtype[np.signedinteger[Any]] = np.dtype(
            np.int32 if total * max(appearances, 1) < 2**31 else np.int64
        )
        # LLR tables, per window length and distinct circle total n_z (μ = n_z·D_L/N):
        # LLR = T[c] - c·slope - offset with T[c] = c ln c + (N-c) ln(N-c), slope = ln μ - ln(N-μ),
        # offset = N ln(N-μ); only where c > μ (c > ⌊μ⌋ for whole c) and c ≥ min_cases.
        zone_values, zone_index = np.unique(lists.zone_cases, return_inverse=True)
        self.zone_index = zone_index.astype(lists.member.dtype)
        times_total = window_totals[:, None] * zone_values[None, :]  # μ·N, exact in integers
        self.threshold = np.maximum(times_total // total, min_cases - 1).astype(self.dtype)
        mu = times_total / total
        usable = (mu > 0) & (mu < total)  # elsewhere no count can exceed μ
        ln_rest = np.log(np.where(usable, total - mu, 1.0))
        self.slope = np.where(usable, np.log(np.where(usable, mu, 1.0)) - ln_rest, 0.0)
        self.offset = np.where(usable, total * ln_rest, 0.0)
        whole = np.arange(total + 1, dtype=np.float64)
        self.c_terms = _x_log_x(whole) + _x_log_x(total - whole)
        self._ladder: IntArray | None = None  # built on the first replication

    def recent_counts(self, case_active: IntArray, days_back: IntArray) -> IntArray:
        """(W, B × active locations) for B sets of days (B × cases): cases over the last 1 .. W days."""
        batch = days_back.shape[0]
        recent = days_back < self.window
        replica = np.broadcast_to(np.arange(batch)[:, None], days_back.shape)[recent]
        where = np.broadcast_to(case_active, days_back.shape)[recent]
        cells = (days_back[recent] * batch + replica) * self.n_active + where
        width = batch * self.n_active
        per_day = np.bincount(cells, minlength=self.window * width).reshape(self.window, width)
        return np.cumsum(per_day, axis=0, dtype=self.dtype)

    def candidates(self, recent: IntArray) -> _Candidates:
        """The circles worth evaluating on these days (see :class:`_Candidates`)."""
        lists = self.lists
        batch = recent.shape[1] // self.n_active
        has_recent = (recent[-1] > 0).reshape(batch, self.n_active)
        # np.take rather than fancy indexing: the same gather, markedly faster on large arrays.
        selected = np.flatnonzero(np.take(has_recent, lists.member, axis=1))
        if batch == 1:
            replica, entry = np.zeros_like(selected), selected
            members = np.take(lists.member, entry)
            list_key = np.take(lists.segment, entry)
        else:
            replica, entry = np.divmod(selected, lists.member.size)
            members = np.take(lists.member, entry) + replica * self.n_active
            list_key = np.take(lists.segment, entry) + replica * self.n_lists
        is_first = np.ones(entry.size, dtype=np.bool_)
        is_first[1:] = list_key[1:] != list_key[:-1]
        list_start = np.take(np.flatnonzero(is_first), np.cumsum(is_first) - 1)
        circle = np.take(lists.tie_end, entry)
        is_last = np.ones(entry.size, dtype=np.bool_)
        is_last[:-1] = (circle[:-1] != circle[1:]) | is_first[1:]
        buffer = np.empty(entry.size + 1, dtype=self.dtype)
        longest = self._running(recent[-1], members, buffer)
        keep = np.flatnonzero(is_last & (longest[1:] - np.take(longest, list_start) >= self.min_cases))
        kept = np.take(entry, keep)
        return _Candidates(
            entries=kept,
            replica=np.take(replica, keep),
            zones=np.take(self.zone_index, kept),
            members=members,
            ends=keep + 1,
            starts=np.take(list_start, keep),
            buffer=buffer,
        )

    @staticmethod
    def _running(row: IntArray, members: IntArray, buffer: IntArray) -> IntArray:
        """Running total of ``row`` along the selected entries, after a leading 0 (in ``buffer``)."""
        buffer[0] = 0
        np.cumsum(np.take(row, members), out=buffer[1:])
        return buffer

    def window_counts(self, recent: IntArray, length: int, candidates: _Candidates) -> IntArray:
        """Cases of every candidate circle over the last ``length`` days."""
        running = self._running(recent[length - 1], candidates.members, candidates.buffer)
        return np.take(running, candidates.ends) - np.take(running, candidates.starts)

    def window_llr(
        self, length: int, counts: IntArray, zones: IntArray, least: IntArray | None = None
    ) -> tuple[IntArray, FloatArray]:
        """Positions and LLRs of the candidates with c > μ and c ≥ min_cases for this window length.

        ``least`` (per zone) skips candidates with fewer cases: their LLR cannot beat a known one.
        """
        row = length - 1
        floor = self.threshold[row] if least is None else least
        high = np.flatnonzero(counts > np.take(floor, zones))
        c = np.take(counts, high)
        zone = np.take(zones, high)
        llr = np.take(self.c_terms, c) - c * np.take(self.slope[row], zone) - np.take(self.offset[row], zone)
        return high, llr

    def evaluate(self, recent: IntArray) -> _Evaluated:
        """Every candidate of one set of days with its counts and LLRs over all window lengths."""
        candidates = self.candidates(recent)
        counts = np.zeros((self.window, candidates.entries.size), dtype=np.int64)
        llr = np.zeros(counts.shape, dtype=np.float64)
        for length in range(1, self.window + 1):
            counts[length - 1] = self.window_counts(recent, length, candidates)
            high, values = self.window_llr(length, counts[length - 1], candidates.zones)
            llr[length - 1, high] = values
        return _Evaluated(candidates.entries, counts, llr)

    def max_llr(self, recent: IntArray, guess: float = 0.0) -> FloatArray:
        """The highest LLR of any cylinder for each set of days of the batch (0 when c ≤ μ everywhere).

        Only the maximum matters here, so a candidate is evaluated only if its count could give an
        LLR above a level already known to be reached: at first ``guess`` (a level the maxima
        usually exceed), then the batch's lowest maximum so far. Levels come from a table of the
        least count that beats each of a ladder of LLR levels (:meth:`_build_ladder`). If no cylinder
        beats the guess, the maxima are below it and the batch is evaluated again in full.
        """
        candidates = self.candidates(recent)
        batch = recent.shape[1] // self.n_active
        best = np.zeros(batch, dtype=np.float64)
        for length in range(1, self.window + 1):
            counts = self.window_counts(recent, length, candidates)
            level = max(guess, float(best.min()))
            least = self._least_count(length, level) if level > 0 else None
            high, values = self.window_llr(length, counts, candidates.zones, least)
            if batch == 1:
                if values.size:
                    best[0] = max(best[0], float(values.max()))
            else:
                np.maximum.at(best, np.take(candidates.replica, high), values)
        if guess > 0 and best.min() <= guess:
            return self.max_llr(recent)  # some maximum is below the guess: no level is known for it
        return best

    def _least_count(self, length: int, level: float) -> IntArray:
        """Per zone: the largest count whose LLR does not exceed a ladder level at or below ``level``."""
        if self._ladder is None:
            self._ladder = self._build_ladder()
        step = min(int(level / _LADDER_STEP), self._ladder.shape[0] - 1)
        least: IntArray = self._ladder[step, length - 1]
        return least

    def _build_ladder(self) -> IntArray:
        """ladder[k, L - 1, z]: the largest count with LLR ≤ k × step (at least the threshold).

        The LLR grows with c above μ, so a binary search per (level, window, zone) finds it.
        """
        windows, zones = self.threshold.shape
        levels = max(1, min(_LADDER_LEVELS, _LADDER_CELLS // max(windows * zones, 1)))
        target = (np.arange(levels, dtype=np.float64) * _LADDER_STEP)[:, None, None]
        low = np.broadcast_to(self.threshold, (levels, windows, zones)).astype(np.int64)  # LLR(low) ≤ t
        high = np.full(low.shape, self.total + 1, dtype=np.int64)  # LLR(high) > t, or beyond N
        slope = np.broadcast_to(self.slope, low.shape)
        offset = np.broadcast_to(self.offset, low.shape)
        while True:
            open_ = high - low > 1
            if not open_.any():
                break
            middle = (low + high) // 2
            value = np.take(self.c_terms, np.minimum(middle, self.total)) - middle * slope - offset
            above = value > target
            high = np.where(open_ & above, middle, high)
            low = np.where(open_ & ~above, middle, low)
        return low.astype(self.dtype)


def _x_log_x(x: FloatArray) -> FloatArray:
    return np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)


def _report(
    scan: _Scan,
    observed: _Evaluated,
    active: IntArray,
    null_max: FloatArray,
    n_days: int,
    max_clusters: int,
) -> list[Cluster]:
    """The best cylinder, then the best that share no location with those before, with p-values."""
    if observed.llr.size == 0:
        return []
    lists = scan.lists
    best_window = np.argmax(observed.llr, axis=0)  # the shortest window among equal LLRs
    best_llr = observed.llr[best_window, np.arange(best_window.size)]
    candidates = np.flatnonzero(best_llr > 0)
    remaining = candidates[np.argsort(-best_llr[candidates], kind="stable")]
    null_sorted = np.sort(null_max)
    used = np.zeros(scan.n_active, dtype=np.bool_)
    clusters: list[Cluster] = []
    while remaining.size and len(clusters) < max_clusters:
        row = int(remaining[0])
        entry = int(observed.entries[row])
        end = int(lists.tie_end[entry])
        members = lists.member[lists.start[entry] : end + 1]
        # Nearest first; equidistant locations by index, so the order does not depend on the sort.
        members = members[np.lexsort((active[members], lists.distance[lists.start[entry] : end + 1]))]
        length = int(best_window[row]) + 1
        observed_count = int(observed.counts[length - 1, row])
        expected = float(lists.zone_cases[entry] * scan.window_totals[length - 1] / scan.total)
        llr = float(best_llr[row])
        exceeding = null_sorted.size - int(np.searchsorted(null_sorted, llr, side="left"))
        clusters.append(
            Cluster(
                centre=int(lists.centre[lists.segment[entry]]),
                locations=tuple(int(index) for index in active[members]),
                radius_m=float(lists.distance[end]),
                start_day=n_days - length,
                end_day=n_days - 1,
                observed=observed_count,
                expected=expected,
                relative_risk=observed_count / expected,
                llr=llr,
                p_value=(1 + exceeding) / (null_max.size + 1) if null_max.size else math.nan,
            )
        )
        used[members] = True
        # A candidate overlaps when its list reaches a used member at or before its circle's end.
        used_entries = np.flatnonzero(used[lists.member])
        first_used = np.full(lists.centre.size, np.iinfo(np.int64).max, dtype=np.int64)
        used_segments, first_index = np.unique(lists.segment[used_entries], return_index=True)
        first_used[used_segments] = used_entries[first_index]
        candidate_entries = observed.entries[remaining]
        overlaps = first_used[lists.segment[candidate_entries]] <= lists.tie_end[candidate_entries]
        remaining = remaining[~overlaps]
    return clusters

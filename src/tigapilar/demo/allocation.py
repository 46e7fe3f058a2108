"""Integer allocation used by the demo: split totals exactly, in proportion, reproducibly."""

from __future__ import annotations

import random
from collections.abc import Sequence


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that add up to ``total`` exactly.

    Ties in the remainders go to the earlier item so the result is deterministic.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    weight_sum = float(sum(weights))
    if not weights or weight_sum <= 0:
        raise ValueError("weights must be positive")
    quotas = [total * w / weight_sum for w in weights]
    shares = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def tps_per_village(total: int, urban: Sequence[bool], urban_weight: float = 3.0) -> list[int]:
    """At least one TPS per village; the rest go to kelurahan (urban) three times as readily."""
    if total < len(urban):
        raise ValueError(f"{total} TPS cannot cover {len(urban)} villages with one each")
    extra = largest_remainder(total - len(urban), [urban_weight if u else 1.0 for u in urban])
    return [1 + e for e in extra]


def voters_per_tps(total: int, fixed: Sequence[int | None], maximum: int, rng: random.Random) -> list[int]:
    """DPT per TPS adding up to ``total``: fixed sizes where given, the rest varied around the mean."""
    free = [i for i, f in enumerate(fixed) if f is None]
    remaining = total - sum(f for f in fixed if f is not None)
    if remaining < 0 or remaining > maximum * len(free):
        raise ValueError("the DPT total does not fit the TPS")
    # A spread of +-30% around the mean keeps every TPS under the legal maximum for realistic totals.
    weights = [rng.uniform(0.7, 1.3) for _ in free]
    shares = largest_remainder(remaining, weights)
    result = [f if f is not None else 0 for f in fixed]
    overflow = 0
    for i, share in zip(free, shares, strict=True):
        result[i] = min(share, maximum)
        overflow += share - result[i]
    # Whatever the cap cut off goes to the TPS with the most room left.
    for i in sorted(free, key=lambda j: result[j]):
        if overflow == 0:
            break
        room = min(maximum - result[i], overflow)
        result[i] += room
        overflow -= room
    return result

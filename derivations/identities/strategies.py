"""Hypothesis strategies for the identities' domains: nouns with keyword-only bounds.

Each mixes typical values with the extremes where float64 breaks naive code (|x| up to 1000 for σ,
logit spreads up to 1e4, one-hot and soft labels, saturated units).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

#: σ's interesting points: 0, the float64 edges of e^{−x} (≈ 709.8, 745.1) and where 1 − σ(x) rounds to 0.
SIGMOID_EDGES = (0.0, 1.0, -1.0, 36.7, -36.7, 40.0, 709.0, -709.0, 745.0, -745.0, 1000.0, -1000.0)
#: Logit spreads (max θ − min θ) the softmax identities must survive.
SPREADS = (1.0, 10.0, 100.0, 1000.0, 1e4)


def reals(
    *, max_abs: float = 1000.0, typical: float = 10.0, edges: tuple[float, ...] = SIGMOID_EDGES
) -> st.SearchStrategy[float]:
    """Floats in [−max_abs, max_abs]: mostly |x| ≤ typical, often the whole range, sometimes an edge."""
    if not 0 < typical <= max_abs:
        raise ValueError(f"need 0 < typical ≤ max_abs, got typical={typical}, max_abs={max_abs}")
    return st.one_of(
        st.floats(-typical, typical, allow_nan=False, allow_infinity=False, allow_subnormal=False),
        st.floats(-max_abs, max_abs, allow_nan=False, allow_infinity=False, allow_subnormal=False),
        st.sampled_from([e for e in edges if abs(e) <= max_abs]),
    )


@st.composite
def logit_vectors(
    draw: st.DrawFn, *, size: int, spreads: tuple[float, ...] = SPREADS, grid_bits: int | None = None
) -> np.ndarray:
    """θ of length ``size``: a centre plus offsets scaled to one of ``spreads``.

    ``grid_bits``: round every θ_k to a multiple of 2^−grid_bits, so that θ_k − max θ is exact in
    float64 (|θ| < 2^(53 − grid_bits)); used where the candidate itself evaluates the
    shifted exponentials without TwoSum (the lambdified claim).
    """
    if size < 1:
        raise ValueError(f"size must be ≥ 1, got {size}")
    spread = draw(st.sampled_from(spreads))
    centre = draw(st.sampled_from([0.0, 1.0, -spread, spread, 2 * spread]) | st.floats(-spread, spread))
    unit = st.floats(-0.5, 0.5, allow_nan=False, allow_subnormal=False)
    offsets = draw(st.lists(unit, min_size=size, max_size=size))
    theta = centre + spread * np.array(offsets, dtype=np.float64)
    if grid_bits is not None:
        theta = np.round(theta * 2.0**grid_bits) / 2.0**grid_bits
    return theta


@st.composite
def probability_vectors(draw: st.DrawFn, *, size: int, one_hot: bool) -> np.ndarray:
    """y with Σ y = 1 exactly: one-hot at a drawn k, or dyadic soft labels c_j/2²⁰ (zeros allowed)."""
    if one_hot:
        y = np.zeros(size)
        y[draw(st.integers(0, size - 1))] = 1.0
        return y
    cuts = sorted(draw(st.lists(st.integers(0, 2**20), min_size=size - 1, max_size=size - 1)))
    edges = np.array([0, *cuts, 2**20], dtype=np.float64)
    return np.diff(edges) / 2.0**20

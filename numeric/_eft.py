"""Error-free transformations (Dekker, Knuth) used to keep the witness within a few ulps."""

from __future__ import annotations

import numpy as np


def _splitter(dtype: np.dtype) -> float:
    """2^⌈p/2⌉ + 1 for a p-bit significand (Dekker's split)."""
    p = np.finfo(dtype).nmant + 1
    return float(2 ** ((p + 1) // 2) + 1)


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a·b = p + err exactly, p = fl(a·b) (Dekker's product, no FMA needed; |a|, |b| ≪ overflow)."""
    c = _splitter(np.result_type(a, b))
    ca, cb = c * a, c * b
    ah = ca - (ca - a)
    bh = cb - (cb - b)
    al, bl = a - ah, b - bh
    p = a * b
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def one_plus(e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1 + e = hi + lo exactly for 0 ≤ e ≤ 1 (Fast2Sum: |1| ≥ |e|)."""
    hi = 1 + e
    return hi, e - (hi - 1)


def div_compensated(num: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """num/(hi + lo) to about half an ulp: q = fl(num/hi) corrected by the exact remainder num − q·hi."""
    q = num / hi
    p, p_err = two_prod(q, hi)
    remainder = (num - p) - p_err
    return q + (remainder - q * lo) / hi


def sum_compensated(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σ a over the last axis as hi + lo (Neumaier's compensated sum), both with the axis kept."""
    hi = a[..., 0].copy()
    lo = np.zeros_like(hi)
    for k in range(1, a.shape[-1]):
        v = a[..., k]
        t = hi + v
        big = np.abs(hi) >= np.abs(v)
        lo = lo + np.where(big, (hi - t) + v, (v - t) + hi)
        hi = t
    total = hi + lo
    return total[..., None], (lo - (total - hi))[..., None]

"""Input coercion shared by the witness: floats keep their dtype, everything else becomes float64."""

from __future__ import annotations

import numpy as np


def as_float(a: object) -> np.ndarray:
    """Return ``a`` as a floating (or complex, for complex-step) array; ints and bools become float64."""
    arr = np.asarray(a)
    if arr.dtype.kind in "fc":
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(f"expected a numeric array, got dtype {arr.dtype}")

"""The report's figures as pgfplots code, their data computed here (deterministic: fixed grids and seeds).

- σ and σ' over x, and the witness's error in ulps against mpmath over the whole float range;
- the training curve of note 2's network on its 4-row table (`numeric.network.train`);
- the error of central differences and of the complex step against the step size, for σ'(1).

Coordinates are printed to 4 significant digits, so the ``.tex`` is byte-identical from run to run.
"""

from __future__ import annotations

import mpmath
import numpy as np

import numeric
from numeric.network import train


def _coords(xs: np.ndarray, ys: np.ndarray) -> str:
    return " ".join(f"({x:.4g},{y:.4g})" for x, y in zip(xs, ys))


def _ulps(got: float, exact: mpmath.mpf) -> float:
    exact_f = float(exact)
    if exact_f == 0.0:
        return 0.0 if got == 0.0 else float("inf")
    ulp = np.spacing(abs(exact_f))
    return float(abs(mpmath.mpf(got) - exact) / ulp)


def sigmoid_figure() -> str:
    """σ and σ' (left), and the witness's error in ulps over x ∈ [−740, 40] (right)."""
    xs = np.linspace(-8.0, 8.0, 65)
    curves = (
        rf"\addplot[thick, NavyBlue] coordinates {{{_coords(xs, numeric.sigmoid(xs))}}};"
        "\n    \\addlegendentry{$\\sigma(x)$}\n"
        rf"    \addplot[thick, BurntOrange, dashed] coordinates {{{_coords(xs, numeric.sigmoid_grad(xs))}}};"
        "\n    \\addlegendentry{$\\sigma'(x)$}"
    )
    grid = np.linspace(-740.0, 40.0, 157)
    err_s, err_d, grid_d = [], [], []
    tiny = np.finfo(np.float64).tiny
    with mpmath.workprec(200):
        for x in grid:
            s = 1 / (1 + mpmath.exp(-mpmath.mpf(x)))
            err_s.append(_ulps(float(numeric.sigmoid(np.float64(x))), s))
            if s * (1 - s) >= tiny:  # σ' is measured where it is a normal float (its documented range)
                grid_d.append(x)
                err_d.append(_ulps(float(numeric.sigmoid_grad(np.float64(x))), s * (1 - s)))
    errors = (
        rf"\addplot[only marks, mark size=0.8pt, NavyBlue] coordinates {{{_coords(grid, np.array(err_s))}}};"
        "\n    \\addlegendentry{\\texttt{sigmoid}}\n"
        r"    \addplot[only marks, mark=x, mark size=1pt, BurntOrange] coordinates "
        f"{{{_coords(np.array(grid_d), np.array(err_d))}}};"
        "\n    \\addlegendentry{\\texttt{sigmoid\\_grad}}"
    )
    return rf"""\begin{{tikzpicture}}
  \begin{{axis}}[width=0.48\linewidth, height=5cm, xlabel={{$x$}}, legend pos=north west,
                legend style={{font=\footnotesize}}]
    {curves}
  \end{{axis}}
\end{{tikzpicture}}\hfill
\begin{{tikzpicture}}
  \begin{{axis}}[width=0.48\linewidth, height=5cm, xlabel={{$x$}}, ylabel={{error (ulp)}}, ymin=0, ymax=2.2,
                legend pos=north west, legend style={{font=\footnotesize}}]
    {errors}
  \end{{axis}}
\end{{tikzpicture}}"""


def training_figure(epochs: int = 2000, every: int = 20) -> str:
    """MSE of note 2's network on its table, per epoch of gradient descent with the derived gradients."""
    run = train(epochs=epochs)
    idx = np.arange(0, epochs, every)
    return rf"""\begin{{tikzpicture}}
  \begin{{semilogyaxis}}[width=0.7\linewidth, height=5cm, xlabel={{epoch}}, ylabel={{mean squared error}}]
    \addplot[thick, NavyBlue] coordinates {{{_coords(idx + 1, run.losses[idx])}}};
  \end{{semilogyaxis}}
\end{{tikzpicture}}"""


def step_size_figure(x0: float = 1.0) -> str:
    """|error| of central differences and of the complex step for σ'(x0), against the step h."""
    with mpmath.workprec(200):
        s = 1 / (1 + mpmath.exp(-mpmath.mpf(x0)))
        exact = s * (1 - s)
    hs = 10.0 ** -np.arange(1.0, 16.01, 0.25)
    central, cstep = [], []
    for h in hs:
        d = (numeric.sigmoid(np.float64(x0 + h)) - numeric.sigmoid(np.float64(x0 - h))) / (2 * h)
        central.append(max(float(abs(mpmath.mpf(float(d)) - exact)), 1e-17))
        c = numeric.sigmoid(np.complex128(complex(x0, h))).imag / h
        cstep.append(max(float(abs(mpmath.mpf(float(c)) - exact)), 1e-17))
    return rf"""\begin{{tikzpicture}}
  \begin{{loglogaxis}}[width=0.7\linewidth, height=5.5cm, xlabel={{step $h$}}, ylabel={{$|$error$|$ of $\sigma'(1)$}},
                      x dir=reverse, legend pos=north west, legend style={{font=\footnotesize}}]
    \addplot[thick, mark=*, mark size=1pt, BurntOrange] coordinates {{{_coords(hs, np.array(central))}}};
    \addlegendentry{{central difference}}
    \addplot[thick, mark=square*, mark size=1pt, NavyBlue] coordinates {{{_coords(hs, np.array(cstep))}}};
    \addlegendentry{{complex step}}
  \end{{loglogaxis}}
\end{{tikzpicture}}"""

"""Class-conditional marginals of the «В один клик» features, joined by a Gaussian copula.

Every numeric column is drawn the same way. Each class (stable, declining) has its own marginal: a
mixture of normals on the column's grid (integers, tenths, hundredths), shifted until its mean is
the class mean of the real file. Clients are placed on that marginal by a uniform that comes from
latent normals: a per-client *engagement* factor (pages, minutes, categories, marketing) and a
*spend* factor (the three months of revenue). Pinning the marginals keeps the class means, ranges
and discreteness of the real data; the latent factors give the within-class correlation that makes
the classes only as separable as the real ones (among the real decliners, about a fifth still
browse like stable clients).
"""

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

STABLE, DECLINE = 0, 1


@dataclass(frozen=True)
class Shape:
    """One class's marginal: mixture parts `(weight, offset from the centre, sd)`, centred so the
    mean over the grid is `mean`."""

    mean: float
    parts: tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class Feature:
    """A numeric column: its grid `(low, high, decimals)`, a shape per class and the loadings
    `(stable, declining)` of its copula normal on the engagement and spend factors."""

    column: str
    grid: tuple[float, float, int]
    stable: Shape
    decline: Shape
    engagement: tuple[float, float] = (0.0, 0.0)
    spend: tuple[float, float] = (0.0, 0.0)


def _one(mean: float, sd: float) -> Shape:
    """A single-normal shape, the common case."""
    return Shape(mean, ((1.0, 0.0, sd),))


# Means of the README's class table where it has one, otherwise measured on the labelled real rows.
# Declining pages and minutes have a tail of clients who still browse a lot; marketing has a tail of
# barely-contacted clients; promo purchases are bimodal (≈0.2 and ≈0.94) with more of the high mode
# among decliners.
FEATURES: tuple[Feature, ...] = (
    Feature(
        "Маркет_актив_6_мес",
        (0.9, 6.6, 1),
        _one(4.57, 0.85),
        Shape(3.74, ((0.9, 0.0, 0.85), (0.1, -2.1, 0.5))),
        engagement=(0.0, 0.4),
    ),
    Feature("Маркет_актив_тек_мес", (3, 5, 0), _one(4.0, 0.8), _one(4.02, 0.8)),
    Feature("Длительность", (110, 1079, 0), _one(586.0, 300.0), _one(620.0, 290.0)),
    Feature(
        "Акционные_покупки",
        (0.11, 0.99, 2),
        Shape(0.238, ((0.96, 0.0, 0.063), (0.035, 0.73, 0.03), (0.005, 0.4, 0.08))),
        Shape(0.451, ((0.73, 0.0, 0.075), (0.26, 0.67, 0.03), (0.01, 0.35, 0.1))),
        engagement=(0.0, -0.45),
    ),
    Feature(
        "Средний_просмотр_категорий_за_визит",
        (1, 6, 0),
        _one(3.67, 1.4),
        _one(2.63, 1.35),
        engagement=(0.05, 0.4),
    ),
    Feature(
        "Неоплаченные_продукты_штук_квартал",
        (0, 10, 0),
        _one(2.29, 1.6),
        _one(3.72, 2.4),
        engagement=(0.15, -0.4),
    ),
    Feature("Ошибка_сервиса", (0, 9, 0), _one(4.34, 2.0), _one(3.99, 1.9), engagement=(0.0, 0.2)),
    Feature(
        "Страниц_за_визит",
        (1, 20, 0),
        _one(9.80, 3.3),
        Shape(5.57, ((0.78, 0.0, 1.8), (0.22, 6.5, 3.2))),
        engagement=(0.15, 0.75),
    ),
    Feature(
        "минут_текущий",
        (4, 23, 0),
        _one(14.6, 4.3),
        Shape(10.95, ((0.82, 0.0, 2.6), (0.18, 6.5, 3.0))),
        engagement=(0.1, 0.75),
    ),
    Feature(
        "минут_предыдущий",
        (5, 23, 0),
        _one(15.0, 3.3),
        Shape(10.95, ((0.82, 0.0, 2.6), (0.18, 6.0, 3.0))),
        engagement=(0.05, 0.75),
    ),
    Feature(
        "выручка_препредыдущий",
        (4098, 5663, 0),
        _one(4926.0, 313.0),
        _one(4668.0, 285.0),
        engagement=(0.0, 0.55),
        spend=(0.35, 0.3),
    ),
    Feature(
        "выручка_предыдущий",
        (2890, 6869, 0),
        _one(4952.0, 620.0),
        _one(4919.0, 814.0),
        spend=(0.95, 0.95),
    ),
    Feature(
        "выручка_текущий",
        (2758.7, 7799.4, 1),
        _one(5240.0, 782.0),
        _one(5298.0, 886.0),
        spend=(0.85, 0.9),
    ),
    Feature("Прибыль", (0.86, 7.43, 2), _one(4.0, 1.0), _one(4.0, 1.0)),
)


def _grid_values(grid: tuple[float, float, int]) -> np.ndarray:
    """The support of a column, rounded so that values print exactly like the real file."""
    low, high, decimals = grid
    step = 10.0**-decimals
    count = round((high - low) / step) + 1
    return np.round(low + step * np.arange(count), decimals)


def _mixture(x: np.ndarray, centre: float, parts: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """Unnormalised weights of a normal mixture at the grid points."""
    return sum(w * np.exp(-0.5 * ((x - centre - off) / sd) ** 2) / sd for w, off, sd in parts)


@lru_cache(maxsize=64)
def marginal(grid: tuple[float, float, int], shape: Shape) -> tuple[np.ndarray, np.ndarray]:
    """Grid values and their cumulative probabilities, with the centre found by bisection so the
    discrete (truncated) mean is the target mean rather than drifting towards the grid's middle.

    The centre is kept where every part's peak is on the grid: further out, a far part would take
    over the truncated mass and the mean would stop growing with the centre.
    """
    x = _grid_values(grid)
    offsets = [offset for _, offset, _ in shape.parts]
    low, high = x[0] - min(0.0, *offsets), x[-1] - max(0.0, *offsets)
    for _ in range(60):
        centre = (low + high) / 2
        w = _mixture(x, centre, shape.parts)
        mean = float((x * w).sum() / w.sum())
        low, high = (centre, high) if mean < shape.mean else (low, centre)
    if abs(mean - shape.mean) > 1e-6 * max(1.0, abs(shape.mean)):
        raise ValueError(f"{shape} cannot reach mean {shape.mean} on grid {grid}; got {mean:.4g}")
    cdf = np.cumsum(w) / w.sum()
    cdf[-1] = 1.0
    return x, cdf


_erf = np.vectorize(math.erf, otypes=[float])


def _copula_uniform(
    rng: np.random.Generator,
    label: np.ndarray,
    factors: tuple[np.ndarray, np.ndarray],
    feature: Feature,
) -> np.ndarray:
    """Uniforms whose normal scores load on the class's engagement and spend factors."""
    engagement, spend = factors
    a = np.asarray(feature.engagement)[label]
    b = np.asarray(feature.spend)[label]
    score = a * engagement + b * spend + np.sqrt(1 - a**2 - b**2) * rng.standard_normal(label.size)
    return 0.5 * (1.0 + _erf(score / math.sqrt(2.0)))


def draw_features(rng: np.random.Generator, label: np.ndarray) -> dict[str, np.ndarray]:
    """Draw every numeric feature for clients with the given labels (0 stable, 1 declining)."""
    factors = (rng.standard_normal(label.size), rng.standard_normal(label.size))
    out: dict[str, np.ndarray] = {}
    for feature in FEATURES:
        u = _copula_uniform(rng, label, factors, feature)
        values = np.empty(label.size)
        for cls, shape in ((STABLE, feature.stable), (DECLINE, feature.decline)):
            x, cdf = marginal(feature.grid, shape)
            mask = label == cls
            values[mask] = x[np.minimum(np.searchsorted(cdf, u[mask]), x.size - 1)]
        out[feature.column] = values
    return out

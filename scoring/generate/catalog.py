"""A product catalog shaped like the real one: a category tree and retail prices.

PROFILE.md 1.4: `category_ids` lists ids from the root to the leaf (mostly four levels, some three after the
tree changed), roots 4, 5562, 2, 6060, 5963 with the shares below, about 930 distinct paths whose head is
known, 3.4% of rows with `[]` or `[None]`, and prices with "x99" retail endings, a median near 990 and a
long tail to 85,499.
"""

from dataclasses import dataclass

import numpy as np

# Root id -> (share of rows, level-2 children with weights, price level of the root's items).
ROOTS = {
    "4": (0.577, {"28": 53.6, "27": 7.2, "31": 5.6, "29": 3.3, "44": 2.0, "30": 1.5}, 1.0),
    "5562": (0.238, {"5630": 6.5, "5631": 5.5, "5589": 4.0, "5633": 3.6, "5634": 1.5}, 0.8),
    "2": (0.141, {"18": 16.0, "17": 1.2}, 1.25),
    "6060": (0.039, {"6058": 3.4, "6059": 0.6}, 0.7),
    "5963": (0.0066, {"5959": 1.0}, 0.6),
}
# The most frequent real paths and their share of distinct rows (PROFILE.md 1.4).
HEAD_PATHS = {
    ("4", "28", "57", "431"): 0.048,
    ("4", "28", "244", "432"): 0.037,
    ("4", "28", "260", "420"): 0.034,
    ("4", "28", "275", "421"): 0.026,
    ("2", "18", "258", "441"): 0.025,
    ("4", "28", "62", "657"): 0.022,
    ("4", "28", "124", "415"): 0.021,
    ("4", "28", "62", "656"): 0.019,
    ("4", "28", "275", "673"): 0.018,
}
EMPTY_SHARE = {"[]": 0.0276, "[None]": 0.0063}
N_TAIL_PATHS = 920
SHORT_PATH_SHARE = 0.03  # three-level paths: the tree changed over time
LONG_PATH_SHARE = 0.004  # five-level paths occur too


@dataclass(frozen=True)
class Catalog:
    """Category paths (as the CSV writes them), their root, popularity and typical price."""

    paths: np.ndarray  # str, e.g. "['4', '28', '57', '431']"; index 0 and 1 are "[]" and "[None]"
    root: np.ndarray  # int, index into ROOT_NAMES; -1 for the empty paths
    weight: np.ndarray  # float, sums to 1 over all paths
    base_price: np.ndarray  # float


ROOT_NAMES = list(ROOTS)


def _fmt(path: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{p}'" for p in path) + "]"


def _tail_paths(rng: np.random.Generator, used: set[str]) -> list[tuple[str, ...]]:
    """Synthetic level-3 and leaf ids under the real roots and level-2 nodes."""
    out: list[tuple[str, ...]] = []
    root_w = np.array([ROOTS[r][0] for r in ROOT_NAMES])
    next_id = 300
    while len(out) < N_TAIL_PATHS:
        r = ROOT_NAMES[rng.choice(len(ROOT_NAMES), p=root_w / root_w.sum())]
        kids = ROOTS[r][1]
        k = list(kids)[rng.choice(len(kids), p=np.array(list(kids.values())) / sum(kids.values()))]
        mid, leaf = str(next_id + rng.integers(0, 40)), str(400 + rng.integers(0, 1300))
        next_id += 1
        path: tuple[str, ...] = (r, k, mid, leaf)
        u = rng.random()
        if u < SHORT_PATH_SHARE:
            path = (r, mid, leaf)
        elif u < SHORT_PATH_SHARE + LONG_PATH_SHARE:
            path = (r, k, mid, leaf, str(1500 + rng.integers(0, 200)))
        if _fmt(path) not in used:
            used.add(_fmt(path))
            out.append(path)
    return out


def build_catalog(rng: np.random.Generator) -> Catalog:
    """The category tree with Zipf-like popularity below the known head."""
    head = list(HEAD_PATHS)
    tail = _tail_paths(rng, {_fmt(p) for p in head})
    head_w = np.array(list(HEAD_PATHS.values()))
    tail_raw = 1.0 / np.arange(1, len(tail) + 1) ** 0.9
    rng.shuffle(tail_raw)
    tail_root_share = np.array([ROOTS[p[0]][0] for p in tail])
    tail_raw *= tail_root_share
    empty_w = np.array(list(EMPTY_SHARE.values()))
    tail_w = tail_raw / tail_raw.sum() * (1.0 - head_w.sum() - empty_w.sum())
    all_paths = head + tail
    base = _base_prices(rng, all_paths, head_w, tail_w)
    return Catalog(
        paths=np.array(list(EMPTY_SHARE) + [_fmt(p) for p in all_paths]),
        root=np.concatenate([[-1, -1], [ROOT_NAMES.index(p[0]) for p in all_paths]]),
        weight=np.concatenate([empty_w, head_w, tail_w]),
        base_price=np.concatenate([[900.0, 900.0], base]),
    )


MAIN_PRICE, CHEAP_PRICE = 1550.0, 210.0  # medians of clothing and of accessories
CHEAP_ROW_SHARE = 0.30  # cheap items (socks, accessories) give prices their long lower tail
LUXURY_P = 0.0005  # the odd coat or suit at ten times the usual price


def _base_prices(rng, paths, head_w: np.ndarray, tail_w: np.ndarray) -> np.ndarray:
    """Typical price per path: the known head paths are clothing, the tail mixes in accessories."""
    level = np.array([ROOTS[p[0]][2] for p in paths])
    # In each root, mark tail paths cheap in a random order until they carry CHEAP_ROW_SHARE of the
    # root's rows, so price quantiles do not hinge on whether the seed made a popular path cheap.
    roots = np.array([p[0] for p in paths])
    weight = np.concatenate([head_w, tail_w])
    cheap = np.zeros(len(paths), bool)
    for r in ROOTS:
        tail = np.flatnonzero(roots[len(head_w) :] == r) + len(head_w)
        room = CHEAP_ROW_SHARE * weight[roots == r].sum()
        for i in rng.permutation(tail):
            if weight[i] <= room:
                cheap[i], room = True, room - weight[i]
    main = rng.lognormal(np.log(MAIN_PRICE), 0.25, len(paths))
    return level * np.where(cheap, rng.lognormal(np.log(CHEAP_PRICE), 0.6, len(paths)), main)


def _retail_grid() -> np.ndarray:
    small = np.arange(49, 1000, 50)
    mid = np.arange(1099, 10000, 100)
    large = np.arange(10499, 85500, 500)
    return np.concatenate([small, mid, large]).astype(float)


RETAIL_GRID = _retail_grid()
CHEAP_PRICES = np.array([1.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0, 20.0])


def retail_prices(rng: np.random.Generator, raw: np.ndarray) -> np.ndarray:
    """Snap raw prices to "x99" shelf prices; some are discounted to odd values, a few are tiny."""
    raw = np.where(rng.random(len(raw)) < LUXURY_P, raw * rng.lognormal(np.log(15), 0.5, len(raw)), raw)
    idx = np.clip(np.searchsorted(RETAIL_GRID, raw), 0, len(RETAIL_GRID) - 1)
    shelf = RETAIL_GRID[idx]
    discounted = np.maximum(1.0, np.round(shelf * rng.uniform(0.5, 0.9, len(raw))))
    u = rng.random(len(raw))
    price = np.where(u < 0.35, discounted, shelf)
    return np.where(u > 0.9985, rng.choice(CHEAP_PRICES, len(raw)), price)

"""What an order contains: items, their categories and prices, and the repeated rows of the real file.

PROFILE.md 1.4: about 2.1 distinct rows per order, quantity 1 in 99.6% of rows, 36% of rows exact
repeats of another (the same item bought again in one order), and 3.4% of rows with no category.
"""

from dataclasses import dataclass

import numpy as np

from scoring.generate.apparel_clients import ApparelParams, Clients
from scoring.generate.catalog import Catalog, retail_prices

OWN_ROOT_P = 0.75  # share of items from the client's favourite top-level category
QUANTITIES = np.array([1, 2, 3, 4, 5, 6, 10, 15, 20, 25])
QUANTITY_P = np.array([0.99355, 0.0055, 0.00067, 0.0001, 0.00003, 0.00003, 0.00003, 0.00003,
                       0.00002, 0.00002])  # fmt: skip


@dataclass(frozen=True)
class Orders:
    """Purchase rows of one day (duplicates included), in the order they are written."""

    client: np.ndarray
    msg: np.ndarray
    path: np.ndarray
    price: np.ndarray
    quantity: np.ndarray
    day: int


def _categories(rng: np.random.Generator, cat: Catalog, root_pref: np.ndarray) -> np.ndarray:
    n = len(root_pref)
    w_all = cat.weight[2:] / cat.weight[2:].sum()
    out = 2 + rng.choice(len(cat.paths) - 2, n, p=w_all)
    own = rng.random(n) < OWN_ROOT_P
    for r in np.unique(root_pref[own]):
        mask = own & (root_pref == r)
        in_root = np.flatnonzero(cat.root == r)
        w = cat.weight[in_root]
        out[mask] = in_root[rng.choice(len(in_root), int(mask.sum()), p=w / w.sum())]
    empty = rng.random(n) < cat.weight[:2].sum()
    out[empty] = rng.choice(2, int(empty.sum()), p=cat.weight[:2] / cat.weight[:2].sum())
    return out


def draw_orders(
    rng: np.random.Generator, c: Clients, cat: Catalog, buyers: np.ndarray, msg: np.ndarray,
    day: int, p: ApparelParams,
) -> Orders:  # fmt: skip
    """The rows of today's orders, one order per buyer, written in client-id order."""
    order = np.argsort(c.client_id[buyers], kind="stable")
    buyers, msg = buyers[order], msg[order]
    items = 1 + rng.poisson(c.basket[buyers])
    cli = np.repeat(buyers, items)
    m = np.repeat(msg, items)
    path = _categories(rng, cat, c.root_pref[cli])
    raw = cat.base_price[path] * c.price_mult[cli] * rng.lognormal(0.0, 0.38, len(cli))
    price = retail_prices(rng, raw)
    qty = rng.choice(QUANTITIES, len(cli), p=QUANTITY_P / QUANTITY_P.sum())
    copies = 1 + np.where(rng.random(len(cli)) < p.duplicate_row_share, rng.geometric(0.55, len(cli)), 0)
    idx = np.repeat(np.arange(len(cli)), copies)
    return Orders(cli[idx], m[idx], path[idx], price[idx], qty[idx], day)

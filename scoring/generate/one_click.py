"""Synthetic «В один клик» data: four files in the exact shape, order and quirks of the real ones.

The label is drawn first; every feature is then drawn from its class-conditional distribution
(`one_click_marginals`), so the generated set is about as separable as the real one. Row order,
number formats and the known defects of the published files (typos, zero-revenue clients, a revenue
outlier, duplicated rows) are reproduced on purpose: the staging layer must meet and fix them here
before it meets them in the real files.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from scoring.generate.one_click_marginals import DECLINE, draw_features
from scoring.generate.one_click_write import write_one_click

FIRST_ID = 215348
LABEL, SERVICE, ALLOW = "Покупательская активность", "Тип сервиса", "Разрешить сообщать"
LABELS = ("Прежний уровень", "Снизилась")
DECLINE_SHARE = 498 / 1300
MIN_CLIENTS = 300  # below this the quirk rows of the real layout may not fit in the label blocks

# Category -> (clients in the real file, share of «Снизилась»), from the README, spelled as
# published; P(category | class) follows by Bayes. Service type and messaging likewise.
CATEGORIES = {
    "Товары для детей": (330, 0.442),
    "Домашний текстиль": (251, 0.406),
    "Косметика и аксесуары": (223, 0.471),
    "Техника для красоты и здоровья": (184, 0.283),
    "Мелкая бытовая техника и электроника": (174, 0.155),
    "Кухонная посуда": (138, 0.478),
}
SERVICES = {"премиум": (376, 0.452), "стандарт": (924, 0.349)}
ALLOWS = {"да": (962, 0.386), "нет": (338, 0.376)}

MARKET_FILE_COLUMNS = (
    "id", LABEL, SERVICE, ALLOW, "Маркет_актив_6_мес", "Маркет_актив_тек_мес", "Длительность",
    "Акционные_покупки", "Популярная_категория", "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал", "Ошибка_сервиса", "Страниц_за_визит",
)  # fmt: skip
INTEGER_COLUMNS = (
    "Маркет_актив_тек_мес", "Длительность", "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал", "Ошибка_сервиса", "Страниц_за_визит",
)  # fmt: skip


@dataclass(frozen=True)
class PeriodOrder:
    """How a long file lists each client's periods.

    The real market_money lists a client's three months in one of six orders (`counts` clients
    each), market_time its two months in either order, and consecutive clients often share an
    order; `repeat` reproduces the real share of neighbours with the same order.
    """

    periods: tuple[str, ...]
    orders: tuple[tuple[int, ...], ...]  # indices into `periods`
    counts: tuple[int, ...]
    repeat: float


MONEY_ORDER = PeriodOrder(
    periods=("препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц"),
    orders=((2, 0, 1), (0, 1, 2), (1, 2, 0), (1, 0, 2), (2, 1, 0), (0, 2, 1)),
    counts=(314, 298, 288, 145, 132, 123),
    repeat=0.27,
)
TIME_ORDER = PeriodOrder(
    periods=("текущий_месяц", "предыдцщий_месяц"),  # the typo is the real file's
    orders=((0, 1), (1, 0)),
    counts=(677, 623),
    repeat=0.17,
)

OUTLIER_REVENUE = 106862.2  # current month of one declining client; next largest is ~7800


@dataclass(frozen=True)
class Layout:
    """Where the labels and quirk rows sit, by row position.

    The real file is sorted in label blocks: ~400 «Снизилась», then alternating blocks of ~49
    (stable, declining, stable, declining), then the rest stable. The quirks sit at fixed places in
    those blocks, and the generator puts them at the same places.
    """

    label: np.ndarray  # 1 = «Снизилась»
    zero_revenue: tuple[int, ...]
    outlier: int
    typos: tuple[int, ...]
    duplicate_from: np.ndarray
    duplicate_to: np.ndarray


def label_layout(rng: np.random.Generator, n_clients: int) -> Layout:
    """Draw the number of declining clients, then lay labels and quirks out like the real file."""
    n_decline = int(rng.binomial(n_clients, DECLINE_SHARE))
    block = round(0.0375 * n_clients)
    first = n_decline - 2 * block
    sizes = (first, block, block, block, block, n_clients - n_decline - 2 * block)
    label = np.repeat(np.array([1, 0, 1, 0, 1, 0]), sizes)
    duplicate_to = first + 3 * block + np.arange(min(11, block))
    layout = Layout(
        label=label,
        zero_revenue=(0, 9, 11),
        outlier=32,
        typos=(*range(2, 11), first),
        duplicate_from=duplicate_to - round(210 / 1300 * n_clients),
        duplicate_to=duplicate_to,
    )
    _check_layout(layout)
    return layout


def _check_layout(layout: Layout) -> None:
    """The real quirk clients are distinct and all «Снизилась»; refuse a layout where they are not
    rather than write data whose quirks silently mean something else."""
    rows = [*layout.zero_revenue, layout.outlier, *layout.duplicate_from, *layout.duplicate_to]
    if len(set(rows)) != len(rows) or min(rows) < 0 or not layout.label[rows].all():
        raise ValueError(
            f"the quirk rows do not fit {layout.label.size} clients; use n_clients >= {MIN_CLIENTS}"
        )


def _category_draw(rng: np.random.Generator, label: np.ndarray, table: dict) -> np.ndarray:
    """Draw a categorical column from P(value | class), derived from the README's counts and
    decline shares by Bayes' rule."""
    names = np.asarray(list(table), dtype=object)
    counts = np.array([table[k][0] for k in names], dtype=float)
    decline = counts * np.array([table[k][1] for k in names])
    stable = counts - decline
    return np.where(
        label == DECLINE,
        rng.choice(names, size=label.size, p=decline / decline.sum()),
        rng.choice(names, size=label.size, p=stable / stable.sum()),
    )


def _sticky_orders(rng: np.random.Generator, n: int, spec: PeriodOrder) -> np.ndarray:
    """Per client, the order of its periods: a fresh draw or, with probability `repeat`, the
    previous client's."""
    p = np.asarray(spec.counts, dtype=float) / sum(spec.counts)
    fresh = rng.choice(len(spec.counts), size=n, p=p)
    keep = rng.random(n) < spec.repeat
    keep[0] = False
    source = np.maximum.accumulate(np.where(keep, 0, np.arange(n)))
    return np.asarray(spec.orders)[fresh[source]]


def _long_table(
    rng: np.random.Generator, ids: np.ndarray, values: np.ndarray, spec: PeriodOrder, name: str
) -> pl.DataFrame:
    """One row per (client, period) from a clients x periods array, in each client's order."""
    order = _sticky_orders(rng, ids.size, spec)
    return pl.DataFrame(
        {
            "id": np.repeat(ids, len(spec.periods)),
            "Период": np.asarray(spec.periods)[order].ravel(),
            name: values[np.arange(ids.size)[:, None], order].ravel(),
        }
    )


def _apply_quirks(rng: np.random.Generator, layout: Layout, cols: dict[str, np.ndarray]) -> None:
    """Plant the real file's defects in place (the duplicates are planted last, after the rest)."""
    zero = list(layout.zero_revenue)
    cols["выручка_препредыдущий"][zero] = 0.0
    cols["выручка_предыдущий"][zero] = 0.0
    cols["Акционные_покупки"][zero] = 0.0  # new clients with nothing bought on promotion yet
    cols["Длительность"][zero] = rng.integers(110, 161, size=len(zero))
    cols["выручка_текущий"][layout.outlier] = OUTLIER_REVENUE
    cols[SERVICE][list(layout.typos)] = "стандартт"
    for name, values in cols.items():
        if name != "Прибыль":  # the real duplicates differ in profit only
            values[layout.duplicate_to] = values[layout.duplicate_from]


def _blank_labels(rng: np.random.Generator, layout: Layout, n_unlabelled: int) -> np.ndarray:
    """Pick the clients whose label is hidden, never a quirk client (those are labelled in the
    real file, so tests and notebooks can rely on their class)."""
    n = layout.label.size
    protected = {*layout.zero_revenue, layout.outlier, *layout.duplicate_from}
    protected |= set(layout.duplicate_to.tolist())
    candidates = np.setdiff1d(np.arange(n), np.fromiter(protected, dtype=int))
    if not 0 <= n_unlabelled <= candidates.size:
        raise ValueError(f"n_unlabelled must be between 0 and {candidates.size}, got {n_unlabelled}")
    return np.sort(rng.choice(candidates, size=n_unlabelled, replace=False))


def _client_columns(rng: np.random.Generator, layout: Layout) -> dict[str, np.ndarray]:
    """All per-client values, features drawn given the label."""
    label = layout.label
    cols: dict[str, np.ndarray] = {LABEL: np.asarray(LABELS, dtype=object)[label]}
    cols[SERVICE] = _category_draw(rng, label, SERVICES)
    cols[ALLOW] = _category_draw(rng, label, ALLOWS)
    cols["Популярная_категория"] = _category_draw(rng, label, CATEGORIES)
    cols |= draw_features(rng, label)
    # A third of the previous month's revenues end in .5 in the real file, none in other decimals.
    cols["выручка_предыдущий"] += 0.5 * (rng.random(label.size) < 1 / 3)
    return cols


def simulate_one_click(
    rng: np.random.Generator, n_clients: int = 1300, n_unlabelled: int = 260
) -> dict[str, pl.DataFrame]:
    """Build the four tables (keys: file stems) for `n_clients` clients, `n_unlabelled` of them
    with a blank label. Pure: all randomness comes from `rng`."""
    if n_clients < MIN_CLIENTS:
        raise ValueError(f"n_clients must be at least {MIN_CLIENTS}, got {n_clients}")
    layout = label_layout(rng, n_clients)
    cols = _client_columns(rng, layout)
    _apply_quirks(rng, layout, cols)
    cols[LABEL][_blank_labels(rng, layout, n_unlabelled)] = None
    ids = FIRST_ID + np.arange(n_clients)
    market_file = pl.DataFrame({"id": ids} | {c: cols[c] for c in MARKET_FILE_COLUMNS[1:]})
    market_file = market_file.with_columns(pl.col(INTEGER_COLUMNS).cast(pl.Int64))
    months = ("препредыдущий", "предыдущий", "текущий")  # MONEY_ORDER.periods
    revenue = np.column_stack([cols[f"выручка_{month}"] for month in months])
    minutes = np.column_stack([cols["минут_текущий"], cols["минут_предыдущий"]]).astype(np.int64)
    return {
        "market_file": market_file,
        "market_money": _long_table(rng, ids, revenue, MONEY_ORDER, "Выручка"),
        "market_time": _long_table(rng, ids, minutes, TIME_ORDER, "минут"),
        "money": pl.DataFrame({"id": ids, "Прибыль": cols["Прибыль"]}),
    }


def generate_one_click(
    out_dir: Path, seed: int = 42, n_clients: int = 1300, n_unlabelled: int = 260
) -> dict[str, Path]:
    """Write market_file.csv, market_money.csv, market_time.csv, money.csv into out_dir;
    return name -> path (names are the file stems, e.g. "market_file")."""
    frames = simulate_one_click(np.random.default_rng(seed), n_clients, n_unlabelled)
    return write_one_click(frames, Path(out_dir))

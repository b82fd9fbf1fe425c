"""The generated «В один клик» files must read, look and behave like the real ones.

Format tests compare with the real files in ../shared/data/one_click when they are there (and are
skipped otherwise); behaviour tests compare with the numbers published in that folder's README.
"""

import itertools
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scoring.generate.one_click import generate_one_click, simulate_one_click

REAL_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "one_click"
needs_real = pytest.mark.skipif(not REAL_DIR.exists(), reason="../shared/data/one_click is absent")
FILES = ("market_file", "market_money", "market_time", "money")
LABEL = "Покупательская активность"
HEADERS = {
    "market_file": "id,Покупательская активность,Тип сервиса,Разрешить сообщать,"
    "Маркет_актив_6_мес,Маркет_актив_тек_мес,Длительность,Акционные_покупки,"
    "Популярная_категория,Средний_просмотр_категорий_за_визит,"
    "Неоплаченные_продукты_штук_квартал,Ошибка_сервиса,Страниц_за_визит",
    "market_money": "id,Период,Выручка",
    "market_time": "id,Период,минут",
    "money": "id;Прибыль",
}
# How each numeric column is written in the real files (checked against them below).
NUMBER_TEXT = {
    ("market_file", "Маркет_актив_6_мес"): r"\d\.\d",
    ("market_file", "Акционные_покупки"): r"0\.(0|\d?[1-9])",  # no trailing zeros
    ("market_file", "Длительность"): r"\d+",
    ("market_money", "Выручка"): r"\d+\.\d",
    ("market_time", "минут"): r"\d+",
    ("money", "Прибыль"): r"\d(,\d?[1-9])?",  # decimal comma, no trailing zeros
}
# README table: mean for «Прежний уровень», «Снизилась».
README_MEANS = {
    "Страниц_за_визит": (9.80, 5.57),
    "Маркет_актив_6_мес": (4.57, 3.74),
    "Акционные_покупки": (0.238, 0.451),
    "Неоплаченные_продукты_штук_квартал": (2.29, 3.72),
    "Средний_просмотр_категорий_за_визит": (3.67, 2.63),
    "минут_текущий_месяц": (14.6, 10.95),
    "минут_предыдцщий_месяц": (15.0, 10.95),
}


def read_one_click(folder: Path) -> dict[str, pl.DataFrame]:
    """Read the four files the way the README says the real ones must be read."""
    frames = {name: pl.read_csv(folder / f"{name}.csv") for name in FILES[:3]}
    frames["money"] = pl.read_csv(folder / "money.csv", separator=";", decimal_comma=True)
    return frames


def raw_lines(path: Path) -> list[str]:
    """The file's lines exactly as written (split on LF only, so a stray CR would show)."""
    return path.read_bytes().decode("utf-8").split("\n")


def client_table(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per client: market_file with minutes per period and profit joined on."""
    minutes = frames["market_time"].pivot(on="Период", index="id", values="минут")
    minutes = minutes.rename({c: f"минут_{c}" for c in minutes.columns if c != "id"})
    return frames["market_file"].join(minutes, on="id").join(frames["money"], on="id")


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("one_click")
    generate_one_click(folder, seed=42)
    return folder


@pytest.fixture(scope="module")
def frames(out_dir: Path) -> dict[str, pl.DataFrame]:
    return read_one_click(out_dir)


@pytest.fixture(scope="module")
def labelled(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return client_table(frames).filter(pl.col(LABEL).is_not_null())


def test_writes_four_utf8_lf_files_with_the_real_headers(out_dir: Path) -> None:
    for name in FILES:
        data = (out_dir / f"{name}.csv").read_bytes()
        assert b"\r" not in data and data.endswith(b"\n") and not data.startswith(b"\xef\xbb\xbf")
        assert raw_lines(out_dir / f"{name}.csv")[0] == HEADERS[name]


@pytest.mark.real_data
@needs_real
@pytest.mark.parametrize("name", FILES)
def test_headers_and_row_shape_are_those_of_the_real_files(out_dir: Path, name: str) -> None:
    real, ours = raw_lines(REAL_DIR / f"{name}.csv"), raw_lines(out_dir / f"{name}.csv")
    assert ours[0] == real[0] == HEADERS[name]
    assert len(ours) == len(real)
    sep = ";" if name == "money" else ","
    assert {line.count(sep) for line in ours[1:-1]} == {real[0].count(sep)}


@pytest.mark.parametrize(("name", "column"), list(NUMBER_TEXT))
def test_numbers_are_written_in_the_real_text_format(out_dir: Path, name: str, column: str):
    lines = raw_lines(out_dir / f"{name}.csv")
    sep = ";" if name == "money" else ","
    index = lines[0].split(sep).index(column)
    texts = [line.split(sep)[index] for line in lines[1:-1]]
    pattern = re.compile(NUMBER_TEXT[name, column])
    assert [t for t in texts if not pattern.fullmatch(t)] == []


@pytest.mark.real_data
@needs_real
@pytest.mark.parametrize(("name", "column"), list(NUMBER_TEXT))
def test_the_number_formats_checked_are_those_of_the_real_files(name: str, column: str) -> None:
    lines = raw_lines(REAL_DIR / f"{name}.csv")
    sep = ";" if name == "money" else ","
    index = lines[0].split(sep).index(column)
    pattern = re.compile(NUMBER_TEXT[name, column])
    assert all(pattern.fullmatch(line.split(sep)[index]) for line in lines[1:-1])


def test_revenue_decimals_follow_the_real_pattern_by_period(frames) -> None:
    money = frames["market_money"].with_columns(frac=(pl.col("Выручка") * 10 % 10).round(0))
    fracs = dict(money.group_by("Период").agg(pl.col("frac").unique().sort()).iter_rows())
    assert fracs["препредыдущий_месяц"] == [0.0]
    assert fracs["предыдущий_месяц"] == [0.0, 5.0]
    assert len(fracs["текущий_месяц"]) == 10


@pytest.mark.real_data
@needs_real
def test_reads_back_with_the_same_dtypes_as_the_real_files(frames) -> None:
    real = read_one_click(REAL_DIR)
    for name in FILES:
        assert frames[name].schema == real[name].schema, name


def test_reads_back_with_numeric_dtypes_and_a_string_label(frames) -> None:
    schema = frames["market_file"].schema
    assert schema[LABEL] == pl.String and schema["Маркет_актив_6_мес"] == pl.Float64
    assert schema["Страниц_за_визит"] == pl.Int64
    assert frames["money"].schema["Прибыль"] == pl.Float64
    assert frames["market_time"].schema["минут"] == pl.Int64


def test_ids_are_contiguous_from_215348_and_shared_by_all_files(frames) -> None:
    expected = list(range(215348, 215348 + 1300))
    for name in FILES:
        assert frames[name]["id"].unique(maintain_order=True).to_list() == expected, name
    assert frames["market_money"].height == 3900 and frames["market_time"].height == 2600


def _orders(long: pl.DataFrame) -> list[tuple[str, ...]]:
    return [tuple(p) for p in long.group_by("id", maintain_order=True).agg("Период")["Период"]]


@pytest.mark.parametrize(
    ("name", "periods", "n_orders", "same_as_previous"),
    [
        (
            "market_money",
            {"препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц"},
            6,
            (0.3, 0.55),
        ),
        ("market_time", {"текущий_месяц", "предыдцщий_месяц"}, 2, (0.45, 0.72)),
    ],
)
def test_periods_are_listed_per_client_in_varied_sticky_orders(
    frames, name, periods, n_orders, same_as_previous
) -> None:
    """The real files list each client's periods together, in an order that varies but often
    repeats the previous client's (41 % of neighbours in market_money, 58 % in market_time)."""
    orders = _orders(frames[name])
    assert all(set(o) == periods and len(o) == len(periods) for o in orders)
    assert len(set(orders)) == n_orders
    repeat = np.mean([a == b for a, b in itertools.pairwise(orders)])
    assert same_as_previous[0] < repeat < same_as_previous[1]


def test_blank_labels_are_empty_fields_for_exactly_n_unlabelled_clients(out_dir, frames) -> None:
    lines = raw_lines(out_dir / "market_file.csv")[1:-1]
    assert sum(line.split(",")[1] == "" for line in lines) == 260
    assert frames["market_file"][LABEL].null_count() == 260
    assert set(frames["market_file"][LABEL].drop_nulls()) == {"Прежний уровень", "Снизилась"}


@pytest.mark.real_data
@needs_real
def test_real_blank_labels_are_empty_fields_too() -> None:
    lines = raw_lines(REAL_DIR / "market_file.csv")[1:-1]
    assert sum(line.split(",")[1] == "" for line in lines) == 260


def test_plants_the_service_typo_and_keeps_the_real_spellings(frames) -> None:
    market = frames["market_file"]
    assert 8 <= (market["Тип сервиса"] == "стандартт").sum() <= 12
    assert set(market["Тип сервиса"]) == {"стандарт", "стандартт", "премиум"}
    assert "Косметика и аксесуары" in set(market["Популярная_категория"])
    assert "Косметика и аксессуары" not in set(market["Популярная_категория"])
    assert set(frames["market_money"]["Период"]) == {
        "препредыдущий_месяц",
        "предыдущий_месяц",
        "текущий_месяц",
    }
    assert set(frames["market_time"]["Период"]) == {"текущий_месяц", "предыдцщий_месяц"}


def test_three_declining_clients_have_zero_revenue_in_the_two_earlier_months(frames) -> None:
    zero = frames["market_money"].filter(pl.col("Выручка") == 0)
    assert zero.height == 6
    assert set(zero["Период"]) == {"препредыдущий_месяц", "предыдущий_месяц"}
    labels = frames["market_file"].filter(pl.col("id").is_in(zero["id"].unique()))[LABEL]
    assert labels.to_list() == ["Снизилась"] * 3


def test_one_current_month_revenue_is_the_huge_outlier(frames) -> None:
    money = frames["market_money"].sort("Выручка", descending=True)
    assert money.row(0)[1:] == ("текущий_месяц", 106862.2)
    assert money["Выручка"][1] < 9000


def test_eleven_clients_duplicate_others_on_all_features_but_not_profit(frames) -> None:
    market = frames["market_file"]
    features = [c for c in market.columns if c != "id"]
    duplicated = market.filter(market.select(features).is_duplicated())
    assert duplicated.height == 22
    assert market.height == market.unique().height  # no exact duplicates with id kept
    profit = frames["money"].filter(pl.col("id").is_in(duplicated["id"]))
    assert profit["Прибыль"].n_unique() > 11


def test_same_seed_gives_byte_identical_files(out_dir: Path, tmp_path: Path) -> None:
    paths = generate_one_click(tmp_path, seed=42)
    assert set(paths) == set(FILES)
    for name, path in paths.items():
        assert path.read_bytes() == (out_dir / f"{name}.csv").read_bytes(), name


def test_different_seed_gives_different_files(out_dir: Path, tmp_path: Path) -> None:
    paths = generate_one_click(tmp_path, seed=7)
    for name, path in paths.items():
        assert path.read_bytes() != (out_dir / f"{name}.csv").read_bytes(), name


def test_about_38_percent_of_labelled_clients_decline(labelled: pl.DataFrame) -> None:
    share = (labelled[LABEL] == "Снизилась").mean()
    assert 0.34 < share < 0.43


@pytest.mark.parametrize("column", list(README_MEANS))
def test_class_means_are_within_15_percent_of_the_readme(labelled, column: str) -> None:
    means = dict(labelled.group_by(LABEL).agg(pl.col(column).mean()).iter_rows())
    for label, expected in zip(("Прежний уровень", "Снизилась"), README_MEANS[column], strict=True):
        assert abs(means[label] / expected - 1) < 0.15, (label, means[label], expected)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (
            "Популярная_категория",
            {"Мелкая бытовая техника и электроника": 0.155, "Кухонная посуда": 0.478},
        ),
        ("Тип сервиса", {"премиум": 0.452, "стандарт": 0.349}),
        ("Разрешить сообщать", {"да": 0.386, "нет": 0.376}),
    ],
)
def test_decline_share_by_category_follows_the_readme(labelled, column: str, expected) -> None:
    shares = labelled.group_by(column).agg((pl.col(LABEL) == "Снизилась").mean().alias("s"))
    shares = dict(shares.iter_rows())
    for value, share in expected.items():
        assert abs(shares[value] - share) < 0.1, (value, shares[value], share)


def test_values_have_the_real_ranges_and_discreteness(frames) -> None:
    market, profit = frames["market_file"], frames["money"]["Прибыль"]
    assert set(market["Маркет_актив_тек_мес"]) == {3, 4, 5}
    assert market["Длительность"].min() >= 110 and market["Длительность"].max() <= 1079
    for column, low, high in [
        ("Маркет_актив_6_мес", 0.9, 6.6),
        ("Средний_просмотр_категорий_за_визит", 1, 6),
        ("Неоплаченные_продукты_штук_квартал", 0, 10),
        ("Ошибка_сервиса", 0, 9),
        ("Страниц_за_визит", 1, 20),
    ]:
        assert market[column].min() >= low and market[column].max() <= high, column
    assert frames["market_time"]["минут"].is_between(4, 23).all()
    assert profit.is_between(0.86, 7.43).all() and abs(profit.mean() - 4.0) < 0.15


def test_promo_purchases_are_bimodal(frames) -> None:
    promo = frames["market_file"]["Акционные_покупки"]
    assert 0.8 < promo.is_between(0.1, 0.4, closed="right").mean() < 0.92
    assert 0.08 < promo.is_between(0.8, 1.0, closed="right").mean() < 0.18
    assert promo.is_between(0.5, 0.8).mean() < 0.02


def test_classes_are_about_as_separable_as_the_real_data(frames, labelled) -> None:
    """Public solutions on the real data reach a cross-validated ROC-AUC of 0.90-0.925."""
    revenue = frames["market_money"].pivot(on="Период", index="id", values="Выручка")
    table = labelled.join(revenue, on="id")
    numeric = [c for c, t in table.schema.items() if t.is_numeric() and c != "id"]
    flags = table.select(pl.col("Тип сервиса") == "премиум", pl.col("Разрешить сообщать") == "да")
    x = np.hstack(
        [
            table.select(numeric).to_numpy(),
            flags.to_numpy(),
            table.select("Популярная_категория").to_dummies().to_numpy(),
        ]
    ).astype(float)
    y = (table[LABEL] == "Снизилась").to_numpy()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    auc = cross_val_score(model, x, y, cv=cv, scoring="roc_auc").mean()
    assert 0.86 < auc < 0.96


def test_simulation_returns_the_four_tables_without_writing(tmp_path: Path) -> None:
    tables = simulate_one_click(np.random.default_rng(1), n_clients=400, n_unlabelled=80)
    assert set(tables) == set(FILES) and list(tmp_path.iterdir()) == []
    assert tables["market_file"].height == 400 and tables["market_money"].height == 1200
    assert tables["market_file"][LABEL].null_count() == 80


def test_rejects_too_few_clients_and_too_many_blanks() -> None:
    with pytest.raises(ValueError, match="n_clients"):
        simulate_one_click(np.random.default_rng(0), n_clients=50, n_unlabelled=0)
    with pytest.raises(ValueError, match="n_unlabelled"):
        simulate_one_click(np.random.default_rng(0), n_clients=400, n_unlabelled=400)

"""Bad input files: each stops the build before anything runs, with the file, the line or column and what
to do, and leaves the warehouse exactly as it was."""

import csv
import gzip
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from scoring.build.full_build import build_features
from scoring.cli import main
from scoring.errors import FeatureBuildError, InputCheckFailed
from scoring.settings import Settings
from scoring.store.atomic import building_path
from tests.robustness.conftest import digest

PURCHASES, MESSAGES, TARGET = "apparel-purchases", "apparel-messages", "apparel-target_binary"
DAILY = "full_campaign_daily_event"


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_value(line: int, column: str, value: str) -> Callable[[Path, Path], None]:
    """Write the file with one value changed; `line` is 1-based as an editor shows it (-N: N from the end)."""

    def write(good: Path, out: Path) -> None:
        rows = _rows(good)
        rows[line - 1 if line > 0 else line][rows[0].index(column)] = value
        _write(out, rows)

    return write


def lines_of(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


def rewrite(change: Callable[[list[list[str]]], list[list[str]]]) -> Callable[[Path, Path], None]:
    def write(good: Path, out: Path) -> None:
        _write(out, change(_rows(good)))

    return write


def raw_bytes(change: Callable[[bytes], bytes]) -> Callable[[Path, Path], None]:
    def write(good: Path, out: Path) -> None:
        out.write_bytes(change(good.read_bytes()))

    return write


def _replace_line(data: bytes, line: int, new: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[line - 1] = new
    return b"\n".join(lines)


def _daily_event(good: Path, out: Path) -> None:
    """An optional campaign file whose line 3 has a negative count."""
    from scoring.build.checks.apparel import DAILY_EVENT

    header = list(DAILY_EVENT.names)
    rows = [[f"2023-01-0{d}", str(100 + d)] + ["0"] * (len(header) - 2) for d in range(1, 4)]
    rows[1][header.index("count_open")] = "-4"
    _write(out, [header, *rows])


@dataclass(frozen=True)
class Case:
    id: str
    stem: str
    write: Callable[[Path, Path], None]
    expected: tuple[str, ...]  # every string must be in the error
    suffix: str = ".csv"


CASES = [
    Case("empty file", PURCHASES, raw_bytes(lambda b: b""),
         ("apparel/apparel-purchases.csv, line 1", "is empty (0 bytes)", "export the file again")),
    Case("header but no rows", TARGET, raw_bytes(lambda b: b.split(b"\n")[0] + b"\n"),
         ("apparel/apparel-target_binary.csv, line 2", "no data rows", "export the file again")),
    Case("semicolon separator", PURCHASES, raw_bytes(lambda b: b.replace(b",", b";")),
         ("apparel-purchases.csv, line 1", "separated by ';', not ','", "save it with ','")),
    Case("missing column", TARGET, rewrite(lambda rows: [r[:1] for r in rows]),
         ("apparel-target_binary.csv, line 1", "lacks the columns target", "client_id, target")),
    Case("columns reordered", TARGET, rewrite(lambda rows: [r[::-1] for r in rows]),
         ("line 1", "in the order target, client_id", "must be exactly: client_id, target (in this order)")),
    Case("extra column", TARGET, rewrite(lambda rows: [[*r, "x"] for r in rows]),
         ("line 1", "has unexpected columns x",)),
    Case("no header", TARGET, rewrite(lambda rows: rows[1:]),
         ("apparel-target_binary.csv, line 1", "has no header line")),
    Case("utf-16 file", TARGET, raw_bytes(lambda b: b.decode().encode("utf-16")),
         ("apparel-target_binary.csv, line 1", "is not UTF-8", "save the file as UTF-8")),
    Case("latin-1 byte in a row", PURCHASES, raw_bytes(lambda b: _replace_line(
        b, 7, b"1515915625468060902,1,999.0,\"['4', '28\xe9']\",2023-01-05,1-2-62609b7b00965")),
         ("apparel-purchases.csv, line 7", "is not UTF-8", "save the file as UTF-8")),
    Case("row with an extra field", PURCHASES, raw_bytes(lambda b: _replace_line(
        b, 9, b"1515915625468060902,1,999.0,\"['4']\",2023-01-05,1-2-62609b7b00965,extra")),
         ("apparel-purchases.csv, line 9", "different number of fields", "check the separator")),
    Case("id in scientific notation", PURCHASES, set_value(12, "client_id", "1.515915625468e+18"),
         ("apparel-purchases.csv, line 12, column client_id", "1 values are not ids",
          "'1.515915625468e+18'", "went through a float", "dtype={'client_id': str}")),
    Case("id as a float", TARGET, set_value(5, "client_id", "1515915625468060902.0"),
         ("apparel-target_binary.csv, line 5, column client_id", "are not ids", "went through a float")),
    Case("id with letters, near the end of a big file", MESSAGES, set_value(-3, "client_id", "15159x"),
         ("apparel-messages.csv, line {n-2}, column client_id", "'15159x'", "write ids as integers")),
    Case("empty id", TARGET, set_value(4, "client_id", ""),
         ("apparel-target_binary.csv, line 4, column client_id", "1 values are empty", "fill in the value")),
    Case("negative quantity", PURCHASES, set_value(3, "quantity", "-1"),
         ("line 3, column quantity", "outside 1..1000 units", "negative or too large")),
    Case("absurd quantity", PURCHASES, set_value(20, "quantity", "250000"),
         ("line 20, column quantity", "outside 1..1000 units", "'250000'")),
    Case("fractional quantity", PURCHASES, set_value(6, "quantity", "1.5"),
         ("line 6, column quantity", "are not whole numbers", "'1.5'")),
    Case("negative price", PURCHASES, set_value(8, "price", "-1999.0"),
         ("line 8, column price", "outside 0..1e+06 roubles", "negative or too large")),
    Case("absurd price", PURCHASES, set_value(10, "price", "199900000.0"),
         ("line 10, column price", "outside 0..1e+06", "'199900000.0'")),
    Case("decimal comma price", PURCHASES, set_value(11, "price", "1999,5"),
         ("line 11, column price", "not numbers with '.' as the decimal mark", "'1999,5'")),
    Case("day-first date", PURCHASES, set_value(4, "date", "16.02.2024"),
         ("line 4, column date", "not dates written YYYY-MM-DD", "e.g. 2024-02-16")),
    Case("date before 2000", PURCHASES, set_value(5, "date", "1970-01-01"),
         ("line 5, column date", "before 2000-01-01 or after today", "'1970-01-01'")),
    Case("date in the future", MESSAGES, set_value(30, "date", "2099-01-01"),
         ("apparel-messages.csv, line 30, column date", "after today")),
    Case("time without seconds", MESSAGES, set_value(40, "created_at", "2022-05-19 16:17"),
         ("line 40, column created_at", "YYYY-MM-DD HH:MM:SS", "'2022-05-19 16:17'")),
    Case("ISO time with a T", MESSAGES, set_value(41, "created_at", "2022-05-19T16:17:05"),
         ("line 41, column created_at", "YYYY-MM-DD HH:MM:SS", "'2022-05-19T16:17:05'")),
    Case("unknown event", MESSAGES, set_value(50, "event", "clicked"),
         ("line 50, column event", "not one of send, open, click", "'clicked'", "map them to a known value")),
    Case("unknown channel", MESSAGES, set_value(-3, "channel", "sms"),
         ("line {n-2}, column channel", "not one of email, mobile_push", "'sms'")),
    Case("target not 0 or 1", TARGET, set_value(6, "target", "2"),
         ("line 6, column target", "not one of 0, 1")),
    Case("duplicated client in the target", TARGET, rewrite(lambda rows: [*rows[:10], rows[3], *rows[10:]]),
         ("apparel-target_binary.csv, line 11, column client_id", "1 rows repeat a key (client_id)",
          "also on line 4", "keep one row per client_id")),
    Case("message id with '_' in place of '-'", MESSAGES,
         set_value(25, "message_id", "1515915625468169594_4301_627b661e9736d"),
         ("apparel-messages.csv, line 25, column message_id", "are not message ids of the form "
          "client-campaign-hash", "'1515915625468169594_4301_627b661e9736d'")),
    Case("purchase message id with a cut hash", PURCHASES,
         set_value(14, "message_id", "1515915625468169594-4301-627b661e"),
         ("apparel-purchases.csv, line 14, column message_id", "client-campaign-hash")),
    Case("category list that is not a list", PURCHASES, set_value(13, "category_ids", "4/28/57"),
         ("line 13, column category_ids", "are not lists like", "'4/28/57'")),
    Case("optional campaign file with a negative count", DAILY, _daily_event,
         ("apparel/full_campaign_daily_event.csv, line 3, column count_open", "outside 0..1000000000")),
    Case("csv.gz that is not gzip", PURCHASES, raw_bytes(lambda b: b),
         ("apparel-purchases.csv.gz", "cannot be read as csv.gz"), suffix=".csv.gz"),
]  # fmt: skip


MESSAGE_LINES = 60_000  # still past every reader's sample of the first rows (DuckDB's sniffer: 20,480)


@pytest.fixture(scope="module")
def good_dir(apparel_tiny: Path, tmp_path_factory) -> Path:
    """The tiny data's apparel files (what `published` was built from), the messages cut to their first
    MESSAGE_LINES lines: every check reads every file, and the whole messages file (~400k lines) would make
    each case read it again."""
    folder = tmp_path_factory.mktemp("good") / "apparel"
    folder.mkdir()
    for path in apparel_tiny.glob("*.csv"):
        if path.name.startswith(MESSAGES):
            with path.open("rb") as whole, (folder / path.name).open("wb") as cut:
                cut.writelines(line for _, line in zip(range(MESSAGE_LINES), whole, strict=False))
        else:
            (folder / path.name).symlink_to(path)
    return folder


def data_dir_with(tmp_path: Path, good_dir: Path, stem: str, write, suffix: str = ".csv", **more):
    """A data folder with the good files linked and `stem` written by `write` (and each of `more`,
    stem=write); returns (data dir, the file written)."""
    task = tmp_path / "data" / "apparel"
    task.mkdir(parents=True)
    changed = {stem: (write, suffix), **{k.replace("_", "-"): (w, ".csv") for k, w in more.items()}}
    for path in good_dir.glob("*.csv"):
        if path.name.removesuffix(".csv") not in changed:
            (task / path.name).symlink_to(path)
    for name, (writer, ending) in changed.items():
        good = good_dir / f"{name}.csv"
        writer(good if good.exists() else None, task / f"{name}{ending}")
    return task.parent, task / f"{stem}{suffix}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_unchanged(warehouse: Path, before: str, published) -> None:
    assert sha256(warehouse) == before, "the warehouse file changed"
    assert digest(warehouse) == published.digest
    assert not building_path(warehouse).parent.exists(), "a build started"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_stops_the_build_with_where_and_what_to_do(case: Case, published, good_dir, tmp_path):
    data_dir, bad_file = data_dir_with(tmp_path, good_dir, case.stem, case.write, case.suffix)
    warehouse = published.copy_to(tmp_path / "wh")
    before = sha256(warehouse)
    with pytest.raises(InputCheckFailed) as raised:
        build_features(Settings(data_dir=data_dir, warehouse=warehouse))
    message = str(raised.value)
    n = lines_of(bad_file) if bad_file.suffix == ".csv" else 0
    for expected in case.expected:
        assert expected.replace("{n-2}", f"{n - 2:,}") in message, message
    assert "Nothing was built and the warehouse is unchanged" in message
    assert_unchanged(warehouse, before, published)


def test_a_missing_required_file_names_it_and_how_to_get_it(published, good_dir, tmp_path):
    data_dir, _ = data_dir_with(tmp_path, good_dir, TARGET, lambda good, out: None)
    warehouse = published.copy_to(tmp_path / "wh")
    before = sha256(warehouse)
    with pytest.raises(FeatureBuildError, match=r"missing apparel-target_binary .*scoring generate apparel"):
        build_features(Settings(data_dir=data_dir, warehouse=warehouse))
    assert_unchanged(warehouse, before, published)


def test_every_problem_of_every_file_is_reported_at_once(published, good_dir, tmp_path):
    data_dir, _ = data_dir_with(
        tmp_path, good_dir, TARGET, set_value(5, "target", "yes"),
        apparel_purchases=set_value(3, "quantity", "0"),
    )  # fmt: skip
    with pytest.raises(InputCheckFailed) as raised:
        build_features(Settings(data_dir=data_dir, warehouse=tmp_path / "none.duckdb"))
    message = str(raised.value)
    assert message.startswith("The input files have 2 problems:")
    assert "apparel-purchases.csv, line 3, column quantity" in message
    assert "apparel-target_binary.csv, line 5, column target" in message
    assert not (tmp_path / "none.duckdb").exists()


def test_parquet_ids_stored_as_floats_are_reported_by_row(published, good_dir, tmp_path):
    def write(good: Path, out: Path) -> None:
        frame = pl.read_csv(good, infer_schema=False).with_columns(pl.col("client_id").cast(pl.Float64))
        frame.write_parquet(out)

    data_dir, _ = data_dir_with(tmp_path, good_dir, TARGET, write, ".parquet")
    with pytest.raises(InputCheckFailed) as raised:
        build_features(Settings(data_dir=data_dir, warehouse=tmp_path / "none.duckdb"))
    assert "apparel-target_binary.parquet, row 1, column client_id" in str(raised.value)
    assert "went through a float" in str(raised.value)


def test_a_gzipped_csv_is_checked_like_the_plain_one(published, good_dir, tmp_path):
    def write(good: Path, out: Path) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(
            [r if i != 4 else [r[0], "maybe"] for i, r in enumerate(_rows(good))]
        )
        out.write_bytes(gzip.compress(text.getvalue().encode()))

    data_dir, _ = data_dir_with(tmp_path, good_dir, TARGET, write, ".csv.gz")
    with pytest.raises(InputCheckFailed, match=r"target_binary\.csv\.gz, line 5, column target"):
        build_features(Settings(data_dir=data_dir, warehouse=tmp_path / "none.duckdb"))


def test_the_command_exits_non_zero_with_the_message_and_check_inputs_agrees(published, good_dir, tmp_path):
    data_dir, _ = data_dir_with(tmp_path, good_dir, TARGET, set_value(5, "target", "yes"))
    warehouse = published.copy_to(tmp_path / "wh")
    env = {"DATA_DIR": str(data_dir), "WAREHOUSE": str(warehouse), "AS_OF": ""}
    for command in ("build-features", "check-inputs"):
        result = CliRunner().invoke(main, [command], env=env)
        assert result.exit_code == 1, result.output
        assert (
            "apparel-target_binary.csv, line 5, column target: 1 values are not one of 0, 1" in result.output
        )
    good = CliRunner().invoke(main, ["check-inputs"], env={**env, "DATA_DIR": str(good_dir.parent)})
    assert good.exit_code == 0 and "pass their checks" in good.output
    assert digest(warehouse) == published.digest

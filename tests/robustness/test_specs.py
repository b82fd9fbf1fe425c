"""The spec machinery on its own: another task's files (';' separator, decimal comma, Cyrillic headers) are
declared and checked the same way, and every task's specs match its dbt sources column for column."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml

from scoring.build.checks import SPECS, check_file
from scoring.build.checks.spec import FileSpec

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 1, 1)

MONEY = SPECS["one_click"]["money"]  # `215348;0,98`
PERIODS = SPECS["one_click"]["market_time"]


@dataclass(frozen=True)
class Found:
    stem: str
    path: Path
    format: str = "csv"


def _check(spec: FileSpec, tmp_path: Path, text: str, encoding: str = "utf-8") -> list[str]:
    path = tmp_path / "one_click" / f"{spec.stem}.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return [str(problem) for problem in check_file(spec, Found(spec.stem, path), TODAY)]


def test_a_semicolon_file_with_decimal_commas_passes_when_well_formed(tmp_path):
    assert _check(MONEY, tmp_path, "id;Прибыль\n215348;0,98\n215349;4,16\n") == []


def test_a_decimal_point_where_a_comma_belongs_is_reported_with_its_line(tmp_path):
    problems = _check(MONEY, tmp_path, "id;Прибыль\n215348;0,98\n215349;4.16\n215350;1500,5\n")
    assert problems == [
        "one_click/money.csv, line 3, column Прибыль: 1 values are not numbers with ',' as the decimal mark, "
        "e.g. '4.16'. Fix: write plain numbers like 1999,5, without thousands separators.",
        "one_click/money.csv, line 4, column Прибыль: 1 values are outside -1000..1000, e.g. '1500,5'. "
        "Fix: fix or remove those rows: the value is negative or too large to be real.",
    ]


def test_a_comma_separated_money_file_is_told_its_separator(tmp_path):
    problems = _check(MONEY, tmp_path, 'id,Прибыль\n215348,"0,98"\n')
    assert problems == [
        "one_click/money.csv, line 1: is separated by ',', not ';'. Fix: save it with ';' as the separator."
    ]


def test_a_cp1251_file_is_told_to_be_saved_as_utf8(tmp_path):
    problems = _check(MONEY, tmp_path, "id;Прибыль\n215348;0,98\n", encoding="cp1251")
    assert problems == [
        "one_click/money.csv, line 1: is not UTF-8 text. Fix: save the file as UTF-8 (CSV, UTF-8)."
    ]


def test_a_repeated_compound_key_names_both_lines(tmp_path):
    text = (
        "id,Период,минут\n1,текущий_месяц,10\n1,предыдцщий_месяц,12\n2,текущий_месяц,9\n1,текущий_месяц,11\n"
    )
    (problem,) = _check(PERIODS, tmp_path, text)
    assert problem.startswith("one_click/market_time.csv, line 5, column id, Период: 1 rows repeat a key")
    assert "also on line 2" in problem


@pytest.mark.parametrize("task", ["apparel", "one_click"])
def test_the_specs_list_the_dbt_source_columns_and_separators_in_file_order(task):
    path = REPO / f"dbt_project/models/staging/{task}/_{task}__sources.yml"
    (source,) = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    declared = {
        table["config"]["meta"]["file_stem"]: (
            tuple(c["name"] for c in table["columns"]),
            table["config"]["meta"].get("delimiter", ","),
        )
        for table in source["tables"]
    }
    assert {stem: (spec.names, spec.delimiter) for stem, spec in SPECS[task].items()} == declared

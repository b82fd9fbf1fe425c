"""Raw CSVs converted to Parquet (scoring convert): the same text in every cell, so the same marts."""

from pathlib import Path

import duckdb
import pytest

from scoring.build.checks import SPECS
from scoring.build.checks.scan import source_sql
from scoring.build.convert import convert_to_parquet
from scoring.errors import FeatureBuildError
from scoring.generate.one_click import generate_one_click
from tests.dbt.conftest import build


def _digest(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Row count and an order-free hash of every relation dbt built: equal digests, equal contents."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relations = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name <> 'scoring' order by all"
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(
                f'select count(*), bit_xor(hash(t)) from "{schema}"."{name}" t'
            ).fetchone()
            for schema, name in relations
        }


@pytest.mark.slow
def test_a_build_from_parquet_gives_the_same_marts_as_from_csv(apparel_tiny, tiny_build, tmp_path):
    converted = convert_to_parquet(apparel_tiny.parent, tmp_path / "parquet")
    assert {c.target.name for c in converted} >= {"apparel-messages.parquet", "apparel-purchases.parquet"}
    from_parquet = build(tmp_path / "parquet", tmp_path)
    csv_digest, parquet_digest = _digest(tiny_build), _digest(from_parquet)
    assert any(name.startswith("main_marts.") for name in csv_digest)
    assert parquet_digest == csv_digest


def test_conversion_keeps_the_text_of_every_cell_of_a_semicolon_file(tmp_path):
    generate_one_click(tmp_path / "raw" / "one_click", seed=3, n_clients=300, n_unlabelled=30)
    convert_to_parquet(tmp_path / "raw", tmp_path / "parquet")
    with duckdb.connect() as con:
        for stem, spec in SPECS["one_click"].items():
            csv = source_sql(spec, tmp_path / "raw" / "one_click" / f"{stem}.csv", "csv", store_rejects=False)
            parquet = source_sql(spec, tmp_path / "parquet" / "one_click" / f"{stem}.parquet", "parquet")
            columns = ", ".join(f'"{name}"' for name in spec.names)
            rows = [con.execute(f"select {columns} from {source}").fetchall() for source in (csv, parquet)]
            assert rows[0] == rows[1] and rows[0], stem


def test_conversion_refuses_its_own_folder_and_a_wrong_header(tmp_path):
    raw = tmp_path / "raw"
    generate_one_click(raw / "one_click", seed=3, n_clients=300, n_unlabelled=30)
    with pytest.raises(FeatureBuildError, match="is the folder being converted"):
        convert_to_parquet(raw, raw)
    money = raw / "one_click" / "money.csv"
    money.write_text(money.read_text(encoding="utf-8").replace(";", ",", 1), encoding="utf-8")
    with pytest.raises(FeatureBuildError, match=r"money\.csv"):
        convert_to_parquet(raw, tmp_path / "parquet")
    assert not (tmp_path / "parquet" / "one_click" / "market_file.parquet").exists()

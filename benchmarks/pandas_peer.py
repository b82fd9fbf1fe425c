"""The pandas peer: the features of the dbt mart `apparel_features` at one cutoff, from the raw CSV files.

Reads the files with pandas (typed columns, dates parsed), computes every feature family with
benchmarks.pandas_features and writes one row per client to a Parquet file. The benchmark times it beside
the dbt build; benchmarks/tests/test_pandas_peer.py checks that it computes the same features as the mart.

Usage: python -m benchmarks.pandas_peer DATA_DIR/apparel [--as-of YYYY-MM-DD] [--out features.parquet]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from benchmarks.pandas_features import apparel_features

MESSAGES = "apparel-messages.csv"
PURCHASES = "apparel-purchases.csv"
DAILY_EVENTS = "full_campaign_daily_event.csv"  # optional, like in the dbt project

MESSAGE_DTYPES = {
    "bulk_campaign_id": "int32",
    "client_id": "int64",
    "message_id": "str",
    "event": "category",
    "channel": "category",
}
PURCHASE_DTYPES = {"client_id": "int64", "quantity": "int32", "price": "float64", "category_ids": "str",
                   "message_id": "str"}  # fmt: skip


def _path(apparel_dir: Path, name: str) -> Path:
    path = apparel_dir / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the pandas peer reads the apparel CSV files from there.")
    return path


def read_messages(apparel_dir: Path) -> pd.DataFrame:
    return pd.read_csv(
        _path(apparel_dir, MESSAGES),
        dtype=MESSAGE_DTYPES,
        parse_dates=["date", "created_at"],
        date_format="ISO8601",
    )


def read_purchases(apparel_dir: Path) -> pd.DataFrame:
    return pd.read_csv(_path(apparel_dir, PURCHASES), dtype=PURCHASE_DTYPES, parse_dates=["date"])


def read_daily_events(apparel_dir: Path) -> pd.DataFrame | None:
    """The optional campaign-level daily aggregates, or None when the file is absent."""
    path = apparel_dir / DAILY_EVENTS
    if not path.is_file():
        return None
    columns = ["date", "bulk_campaign_id", "count_send", "count_open", "count_click", "count_purchase"]
    return pd.read_csv(path, usecols=columns, parse_dates=["date"])


def features_from_files(apparel_dir: Path, as_of: str | None = None) -> pd.DataFrame:
    """Every client's features at `as_of` (default: the last purchase day) from the files in `apparel_dir`."""
    purchases = read_purchases(apparel_dir)
    return apparel_features(
        read_messages(apparel_dir),
        purchases,
        read_daily_events(apparel_dir),
        as_of=pd.Timestamp(as_of) if as_of else None,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pandas_peer", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "apparel_dir", type=Path, help="Folder with apparel-messages.csv and apparel-purchases.csv."
    )
    parser.add_argument("--as-of", help="Cutoff date YYYY-MM-DD (default: the last purchase day).")
    parser.add_argument(
        "--out", type=Path, help="Write the features here as Parquet (default: print a summary)."
    )
    args = parser.parse_args(argv)
    features = features_from_files(args.apparel_dir, args.as_of)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        features.to_parquet(args.out, index=False)
    print(f"{len(features):,} clients x {features.shape[1] - 2} features", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Write the «В один клик» tables byte-for-byte in the real files' formats.

The three market_* files are plain CSV (`,` and `.`), which polars writes as the real files are:
shortest float text (`4.0`, `0.3`, `3293.1`), an empty field for a blank label, LF endings.
money.csv was exported differently: `;` separator, decimal comma and no trailing zeros (`4,1`, `5`),
so its numbers are formatted here rather than by the CSV writer.
"""

from pathlib import Path

import polars as pl

MARKET_FILES = ("market_file", "market_money", "market_time")


def _money_text(value: float) -> str:
    """`4.10` -> `4,1`, `5.00` -> `5`: the real money.csv drops trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def money_as_text(money: pl.DataFrame) -> pl.DataFrame:
    """Profit as the exact strings of the real file, so the CSV writer does not reformat them."""
    profit = money.columns[1]
    text = [_money_text(value) for value in money[profit].to_list()]
    return money.with_columns(pl.Series(profit, text, dtype=pl.String))


def write_one_click(frames: dict[str, pl.DataFrame], out_dir: Path) -> dict[str, Path]:
    """Write each frame to `<out_dir>/<name>.csv` and return name -> path."""
    missing = {*MARKET_FILES, "money"} - frames.keys()
    if missing:
        raise ValueError(f"cannot write one-click data: frames {sorted(missing)} are missing")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name in MARKET_FILES:
        paths[name] = out_dir / f"{name}.csv"
        frames[name].write_csv(paths[name], separator=",", line_terminator="\n")
    paths["money"] = out_dir / "money.csv"
    money_as_text(frames["money"]).write_csv(paths["money"], separator=";", line_terminator="\n")
    return paths

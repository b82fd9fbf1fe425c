"""The floor: one plain DuckDB scan of the raw apparel files, parsing every column once.

No feature pipeline can read the files faster than this, so build times are reported as a multiple of it.
Usage: python -m benchmarks.floor DATA_DIR/apparel
"""

import sys
from pathlib import Path

import duckdb

SCAN = """
select count(*), count(distinct client_id), max(created_at), max(message_id), max(event), max(channel)
from read_csv('{dir}/apparel-messages.csv')
union all
select count(*), count(distinct client_id), max(date), max(message_id), max(category_ids), sum(price)
from read_csv('{dir}/apparel-purchases.csv')
"""


def scan(apparel_dir: Path) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.sql(SCAN.format(dir=apparel_dir)).fetchall()
    finally:
        con.close()


if __name__ == "__main__":
    print(scan(Path(sys.argv[1])))

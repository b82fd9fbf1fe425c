"""The statistics of PROFILE.md section 3, measured on a folder of apparel files, beside the real ones.

Counts are divided by the scale (purchasing clients / 49,849) so that any scale compares with the real
size. Each statistic has a tolerance: 25% relative unless it says otherwise.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb

from scoring.build.raw_files import find_raw_file
from scoring.generate.apparel_write import FILES, TRUTH_DIR

REAL_BUYERS = 49_849


@dataclass(frozen=True)
class Stat:
    name: str
    real: float
    generated: float
    scaled: bool = False  # a count: compared per unit of scale
    tolerance: float = 0.25  # relative
    at_most: bool = False  # a maximum: fine anywhere up to the real value

    @property
    def ok(self) -> bool:
        if self.at_most:
            return 0 < self.generated <= self.real
        if self.real == 0:
            return abs(self.generated) <= self.tolerance
        return abs(self.generated / self.real - 1.0) <= self.tolerance


# name, real value, SQL on the views p (purchases), m (messages), t (target), is a count
QUERIES: list[tuple[str, float, str, bool]] = [
    ("purchasing clients", 49_849, "select count(distinct client_id) from p", True),
    ("purchasing clients with messages", 41_982,
     "select count(*) from (select distinct client_id from p intersect select distinct client_id from m)",
     True),
    ("message-only clients", 11_347,
     "select count(*) from (select distinct client_id from m except select distinct client_id from p)",
     True),
    ("target positive rate, %", 1.928, "select 100 * avg(target) from t", False),
    ("target rows = purchasing clients", 1.0,
     "select (select count(*) from t)::double / (select count(distinct client_id) from p)", False),
    ("purchase rows, distinct", 129_188, "select count(*) from (select distinct * from p)", True),
    ("purchase rows, exact duplicates", 73_020,
     "select count(*) - (select count(*) from (select distinct * from p)) from p", True),
    ("distinct purchase rows per client", 2.59,
     "select count(*) / count(distinct client_id) from (select distinct * from p)", False),
    ("purchase rows per client, mean", 4.056, "select avg(n) from pc", False),
    ("purchase rows per client, median", 2, "select median(n) from pc", False),
    ("purchase days per client, mean", 1.208, "select avg(days) from pc", False),
    ("purchase days per client, 75th percentile", 1,
     "select quantile_disc(days, 0.75) from pc", False),
    ("first-to-last purchase span, mean days", 21.1, "select avg(span) from pc", False),
    ("days since last purchase, mean", 361.9, "select avg(recency) from pc", False),
    ("quantity = 1, % of rows", 99.56, "select 100 * avg((quantity = 1)::int) from p", False),
    ("price, median", 987, "select median(price) from p", False),
    ("price, mean", 1193.3, "select avg(price) from p", False),
    ("price, 25th percentile", 352, "select quantile_cont(price, 0.25) from p", False),
    ("price, 75th percentile", 1699, "select quantile_cont(price, 0.75) from p", False),
    ("price, minimum", 1, "select min(price) from p", False),
    ("category_ids empty ([] or [None]), %", 3.38,
     "select 100 * avg((category_ids in ('[]', '[None]'))::int) from p", False),
    ("message_id of another client, % of purchase rows", 27.5,
     "select 100 * avg((split_part(message_id, '-', 1) <> client_id::varchar)::int) from p", False),
    ("first purchase date", 0, "select date_diff('day', date '2022-05-16', min(date)) from p", False),
    ("last purchase date", 0, "select date_diff('day', date '2024-02-16', max(date)) from p", False),
    ("message rows", 12_739_798, "select count(*) from m", True),
    ("first message date", 0, "select date_diff('day', date '2022-05-19', min(date)) from m", False),
    ("last message date", 0, "select date_diff('day', date '2024-02-15', max(date)) from m", False),
    ("event send, % of rows", 71.10, "select 100 * avg((event = 'send')::int) from m", False),
    ("event open, % of rows", 24.22, "select 100 * avg((event = 'open')::int) from m", False),
    ("event click, % of rows", 3.896, "select 100 * avg((event = 'click')::int) from m", False),
    ("event purchase, % of rows", 0.5077, "select 100 * avg((event = 'purchase')::int) from m", False),
    ("hard and soft bounces, % of rows", 0.2393,
     "select 100 * avg((event in ('hard_bounce', 'soft_bounce'))::int) from m", False),
    ("unsubscribe, % of rows", 0.0223, "select 100 * avg((event = 'unsubscribe')::int) from m", False),
    ("channel mobile_push, % of rows", 58.97,
     "select 100 * avg((channel = 'mobile_push')::int) from m", False),
    ("campaigns", 2_709, "select count(distinct bulk_campaign_id) from m", False),
    ("clients per campaign, median (purchasing clients)", 77.5,
     "select median(n) from mc", True),
    ("clients per campaign, max (purchasing clients)", 26_765, "select max(n) from mc", True),
    ("sends per client, mean", 188.2, "select avg(send) from mm", False),
    ("sends per client, 25th percentile", 115, "select quantile_cont(send, 0.25) from mm", False),
    ("sends per client, 75th percentile", 260, "select quantile_cont(send, 0.75) from mm", False),
    ("opens per client, median", 26, "select median(open) from mm", False),
    ("clicks per client, median", 6, "select median(click) from mm", False),
    ("distinct events per message, max", 6,
     "select max(n) from (select count(distinct event) as n from m group by message_id)", False),
    ("message rows, exact duplicates, %", 0.38,
     "select 100 * (1 - (select count(*) from (select distinct * from m)) / count(*)) from m", False),
    ("messages sorted by created_at (1 = yes)", 1,
     "select bool_and(created_at >= prev)::int from "
     "(select created_at, lag(created_at, 1, created_at) over () as prev from m)", False),
]  # fmt: skip

AT_MOST = {"distinct events per message, max"}  # a maximum grows with the sample: a bound, not a target
# Campaign sizes are small integers below scale 0.5, so rounding moves them: a looser tolerance there.
SMALL_SCALE_LOOSE = {"clients per campaign, median (purchasing clients)",
                     "clients per campaign, max (purchasing clients)"}  # fmt: skip

VIEWS = """
create temp table pc as
    select client_id, count(*) as n, count(distinct date) as days,
        date_diff('day', min(date), max(date)) as span,
        date_diff('day', max(date), date '2024-02-16') as recency
    from p group by client_id;
create temp table mm as
    select client_id,
        count(*) filter (event = 'send') as send,
        count(*) filter (event = 'open') as open,
        count(*) filter (event = 'click') as click
    from m semi join (select distinct client_id from p) using (client_id) group by client_id;
create temp table mc as
    select bulk_campaign_id, count(distinct client_id) as n
    from m semi join (select distinct client_id from p) using (client_id) group by all;
"""


def _reader(path_stem: Path) -> str:
    """A DuckDB table function reading the file the pipeline would read for this stem."""
    found = find_raw_file(path_stem.parent, path_stem.name)
    if found is None:
        raise FileNotFoundError(f"{path_stem}.csv (or .csv.gz, .parquet) does not exist")
    return f"{'read_parquet' if found.format == 'parquet' else 'read_csv'}('{found.path}')"


def profile_apparel(data_dir: Path) -> list[Stat]:
    """Measure every statistic on the files in data_dir."""
    con = duckdb.connect()
    con.sql("set enable_progress_bar = false")
    try:
        for view, key in (("p", "purchases"), ("m", "messages"), ("t", "target")):
            con.sql(f"create temp table {view} as select * from {_reader(data_dir / FILES[key])}")
        con.sql(VIEWS)
        scale = con.sql("select count(distinct client_id) from p").fetchall()[0][0] / REAL_BUYERS
        out = []
        for name, real, sql, scaled in QUERIES:
            value = float(con.sql(sql).fetchall()[0][0])
            tol = 0.4 if scale < 0.5 and name in SMALL_SCALE_LOOSE else 0.25
            out.append(Stat(name, real, value / scale if scaled else value, scaled, tol, name in AT_MOST))
        return out
    finally:
        con.close()


def truth_summary(data_dir: Path) -> dict[str, float]:
    """Mean true probability and share of active clients, from the generator's truth folder."""
    con = duckdb.connect()
    try:
        rel = _reader(data_dir / TRUTH_DIR / "apparel-truth")
        row = con.sql(f"select avg(probability), avg(is_active::int), avg(target) from {rel}").fetchall()[0]
        return {"mean_probability": row[0], "active_share": row[1], "positive_rate": row[2]}
    finally:
        con.close()


def format_profile(stats: list[Stat]) -> str:
    lines = [f"{'statistic':<52} {'generated':>14} {'real':>14} {'ratio':>7}  ok"]
    for s in stats:
        ratio = s.generated / s.real if s.real else float("nan")
        mark = ("yes" if s.ok else "NO") + (" (at most)" if s.at_most else "")
        mark += f" (±{s.tolerance:.0%})" if s.tolerance != 0.25 else ""
        lines.append(f"{s.name:<52} {s.generated:>14,.3f} {s.real:>14,.3f} {ratio:>7.3f}  {mark}")
    n_ok = sum(s.ok for s in stats)
    lines.append(
        f"{n_ok} of {len(stats)} statistics within tolerance (±25% unless marked; counts are "
        "divided by the scale)"
    )
    return "\n".join(lines)

"""Profiles of the rows a run scored, and of its model's training rows, computed by DuckDB in SQL.

A profile of a feature holds its count, nulls, mean, standard deviation, minimum and maximum over every row,
and its quantiles and histogram over a sample of clients: the same clients every time (those whose
hash(client_id) falls under the sample's share), so unchanged data gives the same profile. Histograms count
the sample's rows on the bin edges of a reference (the deciles of the model's training rows), with the nulls
as a bin of their own: two profiles on the same edges compare bin by bin (scoring.monitor.drift).

Rows arrive in batches (a rescore reads the mart one range of clients at a time, so no step holds them all):
each batch adds its partial sums to small tables and its sampled clients to a sample table, all temporary
tables of the connection, and `profile()` finishes from those. Nothing here loads rows into Python; the
results (a few rows per feature) come back as Polars frames for scoring.feature_profiles.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from scoring.model.dataset import FeatureSpec

QUANTILES = {"p01": 0.01, "p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95, "p99": 0.99}
HASH_BUCKETS = 1_000_003  # a client is sampled when hash(client_id) % HASH_BUCKETS falls under the share
_names = itertools.count()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _number(value: float) -> str:
    return f"cast({float(value)!r} as double)"


def sample_share(rows: int, sample_rows: int) -> float:
    """The share of clients to sample so that about `sample_rows` of `rows` are kept (all when fewer)."""
    return 1.0 if rows <= sample_rows else sample_rows / rows


@dataclass
class Staged:
    """A profile's rows staged in a connection's temporary tables: per batch, each feature's partial sums
    (`_partials`), the rows per date (`_rows`), the categories' counts (`_categories`) and the sampled
    clients' rows (`_sample`). `shares` maps each as_of_date to the share of its clients sampled."""

    con: duckdb.DuckDBPyConnection
    spec: FeatureSpec
    shares: Mapping[date, float]
    id_column: str = "client_id"
    date_column: str = "as_of_date"

    def __post_init__(self) -> None:
        self.name = f"profile_{next(_names)}"
        numeric = ", ".join(f"cast(null as double) as {quote(c)}" for c in self.spec.numeric)
        categorical = ", ".join(f"cast(null as varchar) as {quote(c)}" for c in self.spec.categorical)
        columns = ", ".join(c for c in ("cast(null as date) as as_of_date", numeric, categorical) if c)
        self.con.execute(f"create temp table {self.name}_sample as select {columns} limit 0")
        self.con.execute(
            f"create temp table {self.name}_partials (as_of_date date, feature varchar, nonnull bigint, "
            "total double, total_sq double, lo double, hi double)"
        )
        self.con.execute(f"create temp table {self.name}_rows (as_of_date date, n bigint)")
        self.con.execute(
            f"create temp table {self.name}_categories "
            "(as_of_date date, feature varchar, value varchar, n bigint)"
        )

    def sampled_sql(self) -> str:
        """SQL that is true for the clients in the sample (the share of each row's date)."""
        cases = " ".join(
            f"when {literal(str(day))} then {round(share * HASH_BUCKETS)}"
            for day, share in self.shares.items()
        )
        limit = f"case cast({quote(self.date_column)} as date) {cases} else 0 end" if cases else "0"
        return f"hash({quote(self.id_column)}) % {HASH_BUCKETS} < {limit}"

    def add(self, relation: str) -> None:
        """Add the rows of `relation` (a table, a view or a registered frame with the id, the date and the
        spec's features) to the profile."""
        day = f"cast({quote(self.date_column)} as date)"
        self.con.execute(f"insert into {self.name}_rows select {day}, count(*) from {relation} group by all")
        if self.spec.numeric:
            casts = ", ".join(f"cast({quote(c)} as double) as {quote(c)}" for c in self.spec.numeric)
            self.con.execute(
                f"""
                insert into {self.name}_partials
                select as_of_date, feature, count(value), sum(value), sum(value * value),
                    min(value), max(value)
                from (
                    unpivot (select {day} as as_of_date, {casts} from {relation})
                    on {", ".join(quote(c) for c in self.spec.numeric)}
                    into name feature value value
                )
                group by all
                """
            )
        for column in self.spec.categorical:
            self.con.execute(
                f"insert into {self.name}_categories select {day}, {literal(column)}, "
                f"cast({quote(column)} as varchar), count(*) from {relation} group by all"
            )
        selected = ", ".join(
            [f"{day}"]
            + [f"cast({quote(c)} as double)" for c in self.spec.numeric]
            + [f"cast({quote(c)} as varchar)" for c in self.spec.categorical]
        )
        self.con.execute(
            f"insert into {self.name}_sample select {selected} from {relation} where {self.sampled_sql()}"
        )

    def drop(self) -> None:
        for part in ("sample", "partials", "rows", "categories"):
            self.con.execute(f"drop table if exists {self.name}_{part}")


def _key(by_date: bool) -> str:
    return "as_of_date" if by_date else "cast(null as date) as as_of_date"


def numeric_stats(staged: Staged, by_date: bool) -> pl.DataFrame:
    """as_of_date, feature, row_count, nulls, mean, std, min, max over every row (per date or pooled); a
    feature without a value (all null) has its rows as nulls."""
    if not staged.spec.numeric:
        return pl.DataFrame()
    group = "as_of_date, feature" if by_date else "feature"
    by = "as_of_date" if by_date else "all"
    rows = f"select {_key(by_date)}, sum(n) as n from {staged.name}_rows group by {by}"
    names = ", ".join(f"({literal(c)})" for c in staged.spec.numeric)
    return staged.con.sql(
        f"""
        with stats as (
            select {group}, sum(nonnull) as nonnull, sum(total) as total, sum(total_sq) as total_sq,
                min(lo) as lo, max(hi) as hi
            from {staged.name}_partials group by all
        ),
        features as (select feature from (values {names}) as names (feature)),
        grid as (select * from ({rows}) as counted cross join features)
        select grid.as_of_date, grid.feature, cast(grid.n as bigint) as row_count,
            cast(grid.n - coalesce(stats.nonnull, 0) as bigint) as nulls,
            stats.total / nullif(stats.nonnull, 0) as mean,
            case when stats.nonnull > 1 then sqrt(greatest(0, (stats.total_sq
                - stats.total * stats.total / stats.nonnull) / (stats.nonnull - 1))) end as std,
            stats.lo as min, stats.hi as max
        from grid left join stats
            on grid.feature = stats.feature {"and grid.as_of_date = stats.as_of_date" if by_date else ""}
        """
    ).pl()


def _unpivoted_sample(staged: Staged, columns: Sequence[str]) -> str:
    names = ", ".join(quote(c) for c in columns)
    return (
        f"(unpivot (select as_of_date, {names} from {staged.name}_sample) on {names} "
        "into name feature value value)"
    )


def quantiles(staged: Staged, by_date: bool, edge_levels: Sequence[float] = ()) -> pl.DataFrame:
    """as_of_date, feature, sample_rows, p01 ... p99 (linear interpolation) over the sample, and `edges`: the
    sample's values at `edge_levels` (observed values, so ties stay in one bin), distinct and sorted."""
    if not staged.spec.numeric:
        return pl.DataFrame()
    levels = "[" + ", ".join(map(str, QUANTILES.values())) + "]"
    edges = (
        f", list_sort(list_distinct(quantile_disc(value, [{', '.join(map(str, edge_levels))}]))) as edges"
        if edge_levels
        else ""
    )
    sampled = (
        f"(select {'as_of_date, ' if by_date else ''}count(*) as n from {staged.name}_sample group by all)"
    )
    join = "using (as_of_date)" if by_date else "on true"
    frame = staged.con.sql(
        f"""
        with q as (
            select {_key(by_date)}, feature, quantile_cont(value, {levels}) as q{edges}
            from {_unpivoted_sample(staged, staged.spec.numeric)}
            group by all
        )
        select q.*, cast(sampled.n as bigint) as sample_rows
        from q inner join {sampled} as sampled {join}
        """
    ).pl()
    return frame.with_columns(pl.col("q").list.get(i).alias(name) for i, name in enumerate(QUANTILES)).drop(
        "q"
    )


def _bin_case(column: str, edges: Sequence[float]) -> str:
    """The bin of a value: 0 when null, then 1 for (-inf, e1], 2 for (e1, e2] ... k + 1 for (ek, inf)."""
    col = quote(column)
    whens = " ".join(f"when {col} <= {_number(e)} then {i + 1}" for i, e in enumerate(edges))
    return f"case when {col} is null then 0 {whens} else {len(edges) + 1} end as {col}"


def histograms(staged: Staged, edges: Mapping[str, Sequence[float]], by_date: bool) -> pl.DataFrame:
    """as_of_date, feature, bin_edges, bin_counts: the sample's rows per bin of each numeric feature with
    edges (nulls first, then one bin more than edges), per date or pooled."""
    columns = [c for c in staged.spec.numeric if c in edges]
    if not columns:
        return pl.DataFrame()
    cases = ", ".join(_bin_case(c, edges[c]) for c in columns)
    names = ", ".join(quote(c) for c in columns)
    counts = staged.con.sql(
        f"""
        select {_key(by_date)}, feature, bin, count(*) as n
        from (
            unpivot (select as_of_date, {cases} from {staged.name}_sample) on {names}
            into name feature value bin
        )
        group by all
        """
    ).pl()
    frame = pl.DataFrame(
        {"feature": columns, "bin_edges": [list(map(float, edges[c])) for c in columns]},
        schema={"feature": pl.String, "bin_edges": pl.List(pl.Float64)},
    )
    dates = counts.select("as_of_date").unique()
    grid = frame.join(dates, how="cross").with_columns(
        bin=pl.int_ranges(0, pl.col("bin_edges").list.len() + 2, dtype=pl.Int32)
    )
    full = (
        grid.explode("bin")
        .join(
            counts.with_columns(pl.col("bin").cast(pl.Int32)),
            on=["as_of_date", "feature", "bin"],
            how="left",
            nulls_equal=True,
        )
        .with_columns(pl.col("n").fill_null(0).cast(pl.Int64))
        .sort("as_of_date", "feature", "bin", nulls_last=False)
    )
    return full.group_by("as_of_date", "feature", "bin_edges", maintain_order=True).agg(
        bin_counts=pl.col("n")
    )


def category_counts(staged: Staged, by_date: bool) -> pl.DataFrame:
    """as_of_date, feature, rows, nulls, categories, category_counts over every row (nulls as a null
    category), categories in order."""
    if not staged.spec.categorical:
        return pl.DataFrame()
    group = "as_of_date, feature, value" if by_date else "feature, value"
    counts = staged.con.sql(
        f"""
        select {_key(by_date)}, feature, value, sum(n) as n
        from {staged.name}_categories group by {group}
        order by as_of_date, feature, value nulls first
        """
    ).pl()
    return counts.group_by("as_of_date", "feature", maintain_order=True).agg(
        row_count=pl.col("n").sum().cast(pl.Int64),
        nulls=pl.col("n").filter(pl.col("value").is_null()).sum().cast(pl.Int64),
        categories=pl.col("value"),
        category_counts=pl.col("n").cast(pl.Int64),
    )


def decile_levels(bins: int) -> tuple[float, ...]:
    """The inner quantile levels that cut a reference into `bins` bins of equal size."""
    return tuple(round(i / bins, 6) for i in range(1, bins))


def edges_of(quantile_frame: pl.DataFrame) -> dict[str, list[float]]:
    """{feature: edges} from quantiles() run with edge levels (pooled: one row per feature)."""
    return {
        row["feature"]: [float(e) for e in (row["edges"] or []) if e is not None]
        for row in quantile_frame.select("feature", "edges").iter_rows(named=True)
    }


PROFILE_SCHEMA = {
    "as_of_date": pl.Date,
    "feature": pl.String,
    "feature_type": pl.String,
    "row_count": pl.Int64,
    "nulls": pl.Int64,
    "mean": pl.Float64,
    "std": pl.Float64,
    "min": pl.Float64,
    "max": pl.Float64,
    **dict.fromkeys(QUANTILES, pl.Float64),
    "bin_edges": pl.List(pl.Float64),
    "bin_counts": pl.List(pl.Int64),
    "categories": pl.List(pl.String),
    "category_counts": pl.List(pl.Int64),
    "sample_rows": pl.Int64,
}


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame with exactly PROFILE_SCHEMA's columns, in order (missing ones null)."""
    return frame.select(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in PROFILE_SCHEMA.items()
    )


def profile(staged: Staged, edges: Mapping[str, Sequence[float]]) -> pl.DataFrame:
    """The profile of the staged rows, one row per (date, feature), histograms on `edges`: the columns of
    scoring.feature_profiles that do not name the run (PROFILE_SCHEMA)."""
    numeric = (
        numeric_stats(staged, True)
        .join(quantiles(staged, True), on=["as_of_date", "feature"], how="left")
        .join(histograms(staged, edges, True), on=["as_of_date", "feature"], how="left")
        if staged.spec.numeric
        else pl.DataFrame()
    )
    return _assemble(numeric, category_counts(staged, True))


def _assemble(numeric: pl.DataFrame, categorical: pl.DataFrame) -> pl.DataFrame:
    parts = [
        _conform(frame.with_columns(feature_type=pl.lit(kind)))
        for frame, kind in ((numeric, "numeric"), (categorical, "categorical"))
        if not frame.is_empty()
    ]
    frame = pl.concat(parts) if parts else _conform(pl.DataFrame())
    return frame.with_columns(pl.col("sample_rows").fill_null(0))


@dataclass(frozen=True)
class Reference:
    """A model's training reference: the pooled profile, one profile per training cutoff (without
    quantiles), and the bin edges every later profile is histogrammed on."""

    pooled: pl.DataFrame
    cutoffs: pl.DataFrame
    edges: dict[str, list[float]]


def reference(staged: Staged, bins: int) -> Reference:
    """The reference profiles of the staged training rows: edges at the pooled sample's deciles (one pass
    with the pooled quantiles), the histograms per cutoff (one pass) and their sums for the pooled one."""
    numeric_pooled = numeric_cutoffs = pl.DataFrame()
    edges: dict[str, list[float]] = {}
    if staged.spec.numeric:
        pooled_quantiles = quantiles(staged, False, decile_levels(bins))
        edges = {c: [] for c in staged.spec.numeric} | edges_of(pooled_quantiles)
        per_cutoff = histograms(staged, edges, True)
        numeric_cutoffs = numeric_stats(staged, True).join(
            per_cutoff, on=["as_of_date", "feature"], how="left"
        )
        summed = (
            per_cutoff.with_columns(bin=pl.int_ranges(0, pl.col("bin_counts").list.len()))
            .explode("bin_counts", "bin")
            .group_by("feature", "bin")
            .agg(pl.col("bin_counts").sum())
            .sort("feature", "bin")
            .group_by("feature", maintain_order=True)
            .agg(pl.col("bin_counts"))
        )
        summed = summed.join(per_cutoff.select("feature", "bin_edges").unique("feature"), on="feature")
        numeric_pooled = (
            numeric_stats(staged, False)
            .join(pooled_quantiles.drop("edges", "as_of_date"), on="feature", how="left")
            .join(summed, on="feature", how="left")
        )
    categorical_cutoffs = category_counts(staged, True)
    categorical_pooled = category_counts(staged, False)
    return Reference(
        _assemble(numeric_pooled, categorical_pooled), _assemble(numeric_cutoffs, categorical_cutoffs), edges
    )


def rebinned(staged: Staged, edges: Mapping[str, Sequence[float]]) -> pl.DataFrame:
    """The staged sample's numeric histograms on other edges (a previous run's), pooled, as profile rows
    without statistics: what comparing with a run profiled on other edges needs."""
    frame = histograms(staged, edges, by_date=False)
    if frame.is_empty():
        return _conform(pl.DataFrame())
    sample = staged.con.sql(f"select count(*) from {staged.name}_sample").fetchall()[0][0]
    return _conform(frame.with_columns(feature_type=pl.lit("numeric"), sample_rows=pl.lit(sample)))

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
    # False: the rows come in one add() from a relation that outlives the profile (a frame a train run
    # holds), so the sample is a view over it rather than a copy
    copy: bool = True

    def __post_init__(self) -> None:
        self.name = f"profile_{next(_names)}"
        self.added = False
        if self.copy:
            self.con.execute(
                f"create temp table {self.name}_sample as select {self._selected('null')} limit 0"
            )
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

    def add(self, relation: str, sample: str | None = None) -> None:
        """Add the rows of `relation` (a table, a view or a registered frame with the id, the date and the
        spec's features) to the profile; `sample`, when given, holds those of its rows that are in the sample
        (sampled_keys), so the wide relation is not scanned a second time to find them."""
        day = f"cast({quote(self.date_column)} as date)"
        self.con.execute(f"insert into {self.name}_rows select {day}, count(*) from {relation} group by all")
        if self.spec.numeric:
            self._add_partials(relation, day)
        for column in self.spec.categorical:
            self.con.execute(
                f"insert into {self.name}_categories select {day}, {literal(column)}, "
                f"cast({quote(column)} as varchar), count(*) from {relation} group by all"
            )
        rows = (
            f"select {self._selected()} from {sample}"
            if sample
            else (f"select {self._selected()} from {relation} where {self.sampled_sql()}")
        )
        if self.copy:
            self.con.execute(f"insert into {self.name}_sample {rows}")
        elif self.added:
            raise ValueError("a profile whose sample is a view takes its rows in one add()")
        else:
            self.con.execute(f"create temp view {self.name}_sample as {rows}")
        self.added = True

    def sampled_keys(self, relation: str) -> pl.DataFrame:
        """The id and date of the rows of `relation` in the sample (two columns read, not the features)."""
        key = f"{quote(self.id_column)}, {quote(self.date_column)}"
        return self.con.sql(f"select {key} from {relation} where {self.sampled_sql()}").pl()

    def _add_partials(self, relation: str, day: str) -> None:
        """Each numeric feature's count, sum, sum of squares, minimum and maximum per date, in one pass over
        the relation's columns (a wide aggregate: 2-3 times faster than unpivoting them first)."""
        values = [f"cast({quote(c)} as double)" for c in self.spec.numeric]
        aggregates = ", ".join(f"count({v}), sum({v}), sum({v} * {v}), min({v}), max({v})" for v in values)
        rows = self.con.execute(f"select {day}, {aggregates} from {relation} group by all").fetchall()
        partials = pl.DataFrame(
            [
                (row[0], column, *row[1 + 5 * number : 6 + 5 * number])
                for row in rows
                for number, column in enumerate(self.spec.numeric)
            ],
            schema={"as_of_date": pl.Date, "feature": pl.String, "nonnull": pl.Int64, "total": pl.Float64,
                    "total_sq": pl.Float64, "lo": pl.Float64, "hi": pl.Float64},
            orient="row",
        )  # fmt: skip
        self.con.register("batch_partials", partials.to_arrow())
        try:
            self.con.execute(f"insert into {self.name}_partials by name select * from batch_partials")
        finally:
            self.con.unregister("batch_partials")

    def _selected(self, source: str | None = None) -> str:
        """The sample's columns (as_of_date, the numeric features as doubles, the categorical as text), from
        the added relation, or all null (`source` 'null') for an empty table of that shape."""
        day = "null" if source else f"{quote(self.date_column)}"

        def value(column: str) -> str:
            return "null" if source else quote(column)

        return ", ".join(
            [f"cast({day} as date) as as_of_date"]
            + [f"cast({value(c)} as double) as {quote(c)}" for c in self.spec.numeric]
            + [f"cast({value(c)} as varchar) as {quote(c)}" for c in self.spec.categorical]
        )

    def drop(self) -> None:
        kind = "table" if self.copy else "view"
        self.con.execute(f"drop {kind} if exists {self.name}_sample")
        for part in ("partials", "rows", "categories"):
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
    distinct values at `edge_levels`, sorted (one sort of each feature's values serves both)."""
    if not staged.spec.numeric:
        return pl.DataFrame()
    levels = sorted(set(QUANTILES.values()) | set(edge_levels))
    listed = "[" + ", ".join(map(str, levels)) + "]"
    sampled = (
        f"(select {'as_of_date, ' if by_date else ''}count(*) as n from {staged.name}_sample group by all)"
    )
    join = "using (as_of_date)" if by_date else "on true"
    frame = staged.con.sql(
        f"""
        with q as (
            select {_key(by_date)}, feature, quantile_cont(value, {listed}) as q
            from {_unpivoted_sample(staged, staged.spec.numeric)}
            group by all
        )
        select q.*, cast(sampled.n as bigint) as sample_rows
        from q inner join {sampled} as sampled {join}
        """
    ).pl()
    position = {level: i for i, level in enumerate(levels)}
    frame = frame.with_columns(pl.col("q").list.get(position[v]).alias(name) for name, v in QUANTILES.items())
    if edge_levels:
        picked = [position[level] for level in edge_levels]
        frame = frame.with_columns(edges=pl.col("q").list.gather(picked).list.unique().list.sort())
    return frame.drop("q")


def _edges_sql(edges: Sequence[float]) -> str:
    return "[" + ", ".join(_number(e) for e in edges) + "]::double[]"


def histograms(staged: Staged, edges: Mapping[str, Sequence[float]], by_date: bool) -> pl.DataFrame:
    """as_of_date, feature, bin_edges, bin_counts: the sample's rows per bin of each numeric feature with
    edges: the nulls first, then (-inf, e1], (e1, e2] ... (ek, inf), per date or pooled. One pass: DuckDB's
    histogram() on the edges for every feature at once."""
    columns = [c for c in staged.spec.numeric if c in edges]
    if not columns:
        return pl.DataFrame()
    parts = ", ".join(
        f"count(*) - count({quote(c)}), histogram({quote(c)}, {_edges_sql(edges[c])})" for c in columns
    )
    group = " group by as_of_date" if by_date else ""
    rows = staged.con.execute(f"select {_key(by_date)}, {parts} from {staged.name}_sample{group}").fetchall()
    out: dict[str, list] = {"as_of_date": [], "feature": [], "bin_edges": [], "bin_counts": []}
    for row in rows:
        for number, column in enumerate(columns):
            nulls, counts = row[1 + 2 * number], row[2 + 2 * number] or {}
            bounds = [float(e) for e in edges[column]]
            beyond = sum(n for edge, n in counts.items() if edge not in set(bounds))  # the (ek, inf) bin
            out["as_of_date"].append(row[0])
            out["feature"].append(column)
            out["bin_edges"].append(bounds)
            out["bin_counts"].append([nulls, *(counts.get(e, 0) for e in bounds), beyond])
    schema = {"as_of_date": pl.Date, "feature": pl.String, "bin_edges": pl.List(pl.Float64),
              "bin_counts": pl.List(pl.Int64)}  # fmt: skip
    return pl.DataFrame(out, schema=schema)


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

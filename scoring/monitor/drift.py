"""Drift between two profiles, in SQL: per feature, the population stability index (PSI), the
Jensen-Shannon distance and the L-infinity distance between the shares of the bins (numeric features: the
histogram on shared edges, nulls a bin of their own) or of the categories (categorical features, nulls a
category), and whether the task's rule calls that drifted.

PSI = sum over bins of (p - q) ln(p / q), with each share floored at 1e-4 so an empty bin counts (as
Evidently does); JS distance = the square root of the Jensen-Shannon divergence in bits (0 to 1; BigQuery
ML's measure of skew for numbers); L-infinity = the largest |p - q| (BigQuery ML's for categories).

Against `training`, the threshold a feature must pass is raised to what the model's training cutoffs show
among themselves (Monitoring.seasonal_allowance): for each training cutoff, the same distance between it and
the other cutoffs pooled, and its largest value over the cutoffs. A feature that moves that much from one
cutoff to the next moved that much in the data the model learned from: that is the season, not a fault.
"""

from __future__ import annotations

import polars as pl

from scoring.tasks import Monitoring

EPSILON = 1e-4  # the floor of a share in the PSI (Evidently's)
METRICS = ("psi", "js_distance", "linf")


def _bins(relation: str, keys: str = "") -> str:
    """(keys..., feature, bin, n): a profile's histogram bins (numeric) or categories, one row each."""
    lead = f"{keys}, " if keys else ""
    return f"""
        select {lead}feature, cast(bin as varchar) as bin, n from (
            select {lead}feature, unnest(bin_counts) as n, generate_subscripts(bin_counts, 1) as bin
            from {relation} where feature_type = 'numeric' and bin_counts is not null
        )
        union all
        select {lead}feature, coalesce('=' || value, 'null') as bin, n from (
            select {lead}feature, unnest(categories) as value, unnest(category_counts) as n
            from {relation} where feature_type = 'categorical' and categories is not null
        )
    """


def _distances(pairs: str, keys: str = "") -> str:
    """Per (keys, feature): psi, js_distance and linf of the counts a (current) and b (reference)."""
    lead = f"{keys}, " if keys else ""
    floored = f"greatest(p, {EPSILON}) - greatest(q, {EPSILON})"
    ratio = f"greatest(p, {EPSILON}) / greatest(q, {EPSILON})"
    return f"""
        with shares as (
            select {lead}feature, bin,
                a / nullif(sum(a) over (partition by {lead}feature), 0) as p,
                b / nullif(sum(b) over (partition by {lead}feature), 0) as q
            from {pairs}
        )
        select {lead}feature,
            sum(({floored}) * ln({ratio})) as psi,
            sqrt(greatest(0, 0.5 * sum(case when p > 0 then p * log2(2 * p / (p + q)) else 0 end)
                + 0.5 * sum(case when q > 0 then q * log2(2 * q / (p + q)) else 0 end))) as js_distance,
            max(abs(p - q)) as linf
        from shares
        group by all
    """


def _spread(con, cutoffs: str) -> pl.DataFrame:
    """feature, spread_psi, spread_js_distance, spread_linf: the largest distance between one training
    cutoff and the other cutoffs pooled (empty with fewer than two cutoffs)."""
    pairs = f"""
        (with bins as ({_bins(cutoffs, "as_of_date")}),
        totals as (select feature, bin, sum(n) as total from bins group by all)
        select bins.as_of_date, bins.feature, bins.bin, cast(bins.n as double) as a,
            cast(totals.total - bins.n as double) as b
        from bins inner join totals using (feature, bin))
    """
    return con.sql(
        f"""
        select feature, max(psi) as spread_psi, max(js_distance) as spread_js_distance,
            max(linf) as spread_linf
        from ({_distances(pairs, "as_of_date")})
        where (select count(distinct as_of_date) from {cutoffs}) > 1
        group by feature
        """
    ).pl()


def _rules(frame: pl.DataFrame, monitoring: Monitoring) -> pl.DataFrame:
    rows = [
        (feature, kind, *(lambda r: (r.metric, r.threshold))(monitoring.rule(feature, kind)))
        for feature, kind in frame.select("feature", "feature_type").unique().iter_rows()
    ]
    unknown = {r[2] for r in rows} - set(METRICS)
    if unknown:
        from scoring.errors import ConfigError

        raise ConfigError(
            f"Unknown drift metric {sorted(unknown)}: use one of {', '.join(METRICS)} (scoring/tasks.py)"
        )
    return pl.DataFrame(rows, schema=["feature", "feature_type", "metric", "threshold"], orient="row").cast(
        {"threshold": pl.Float64}
    )


def compare(
    con,
    current: pl.DataFrame,
    reference: pl.DataFrame,
    monitoring: Monitoring,
    cutoffs: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Drift of `current` against `reference` (profile rows on the same edges), one row per feature they
    share: feature, feature_type, psi, js_distance, linf_distance, metric, threshold (the rule's, raised to
    the spread of `cutoffs`, the reference's per-cutoff profiles, when given), training_spread, is_drifted."""
    columns = ["feature", "feature_type", "bin_counts", "categories", "category_counts"]
    has_bins = pl.col("bin_counts").is_not_null() | pl.col("categories").is_not_null()
    current, reference = current.filter(has_bins), reference.filter(has_bins)
    con.register("drift_current", current.select(columns))
    con.register("drift_reference", reference.select(columns))
    try:
        pairs = f"""
            (select feature, bin, coalesce(cur.n, 0)::double as a, coalesce(ref.n, 0)::double as b
            from ({_bins("drift_current")}) as cur
            full outer join ({_bins("drift_reference")}) as ref using (feature, bin)
            where feature in (select feature from drift_current)
                and feature in (select feature from drift_reference))
        """
        distances = con.sql(_distances(pairs)).pl()
    finally:
        con.unregister("drift_current")
        con.unregister("drift_reference")
    spread = pl.DataFrame(schema={"feature": pl.String} | {f"spread_{m}": pl.Float64 for m in METRICS})
    if cutoffs is not None and monitoring.seasonal_allowance:
        con.register("drift_cutoffs", cutoffs.select("as_of_date", *columns))
        try:
            spread = _spread(con, "drift_cutoffs")
        finally:
            con.unregister("drift_cutoffs")
    return _judge(distances, _rules(current, monitoring), spread)


def _judge(distances: pl.DataFrame, rules: pl.DataFrame, spread: pl.DataFrame) -> pl.DataFrame:
    """Each feature's value of its metric against its threshold, raised to its training spread."""
    frame = distances.join(rules, on="feature", how="inner").join(spread, on="feature", how="left")
    value = pl.coalesce(pl.when(pl.col("metric") == m).then(pl.col(m)) for m in METRICS)
    spread_value = pl.coalesce(pl.when(pl.col("metric") == m).then(pl.col(f"spread_{m}")) for m in METRICS)
    return (
        frame.with_columns(training_spread=spread_value)
        .with_columns(threshold=pl.max_horizontal("threshold", pl.col("training_spread").fill_null(0.0)))
        .with_columns(is_drifted=(value > pl.col("threshold")).fill_null(False))
        .select(
            "feature", "feature_type", "psi", "js_distance", pl.col("linf").alias("linf_distance"), "metric",
            "threshold", "training_spread", "is_drifted",
        )
        .sort("feature")
    )  # fmt: skip

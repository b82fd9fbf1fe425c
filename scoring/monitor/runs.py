"""A run's profiles and drift, as the rows of scoring.feature_profiles and scoring.drift.

A train run profiles its model's training reference (every client at each training cutoff, a sample of
clients per cutoff: the `training` profile pooled over the cutoffs, and one `training_cutoff` profile each),
sets the bin edges every later run of that model is histogrammed on (the reference's deciles), and profiles
what it scored (`scored`). A rescore profiles what it scored on its model's edges. The score itself is the
feature `probability`: its reference is the train run's own scores (their deciles are its edges).

Drift has one row per feature and reference: `training` (the run's scored rows against its model's
reference; the threshold raised to the spread between the training cutoffs) and `previous_run` (against the
task's previous run, on that run's edges: the run is histogrammed a second time when another model set them,
a `scored` profile row with that run's `edges_run_id`).

Everything runs in DuckDB on a connection the caller owns: an in-memory one over the frames a train run
holds, or a rescore's run transaction over the batches it reads (scoring.monitor.profiles.Staged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from scoring.model.dataset import FeatureSpec
from scoring.monitor import drift, profiles
from scoring.monitor.profiles import Staged
from scoring.store.batch_writer import memory_limit
from scoring.store.warehouse import connect
from scoring.tasks import Task

SCORE = "probability"
SCORE_SPEC = FeatureSpec((SCORE,), ())


@dataclass(frozen=True)
class RunIds:
    task: str
    model_run_id: str
    as_of: date
    reference_run_id: str  # the train run whose model scored (itself, for a train run)
    computed_at: datetime = field(default_factory=datetime.now)


@dataclass(frozen=True)
class Previous:
    """The task's previous run: its `scored` profile rows and the run that set their edges."""

    model_run_id: str
    edges_run_id: str
    scored: pl.DataFrame


@dataclass(frozen=True)
class Monitored:
    """A run's rows of scoring.feature_profiles and scoring.drift, and the seconds they took."""

    profiles: pl.DataFrame
    drift: pl.DataFrame


def _with_ids(frame: pl.DataFrame, ids: RunIds, kind: str, edges_run_id: str) -> pl.DataFrame:
    return frame.with_columns(
        task=pl.lit(ids.task),
        model_run_id=pl.lit(ids.model_run_id),
        profile_kind=pl.lit(kind),
        edges_run_id=pl.lit(edges_run_id),
        computed_at=pl.lit(ids.computed_at),
    )


def previous_run(con: duckdb.DuckDBPyConnection, task: str, before: str, prefix: str = "") -> Previous | None:
    """The task's latest run other than `before` that has a scored profile, from the scoring tables of the
    database `prefix` names (e.g. 'building.'), or None."""
    found = con.execute(
        f"""
        select runs.model_run_id from {prefix}scoring.model_runs as runs
        where runs.task = ? and runs.model_run_id <> ? and exists (
            select 1 from {prefix}scoring.feature_profiles as p
            where p.model_run_id = runs.model_run_id and p.profile_kind = 'scored'
        )
        order by runs.created_at desc limit 1
        """,
        [task, before],
    ).fetchall()
    if not found:
        return None
    rows = read_profiles(con, found[0][0], ("scored",), prefix)
    return Previous(found[0][0], rows["edges_run_id"][0], rows)


def previous_in_warehouse(warehouse: Path, task: str) -> Previous | None:
    """The task's latest profiled run in the warehouse (None without one, or without the table)."""
    if not Path(warehouse).exists():
        return None
    with connect(warehouse, read_only=True) as con:
        has_profiles = con.execute(
            "select count(*) from duckdb_tables() "
            "where schema_name = 'scoring' and table_name = 'feature_profiles'"
        ).fetchall()[0][0]
        return previous_run(con, task, "") if has_profiles else None


def read_profiles(con: duckdb.DuckDBPyConnection, model_run_id: str, kinds, prefix: str = "") -> pl.DataFrame:
    """A run's profile rows of the given kinds."""
    marks = ", ".join("?" for _ in kinds)
    return con.sql(
        f"select * from {prefix}scoring.feature_profiles "
        f"where model_run_id = ? and profile_kind in ({marks})",
        params=[model_run_id, *kinds],
    ).pl()


def edges_from(rows: pl.DataFrame) -> dict[str, list[float]]:
    """{feature: bin edges} of profile rows (numeric ones)."""
    numeric = rows.filter(pl.col("feature_type") == "numeric")
    return {f: list(e or []) for f, e in numeric.select("feature", "bin_edges").iter_rows()}


def _drift_rows(ids: RunIds, kind: str, reference_run: str, frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        task=pl.lit(ids.task),
        model_run_id=pl.lit(ids.model_run_id),
        reference_kind=pl.lit(kind),
        reference_run_id=pl.lit(reference_run),
        computed_at=pl.lit(ids.computed_at),
    )


def run_drift(
    con: duckdb.DuckDBPyConnection,
    task: Task,
    ids: RunIds,
    scored: pl.DataFrame,
    reference: pl.DataFrame,
    previous: Previous | None,
    rebinned: pl.DataFrame | None,
) -> pl.DataFrame:
    """The run's drift rows against its model's training reference (`reference`: that run's training and
    training_cutoff profiles) and against the previous run (on its edges: `rebinned` when they differ)."""
    pooled = reference.filter(pl.col("profile_kind") == "training")
    cutoffs = reference.filter(pl.col("profile_kind") == "training_cutoff")
    parts = [
        _drift_rows(
            ids,
            "training",
            ids.reference_run_id,
            drift.compare(con, scored, pooled, task.monitoring, cutoffs),
        )
    ]
    if previous is not None:
        current = scored
        if rebinned is not None:
            current = pl.concat([rebinned, scored.filter(pl.col("feature_type") == "categorical")])
        compared = drift.compare(con, current, previous.scored, task.monitoring)
        parts.append(_drift_rows(ids, "previous_run", previous.model_run_id, compared))
    return pl.concat(parts)


def _needs_rebinning(previous: Previous | None, edges_run_id: str) -> bool:
    return previous is not None and previous.edges_run_id != edges_run_id


def _rebinned_rows(rebinned: pl.DataFrame, ids: RunIds, previous: Previous) -> pl.DataFrame:
    """The run's numeric histograms on the previous run's edges: profile_kind `scored_rebinned`."""
    dated = rebinned.with_columns(as_of_date=pl.lit(ids.as_of))
    return _with_ids(dated, ids, "scored_rebinned", previous.edges_run_id)


def _rebin(features: Staged, score: Staged, previous: Previous) -> pl.DataFrame:
    edges = edges_from(previous.scored)
    return pl.concat([profiles.rebinned(features, edges), profiles.rebinned(score, edges)])


@dataclass(frozen=True)
class TrainProfiles:
    """What a train run profiles of its data before it scores: its model's training reference, the rows it
    scores (features, on the reference's edges), the previous run and, on its edges, those rows."""

    reference: profiles.Reference
    scored: pl.DataFrame
    previous: Previous | None
    rebinned: pl.DataFrame | None
    # The final model's probability of every client scored (client_id, as_of_date, probability): the score's
    # profile, as a rescore of the model on the same rows gives it. (The train run writes out-of-fold scores
    # for its labelled clients instead; profiling those would make the first rescore of unchanged data
    # look like a moved score.)
    model_scores: pl.DataFrame | None = None


def profile_training_data(
    task: Task,
    spec: FeatureSpec,
    training: pl.DataFrame,
    scoring: pl.DataFrame,
    previous: Previous | None,
) -> TrainProfiles:
    """Profile a train run's reference and the rows it scores, in an in-memory DuckDB over the frames
    (Arrow, not copied). `training` holds the labelled rows it learns from and `scoring` every client at
    the scoring date: the reference is every client at each training cutoff, so the labelled rows of the
    past cutoffs (where every client has a derived label) and, when the scoring date is a training cutoff
    too (it has provided labels), every client there. A sample of clients per cutoff is kept."""
    monitoring, key = task.monitoring, task.columns.key
    columns = [*key, *spec.columns]
    as_of = scoring[task.columns.date_column].max()
    # every client at each training cutoff: the labelled rows of the past ones, all clients at the scoring
    # date when it is a training cutoff too
    parts = [training.filter(pl.col(task.columns.date_column) != as_of).select(columns)]
    if training[task.columns.date_column].is_in([as_of]).any():
        parts.append(scoring.select(columns))
    with duckdb.connect() as con:
        for number, part in enumerate(parts):
            con.register(f"reference_part_{number}", part.select(key).to_arrow())
        day = task.columns.date_column
        counts = dict(pl.concat([part.select(day) for part in parts]).group_by(day).len().iter_rows())
        shares = {
            d: profiles.sample_share(n, monitoring.reference_rows_per_cutoff) for d, n in counts.items()
        }
        reference = Staged(con, spec, shares, *key, copy=False)
        # the sampled rows picked by their keys (two columns read), then taken from the frames in Polars
        sample = pl.concat(
            [
                part.join(reference.sampled_keys(f"reference_part_{n}"), on=list(key))
                for n, part in enumerate(parts)
            ]
        )
        con.register("reference_sample", sample.to_arrow())
        reference.add("reference_sample", sample="reference_sample")
        built = profiles.reference(reference, monitoring.bins)
        con.register("scored_rows", scoring.select(columns).to_arrow())
        share = profiles.sample_share(scoring.height, monitoring.sample_rows)
        features = Staged(con, spec, {as_of: share}, *key, copy=False)
        con.register("scored_keys", scoring.select(key).to_arrow())
        scored_sample = scoring.select(columns).join(features.sampled_keys("scored_keys"), on=list(key))
        con.register("scored_sample", scored_sample.to_arrow())
        features.add("scored_rows", sample="scored_sample")
        scored = profiles.profile(features, built.edges)
        rebinned = None if previous is None else profiles.rebinned(features, edges_from(previous.scored))
    return TrainProfiles(built, scored, previous, rebinned)


def monitor_train_run(task: Task, ids: RunIds, data: TrainProfiles, scores: pl.DataFrame) -> Monitored:
    """A train run's profiles and drift, once it has scored: `scores` holds client_id, as_of_date and
    probability (data.model_scores when set). The score's reference is the model's own scores at its
    training date (their deciles are its edges)."""
    run, previous = ids.model_run_id, data.previous
    scores = data.model_scores if data.model_scores is not None else scores
    with duckdb.connect() as con:
        con.register("scores", scores.select("client_id", "as_of_date", "probability").to_arrow())
        share = profiles.sample_share(scores.height, task.monitoring.sample_rows)
        score = Staged(con, SCORE_SPEC, {ids.as_of: share}, copy=False)
        score.add("scores")
        score_profile = profiles.reference(score, task.monitoring.bins).pooled
        score_profile = score_profile.with_columns(as_of_date=pl.lit(ids.as_of))
        scored = pl.concat([data.scored, score_profile])
        rebinned = None
        if _needs_rebinning(previous, run):
            rebinned = pl.concat([data.rebinned, profiles.rebinned(score, edges_from(previous.scored))])
        reference = pl.concat(
            [
                _with_ids(data.reference.pooled, ids, "training", run),
                _with_ids(score_profile, ids, "training", run),
                _with_ids(data.reference.cutoffs, ids, "training_cutoff", run),
            ]
        )
        rows = [reference, _with_ids(scored, ids, "scored", run)]
        if rebinned is not None:
            rows.append(_rebinned_rows(rebinned, ids, previous))
        drift_rows = run_drift(con, task, ids, scored, reference, previous, rebinned)
    return Monitored(pl.concat(rows, how="diagonal_relaxed"), drift_rows)


# DuckDB's memory while a rescore reads a batch of every feature and profiles it (its writes run under
# scoring.store.batch_writer.MEMORY_LIMIT, 64 MB): a batch of 50,000 rows x 250 columns is 100 MB of result,
# appending to a 250-column table pins a 256 kB block per column (63 MB), and the quantiles hold the sample's
# values. Batches and the sample are capped, so this does not grow with the clients.
PROFILE_MEMORY_LIMIT = "256MB"


class RescoreMonitor:
    """A rescore's profile, staged batch by batch in its run transaction (`con`, with the warehouse copy
    attached as `building`): add() each batch as it is read, finish() once the scores are written; both run
    under PROFILE_MEMORY_LIMIT."""

    def __init__(self, con, task: Task, spec: FeatureSpec, ids: RunIds, n_rows: int) -> None:
        self.con, self.task, self.spec, self.ids = con, task, spec, ids
        share = profiles.sample_share(n_rows, task.monitoring.sample_rows)
        self.features = Staged(con, spec, {ids.as_of: share})
        self.score = Staged(con, SCORE_SPEC, {ids.as_of: share})

    def add(self, frame: pl.DataFrame) -> None:
        """Add one batch of the feature mart's rows (the key, the date and the features)."""
        columns = (self.features.id_column, self.features.date_column, *self.spec.columns)
        self.con.register("profile_batch", frame.select(columns).to_arrow())
        try:
            with memory_limit(self.con, PROFILE_MEMORY_LIMIT):
                self.features.add("profile_batch")
        finally:
            self.con.unregister("profile_batch")

    def finish(self) -> Monitored:
        with memory_limit(self.con, PROFILE_MEMORY_LIMIT):
            return self._finish()

    def _finish(self) -> Monitored:
        """Profile the staged rows and the run's scores (in building.scoring.scores) on the model's edges, and
        measure their drift against the model's reference and the previous run. A model trained before
        runs were profiled has no reference: the run's own deciles are its edges, and it has no drift
        against `training`."""
        ids, con = self.ids, self.con
        self.score.add(
            "(select client_id, as_of_date, probability from building.scoring.scores "
            f"where model_run_id = {profiles.literal(ids.model_run_id)})"
        )
        reference = read_profiles(con, ids.reference_run_id, ("training", "training_cutoff"), "building.")
        edges_run = ids.reference_run_id
        edges = edges_from(reference.filter(pl.col("profile_kind") == "training"))
        if reference.is_empty():
            bins = self.task.monitoring.bins
            edges_run = ids.model_run_id
            edges = profiles.reference(self.features, bins).edges | profiles.reference(self.score, bins).edges
        scored = pl.concat([profiles.profile(self.features, edges), profiles.profile(self.score, edges)])
        previous = previous_run(con, ids.task, ids.model_run_id, "building.")
        rebinned = (
            _rebin(self.features, self.score, previous) if _needs_rebinning(previous, edges_run) else None
        )
        rows = [_with_ids(scored, ids, "scored", edges_run)]
        if rebinned is not None:
            rows.append(_rebinned_rows(rebinned, ids, previous))
        if reference.is_empty():
            reference = scored.head(0).with_columns(profile_kind=pl.lit("training"))
        drift_rows = run_drift(con, self.task, ids, scored, reference, previous, rebinned)
        self.features.drop()
        self.score.drop()
        return Monitored(pl.concat(rows, how="diagonal_relaxed"), drift_rows)

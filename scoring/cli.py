"""The `scoring` command line: a thin layer over the library. `scoring --help` lists the commands."""

import os
import sys
from pathlib import Path

import click
from tqdm import tqdm

from scoring import stages
from scoring.errors import ScoringError
from scoring.settings import Settings


class _Commands(click.Group):
    """The library's errors (scoring.errors.ScoringError) become one message and exit status 1, without a
    traceback; anything else is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScoringError as error:
            raise click.ClickException(str(error)) from error


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Feature store and batch scoring for online stores.

    Typical use is through make (`make score`); every command reads DATA_DIR, WAREHOUSE, AS_OF, TARGET
    and SEED from the environment like the Makefile passes them.
    """
    idle_threads_sleep()
    ctx.obj = Settings.from_env()
    stages.stop_at(ctx.obj.stop_at)


def idle_threads_sleep() -> None:
    """OpenMP threads (XGBoost's, scikit-learn's) wait for each other by sleeping, not spinning.

    Spinning only pays on idle cores. On a shared machine a thread spins away the time slice its partner
    needs: at scale 1 with other jobs running, XGBoost's rounds took 4x the CPU time (31 s against 8 s for
    the same 150 rounds, same model). Set before XGBoost or scikit-learn load their OpenMP runtime, which
    reads it once; an OMP_WAIT_POLICY already set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@main.group()
def generate() -> None:
    """Write realistic synthetic data in the exact formats of the real files."""


@generate.command("apparel")
@click.option(
    "--scale",
    type=click.FloatRange(min=0.001),
    default=1.0,
    show_default=True,
    help="1.0 is the real size: ~49,850 buyers, ~202k purchase rows, ~12.7M message rows.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for the files (e.g. data/raw/apparel); the truth goes to OUT/_truth/.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="CSV like the real files, or Parquet.",
)
def generate_apparel_cmd(scale: float, seed: int, out: Path, fmt: str) -> None:
    """Simulate the apparel shop's clients and write purchases, messages and the target."""
    from scoring.generate import calendar
    from scoring.generate.apparel_write import generate_apparel

    with tqdm(total=calendar.N_DAYS, unit="day", desc=f"apparel scale {scale}", leave=False) as bar:
        paths = generate_apparel(out, scale=scale, seed=seed, fmt=fmt, on_day=lambda _: bar.update())
    for path in paths.values():
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:,.1f} MB)")


@generate.command("one-click")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--clients",
    type=click.IntRange(min=50),
    default=1300,
    show_default=True,
    help="Number of clients (the real file has 1300).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for the four files (e.g. data/raw/one_click).",
)
def generate_one_click_cmd(seed: int, clients: int, out: Path) -> None:
    """Write the four files of the one-click task (Russian headers, money.csv with ';' and ',')."""
    from scoring.generate.one_click import generate_one_click

    unlabelled = round(clients * 0.2)
    paths = generate_one_click(out, seed=seed, n_clients=clients, n_unlabelled=unlabelled)
    for path in paths.values():
        click.echo(f"wrote {path}")


@main.group()
def profile() -> None:
    """Compare a folder of data with the real data's published statistics."""


@profile.command("apparel")
@click.option(
    "--data",
    "data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="Folder with apparel-purchases, -messages and -target_binary files.",
)
def profile_apparel_cmd(data: Path) -> None:
    """Print the statistics of PROFILE.md section 3: generated beside real, with the ratio."""
    from scoring.generate.profile import format_profile, profile_apparel

    stats = profile_apparel(data)
    click.echo(format_profile(stats))
    if not all(s.ok for s in stats):
        sys.exit(1)


@main.command("check-inputs")
@click.pass_obj
def check_inputs_cmd(settings: Settings) -> None:
    """Check the raw files under DATA_DIR against their specs (build-features does this first)."""
    from scoring.build.checks import check_inputs, format_problems
    from scoring.build.raw_files import require_data_sets

    problems = check_inputs(require_data_sets(settings.data_dir))
    if problems:
        raise click.ClickException(format_problems(problems))
    click.echo("The input files pass their checks.")


@main.command("convert")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the Parquet files (OUT/<task>/<file>.parquet); build from it with DATA_DIR=OUT.",
)
@click.pass_obj
def convert_cmd(settings: Settings, out: Path) -> None:
    """Convert the raw CSV files under DATA_DIR to Parquet in another folder (every column as text, as the
    build reads a CSV, so the marts come out the same); a build from it skips parsing CSV."""
    from scoring.build.convert import convert_to_parquet

    converted = convert_to_parquet(settings.data_dir, out)
    for file in converted:
        click.echo(
            f"wrote {file.target} ({file.target_bytes / 1e6:,.1f} MB; "
            f"{file.source.name} {file.source_bytes / 1e6:,.1f} MB)"
        )


@main.command("build-features")
@click.pass_obj
def build_features_cmd(settings: Settings) -> None:
    """Check the raw files under DATA_DIR, then build and test the feature marts (dbt build) of every task
    with files there in a new file that replaces the warehouse only when every model and test passed."""
    from scoring.build.full_build import build_features

    _warn_health(build_features(settings))


def _warn_health(problems: list[str] | tuple[str, ...]) -> None:
    """Say loudly which raw sources are stale or collapsed (FAIL_ON_HEALTH=1 makes them fail the build)."""
    for problem in problems:
        click.secho(f"WARNING: data health: {problem}", fg="yellow", bold=True, err=True)
    if problems:
        click.secho(
            "The build was published anyway; FAIL_ON_HEALTH=1 stops it instead. Details: "
            "select * from scoring.data_health order by checked_at desc",
            fg="yellow",
            err=True,
        )


@main.command("refresh")
@click.pass_obj
def refresh_cmd(settings: Settings) -> None:
    """Apply the new days of apparel events (DATA_DIR/apparel/days/YYYY-MM-DD/) to the built warehouse: the
    latest cutoff moves to the newest day (or AS_OF) and the marts get its features, at a fraction of a full
    build's cost. Late rows (dated on or before the latest cutoff) are refused: build-features takes them."""
    from scoring.build.refresh import NothingToRefresh, refresh_features

    try:
        done = refresh_features(settings)
    except NothingToRefresh as error:  # up to date: not a failure
        click.echo(str(error))
        return
    days = ", ".join(map(str, done.days))
    slowest = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in done.model_seconds[:3])
    click.echo(f"refreshed: latest cutoff {done.replaced_cutoff} -> {done.latest_cutoff} (days {days})")
    click.echo(f"dbt ran the models in {done.dbt_seconds:.1f} s; slowest: {slowest}")
    _warn_health(done.health_problems)


@main.command("score")
@click.option(
    "--task",
    "task_names",
    multiple=True,
    help="Task to score (repeatable); default: every task whose marts exist.",
)
@click.option(
    "--model-run", "model_run", default=None, help="Rescore with the saved model of this run; no training."
)
@click.option(
    "--top-k", type=click.IntRange(min=0), default=5, show_default=True, help="Reasons kept per client."
)
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=None,
    help="With --model-run: clients scored and explained at a time (memory grows with it) [default: 50000].",
)
@click.pass_obj
def score_cmd(
    settings: Settings, task_names: tuple[str, ...], model_run: str | None, top_k: int, batch_rows: int | None
) -> None:
    """Train, validate, score and explain every task (or rescore with a saved model).

    Writes scoring.model_runs, scores, explanations and feature_importance to the warehouse, the model to
    data/models/<task>/<run>/ and the run result and SHAP plots to data/reports/<task>/<run>/. With
    TARGET=spark it reads the marts Spark built (Parquet, through Polars) and also registers the scoring
    tables in Spark's catalog.
    """
    from scoring.run.rescore import BATCH_ROWS, rescore
    from scoring.run.result import summary
    from scoring.run.train import run_tasks

    if model_run:
        results = [rescore(settings, model_run, top_k, batch_rows or BATCH_ROWS)]
    else:
        results = run_tasks(settings, task_names, top_k)
    for result in results:
        click.echo(summary(result))
    if settings.on_spark:
        from scoring.build.dbt import register_scoring_tables

        tables = register_scoring_tables(settings)
        click.echo(f"registered in Spark's catalog: scoring.{', scoring.'.join(tables)}")


@main.command("monitor")
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    type=click.Choice(["drift", "health", "performance"]),
    help="Exit with status 1 when the latest runs drifted, a raw source of the latest build is unhealthy, or "
    "a past run's realised ROC-AUC fell below its test ROC-AUC (repeatable).",
)
@click.option(
    "--top", type=click.IntRange(min=1), default=5, show_default=True, help="Most drifted features shown."
)
@click.pass_obj
def monitor_cmd(settings: Settings, fail_on: tuple[str, ...], top: int) -> None:
    """Summarise the monitoring tables: each task's latest drift (against its model's training data and the
    previous run), the realised performance of past runs, the latest build's data health, and the campaigns'
    results (measured first, for the windows that have closed); write the page data/reports/monitoring.html
    (every run of each task over time)."""
    from scoring.monitor.summary import failures, format_summary, read_state
    from scoring.report.monitoring import write_monitoring_page
    from scoring.run.campaign import measure_all, summary_lines

    measure_all(settings, only_new=True)  # the campaigns whose outcome window has closed since
    state = read_state(settings.warehouse)
    click.echo(format_summary(state, top=top))
    campaign_lines = summary_lines(settings)
    if campaign_lines:
        click.echo("campaigns (treatment against control once the outcome window has closed):")
        click.echo("\n".join(f"  {line}" for line in campaign_lines))
    page = write_monitoring_page(state, settings.reports_dir / "monitoring.html")
    click.echo(f"page: {page}")
    found = failures(state, fail_on)
    for failure in found:
        click.secho(f"FAILED {failure}", fg="red", bold=True, err=True)
    if found:
        sys.exit(1)


@main.command("promote")
@click.option("--task", "task_name", required=True, help="The task whose champion to set.")
@click.option("--model-run", "model_run", required=True, help="The train run to make the champion.")
@click.option("--reason", required=True, help="Why, in words: recorded in scoring.model_aliases.")
@click.option("--force", is_flag=True, help="Promote even when the gates block it (recorded as forced).")
@click.pass_obj
def promote_cmd(settings: Settings, task_name: str, model_run: str, reason: str, force: bool) -> None:
    """Make a train run the champion of its task: its scores become scoring.latest_scores. The gates
    (ROC-AUC, calibration, drift against the current champion) must pass unless --force."""
    from scoring.run.promotion import promote

    click.echo(promote(settings, task_name, model_run, reason, force))
    _register_on_spark(settings)


@main.command("rollback")
@click.option("--task", "task_name", required=True, help="The task whose champion to roll back.")
@click.option("--reason", required=True, help="Why, in words: recorded in scoring.model_aliases.")
@click.pass_obj
def rollback_cmd(settings: Settings, task_name: str, reason: str) -> None:
    """Make the previous champion of a task the champion again (a second rollback undoes the first)."""
    from scoring.run.promotion import rollback

    click.echo(rollback(settings, task_name, reason))
    _register_on_spark(settings)


@main.command("aliases")
@click.option("--task", "task_name", default=None, help="One task (default: all).")
@click.pass_obj
def aliases_cmd(settings: Settings, task_name: str | None) -> None:
    """List the champion and challenger decisions, oldest first, with their reasons."""
    from scoring.run.promotion import alias_history

    for row in alias_history(settings, task_name).iter_rows(named=True):
        click.echo(
            f"{row['set_at']:%Y-%m-%d %H:%M:%S}  {row['task']}  {row['alias']:<10}  {row['model_run_id']}"
        )
        click.echo(f"    {row['reason']}")


def _register_on_spark(settings: Settings) -> None:
    if settings.on_spark:
        from scoring.build.dbt import register_scoring_tables

        register_scoring_tables(settings)


@main.command("campaign")
@click.option("--task", "task_name", required=True, help="The task whose champion's latest scores to act on.")
@click.option("--size", type=click.IntRange(min=1), default=None, help="Select this many, by expected value.")
@click.option(
    "--budget", type=float, default=None, help="Select as many as this budget contacts (treatment)."
)
@click.option("--min-expected-value", type=float, default=None, help="Select all at or above this value.")
@click.option(
    "--target-recall", type=float, default=None, help="Select by probability to this expected recall."
)
@click.option(
    "--control-share", type=float, default=0.1, show_default=True, help="Share of the selected held out."
)
@click.option("--seed", type=int, default=None, help="Seed of the control group [default: SEED, 42].")
@click.pass_obj
def campaign_cmd(
    settings: Settings, task_name: str, size, budget, min_expected_value, target_recall, control_share, seed
) -> None:
    """Build a contact list: exclude who may not be contacted, rank by expected value (probability x value x
    offer effect - contact cost), select by one rule, hold out a seeded control group. Writes
    scoring.campaigns and campaign_members, the treatment group to data/campaigns/<id>.csv and .parquet, and
    a campaign section into the scores' report. The same campaign asked twice is not made twice."""
    from scoring.decide.campaign import Selection
    from scoring.run.campaign import CampaignRequest, make_campaign

    asked = {
        "size": size,
        "budget": budget,
        "min_expected_value": min_expected_value,
        "target_recall": target_recall,
    }
    chosen = {k: v for k, v in asked.items() if v is not None}
    if len(chosen) != 1:
        raise click.UsageError("Give exactly one of --size, --budget, --min-expected-value, --target-recall")
    ((rule, value),) = chosen.items()
    seed = settings.seed if seed is None else seed
    request = CampaignRequest(task_name, Selection(rule, float(value)), control_share, seed)
    made = make_campaign(settings, request)
    c = made.counts
    click.echo(
        f"campaign {made.campaign_id}" + ("" if made.created else " (made before with the same parameters)")
    )
    click.echo(f"  scores of {made.model_run_id}; rule: {made.selection}")
    click.echo(f"  scored {c['scored']:,}; excluded {sum(c['excluded'].values()):,}:")
    for reason, n in c["excluded"].items():
        click.echo(f"    {n:,}  {reason}")
    click.echo(
        f"  eligible {c['eligible']:,}; selected {c['selected']:,}: treatment {c['treatment']:,}, control "
        f"{c['control']:,}; expected value of the treatment {c['expected_value_treatment']:,.2f}"
    )
    click.echo("  offers (selected clients, by rule):")
    for rule_name, n in c["offers"].items():
        click.echo(f"    {n:,}  {rule_name}")
    click.echo(f"  treatment group: {made.export_csv} and {made.export_parquet.name}")
    if made.report is not None:
        click.echo(f"  report: {made.report}")


@main.command("campaign-results")
@click.option(
    "--task", "task_names", multiple=True, help="Task (repeatable); default: every task with campaigns."
)
@click.pass_obj
def campaign_results_cmd(settings: Settings, task_names: tuple[str, ...]) -> None:
    """Measure every campaign whose outcome window has closed in the data: conversion of the treatment and
    control groups, the uplift with its 95% interval, and the uplift at k over the campaigns
    (scoring.campaign_results, campaign_uplift_at_k)."""
    from scoring.run.campaign import measure_all, summary_lines

    measure_all(settings, task_names)
    for line in summary_lines(settings) or ["No campaigns yet: make campaign TASK=<task> SIZE=<n>"]:
        click.echo(line)


@main.command("docs")
@click.option("--serve/--no-serve", default=False, help="Serve the docs on localhost after generating them.")
@click.option("--port", type=int, default=8080, show_default=True, help="Port for --serve.")
@click.pass_obj
def docs_cmd(settings: Settings, serve: bool, port: int) -> None:
    """Generate the dbt docs (lineage ends at the scoring tables), save them as one HTML file, serve them."""
    from scoring.build.docs import generate_docs, serve_docs

    path = generate_docs(settings)
    click.echo(f"wrote {path} (one self-contained file)")
    if serve:
        click.echo(f"serving the docs on http://127.0.0.1:{port} (Ctrl-C to stop)")
        serve_docs(port)

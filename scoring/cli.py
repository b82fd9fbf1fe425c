"""The `scoring` command line: a thin layer over the library. `scoring --help` lists the commands."""

import sys
from pathlib import Path

import click
from tqdm import tqdm

from scoring.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Feature store and batch scoring for online stores.

    Typical use is through make (`make score`); every command reads DATA_DIR, WAREHOUSE, AS_OF, TARGET
    and SEED from the environment like the Makefile passes them.
    """


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


@main.command("build-features")
def build_features_cmd() -> None:
    """Build and test the feature marts (dbt build) for every task with raw files under DATA_DIR."""
    from scoring.features import FeatureBuildError, build_features

    try:
        build_features(Settings.from_env())
    except FeatureBuildError as error:
        raise click.ClickException(str(error)) from error


@main.command("score")
def score_cmd() -> None:
    """Train, validate, score and explain every task (the scoring job)."""
    click.echo(
        "The feature marts are built. The scoring job (training, validation, scores and SHAP "
        "explanations written to scoring.* tables) is not part of this release yet; it comes with "
        "issue 4. Query the features meanwhile, e.g.:\n"
        f"  duckdb -readonly {Settings.from_env().warehouse} "
        '"select * from main_marts.fct_apparel__client_features limit 10"'
    )

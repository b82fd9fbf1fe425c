"""The benchmark report: measurements in, markdown out (no I/O here).

One table of every stage at every scale with its ratio to the floor scan, the one-cutoff comparison (dbt's
feature models, the pandas peer, the floor), the build from Parquet beside the build from CSV, the batched
rescoring's memory, how time grows with scale, and the targets of issues 3 and 7.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

from benchmarks.measure import Measurement
from benchmarks.stages import (
    BUILD,
    BUILD_ONE,
    BUILD_PARQUET,
    CONVERT,
    FLOOR,
    MODELS,
    MONITOR,
    PANDAS,
    REFRESH,
    RESCORE,
    SCORE,
    STAGES,
)

# Issue 3: the full build at scale 1 on 2 cores, and the feature models beside the floor.
BUILD_SECONDS_MAX = 45.0
BUILD_PEAK_MB_MAX = 2048.0
MODELS_TIMES_FLOOR_MAX = 5.0
# Issue 7: build-features plus score at scale 1 on 2 cores.
BUILD_AND_SCORE_SECONDS_MAX = 120.0
# Issue 7: rescoring streams the mart, so its peak memory at a larger scale stays within this factor of its
# peak at scale 1 (from scale 1, about 61k clients, every batch is full).
RESCORE_FLAT_TOLERANCE = 1.2
# Issue 7: at ten times the real size, build-features plus score within 15 minutes and 16 GB on 2 cores.
LARGE_SCALE = 10.0
LARGE_SECONDS_MAX = 900.0
LARGE_PEAK_MB_MAX = 16 * 1024.0
# Issue 7: one more day applied by the incremental refresh, as a share of a full build (wall and CPU time).
REFRESH_SHARE_MAX = 0.20
# Issue 16: profiles and drift add at most this much to a train run (`make score`) at scale 1 and at 10.
MONITOR_SECONDS_MAX = {1.0: 5.0, 10.0: 30.0}
# Growth between two scales counts as linear when seconds per unit of scale rise by at most this factor.
LINEAR_TOLERANCE = 1.10
GROWTH_STAGES = (BUILD, BUILD_ONE, MODELS, PANDAS, FLOOR, BUILD_PARQUET, SCORE)


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def _scale(scale: float) -> str:
    return f"{scale:g}"


def lookup(measurements: Iterable[Measurement], stage: str, scale: float) -> Measurement | None:
    """The measurement of `stage` at `scale` (the last one when measured twice), or None."""
    found = [m for m in measurements if m.stage == stage and m.scale == scale]
    return found[-1] if found else None


def seconds(measurements: Sequence[Measurement], stage: str, scale: float) -> float:
    found = lookup(measurements, stage, scale)
    return math.nan if found is None else found.seconds


def ratio_to_floor(measurements: Sequence[Measurement], m: Measurement) -> float:
    """Seconds of `m` as a multiple of the floor scan at the same scale (NaN when either is missing)."""
    floor = seconds(measurements, FLOOR, m.scale)
    return m.seconds / floor if floor > 0 else math.nan


def _order(m: Measurement) -> tuple[float, int, str]:
    return (m.scale, STAGES.index(m.stage) if m.stage in STAGES else len(STAGES), m.stage)


def format_table(measurements: Sequence[Measurement]) -> str:
    """Every stage at every scale: seconds, peak MB, ratio to the floor, CPU seconds, load, a note."""
    lines = [
        "| stage | scale | seconds | peak MB | × floor | CPU s | load | note |",
        "|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for m in sorted(measurements, key=_order):
        lines.append(
            f"| {m.stage} | {_scale(m.scale)} | {_number(m.seconds)} | {_number(m.peak_mb, 0)} "
            f"| {_number(ratio_to_floor(measurements, m))} | {_number(m.cpu_seconds)} | {_number(m.load)} "
            f"| {m.note} |"
        )
    return "\n".join(lines)


def format_comparison(measurements: Sequence[Measurement]) -> str:
    """One cutoff, side by side: dbt's feature models, the pandas peer and the floor, with ratios."""
    lines = [
        "| scale | dbt feature models s | pandas peer s | pandas peak MB | floor s | dbt ÷ floor "
        "| pandas ÷ dbt |",
        "|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for scale in sorted({m.scale for m in measurements}):
        models, floor = seconds(measurements, MODELS, scale), seconds(measurements, FLOOR, scale)
        pandas = lookup(measurements, PANDAS, scale)
        pandas_seconds = pandas.seconds if pandas else math.nan
        lines.append(
            f"| {_scale(scale)} | {_number(models)} | {_number(pandas_seconds)} "
            f"| {_number(pandas.peak_mb if pandas else None, 0)} | {_number(floor)} "
            f"| {_number(models / floor if floor > 0 else math.nan)} "
            f"| {_number(pandas_seconds / models if models > 0 else math.nan)} |"
        )
    return "\n".join(lines)


def _optional_table(header: str, align: str, rows: list[str]) -> str:
    """A markdown table of `rows` under `header`, or "" when there are none (its section is then left out)."""
    return "\n".join([header, align, *rows]) if rows else ""


def format_parquet(measurements: Sequence[Measurement]) -> str:
    """The build from the CSVs beside the conversion and the build from its Parquet files (wall and CPU)."""
    rows = []
    for scale in sorted({m.scale for m in measurements if m.stage in (CONVERT, BUILD_PARQUET)}):
        csv, conv, parquet = (lookup(measurements, stage, scale) for stage in (BUILD, CONVERT, BUILD_PARQUET))
        cells = [
            f"{_number(m.seconds)} ({_number(m.cpu_seconds)})" if m else "–" for m in (csv, conv, parquet)
        ]
        ratio = parquet.seconds / csv.seconds if csv and parquet and csv.seconds > 0 else math.nan
        rows.append(f"| {_scale(scale)} | {' | '.join(cells)} | {_number(ratio, 2)} |")
    header = (
        "| scale | build from CSV s (CPU s) | convert s (CPU s) | build from Parquet s (CPU s) "
        "| Parquet ÷ CSV build |"
    )
    return _optional_table(header, "|--:|--:|--:|--:|--:|", rows)


def format_rescore(measurements: Sequence[Measurement]) -> str:
    """Peak memory of the batched rescoring at each scale, beside the training run's."""
    rows = []
    for m in sorted((m for m in measurements if m.stage == RESCORE), key=_order):
        trained = lookup(measurements, SCORE, m.scale)
        rows.append(
            f"| {_scale(m.scale)} | {_number(m.peak_mb, 0)} | {_number(m.seconds)} "
            f"| {_number(trained.peak_mb if trained else None, 0)} | {m.note} |"
        )
    header = "| scale | rescore peak MB | rescore s | score (train) peak MB | note |"
    return _optional_table(header, "|--:|--:|--:|--:|---|", rows)


def format_refresh(measurements: Sequence[Measurement]) -> str:
    """The refresh of one more day beside the full build: wall and CPU seconds, peak MB, and the ratios."""
    rows = []
    for m in sorted((m for m in measurements if m.stage == REFRESH), key=_order):
        build = lookup(measurements, BUILD, m.scale)
        cells = [
            f"{_number(x.seconds)} ({_number(x.cpu_seconds)}) | {_number(x.peak_mb, 0)}" if x else "– | –"
            for x in (build, m)
        ]
        wall = m.seconds / build.seconds if build and build.seconds > 0 else math.nan
        cpu = (m.cpu_seconds or math.nan) / build.cpu_seconds if build and build.cpu_seconds else math.nan
        rows.append(f"| {_scale(m.scale)} | {' | '.join(cells)} | {_number(wall, 2)} | {_number(cpu, 2)} |")
    header = (
        "| scale | build s (CPU s) | peak MB | refresh s (CPU s) | peak MB | refresh ÷ build: wall | CPU |"
    )
    return _optional_table(header, "|--:|--:|--:|--:|--:|--:|--:|", rows)


def refresh_share(measurements: Sequence[Measurement], scale: float) -> float:
    """Refresh wall seconds as a share of the full build's at `scale` (NaN when either is missing)."""
    build, refresh = seconds(measurements, BUILD, scale), seconds(measurements, REFRESH, scale)
    return refresh / build if build > 0 else math.nan


def per_unit_of_scale(measurements: Sequence[Measurement], stage: str) -> list[tuple[float, float]]:
    """(scale, seconds per unit of scale) of a stage, by scale, where it was measured."""
    points = [(m.scale, m.seconds / m.scale) for m in measurements if m.stage == stage and m.scale > 0]
    return sorted((scale, value) for scale, value in points if not math.isnan(value))


def grows_linearly(points: Sequence[tuple[float, float]], tolerance: float = LINEAR_TOLERANCE) -> bool | None:
    """True when seconds per unit of scale never rise by more than `tolerance` from one scale to the next,
    i.e. time grows no faster than linearly; None with fewer than two scales."""
    if len(points) < 2:
        return None
    return all(later <= earlier * tolerance for (_, earlier), (_, later) in itertools.pairwise(points))


def _verdict(ok: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "n/a"}[ok]


def format_growth(measurements: Sequence[Measurement]) -> str:
    """Seconds per unit of scale of each stage at each scale, and whether time grows at most linearly."""
    lines = []
    for stage in GROWTH_STAGES:
        points = per_unit_of_scale(measurements, stage)
        if not points:
            continue
        values = ", ".join(f"{value:,.1f} at {_scale(scale)}" for scale, value in points)
        lines.append(
            f"- {stage}: s per unit of scale {values}; linear or better: {_verdict(grows_linearly(points))}"
        )
    return "\n".join(lines)


def _at_most(value: float, limit: float) -> bool | None:
    """value <= limit, or None when value was not measured."""
    return None if math.isnan(value) or math.isnan(limit) else value <= limit


def target_checks(measurements: Sequence[Measurement], scale: float = 1.0) -> list[tuple[str, bool | None]]:
    """The targets of issue 3 (at `scale`; growth over all scales): True, False or None (not measured)."""
    build = lookup(measurements, BUILD, scale)
    build_seconds, build_peak = (build.seconds, build.peak_mb) if build else (math.nan, math.nan)
    models, pandas = seconds(measurements, MODELS, scale), seconds(measurements, PANDAS, scale)
    floor_limit = MODELS_TIMES_FLOOR_MAX * seconds(measurements, FLOOR, scale)
    at = f"scale {_scale(scale)}:"
    build_and_score = build_seconds + seconds(measurements, SCORE, scale)
    return [
        (f"{at} full build ≤ {BUILD_SECONDS_MAX:g} s", _at_most(build_seconds, BUILD_SECONDS_MAX)),
        (f"{at} full build peak ≤ {BUILD_PEAK_MB_MAX:,.0f} MB", _at_most(build_peak, BUILD_PEAK_MB_MAX)),
        (f"{at} feature models faster than the pandas peer", _at_most(models, pandas)),
        (f"{at} feature models ≤ {MODELS_TIMES_FLOOR_MAX:g} × floor", _at_most(models, floor_limit)),
        ("all scales: full build time grows no faster than linearly",
         grows_linearly(per_unit_of_scale(measurements, BUILD))),
        (f"{at} build-features + score ≤ {BUILD_AND_SCORE_SECONDS_MAX:g} s (issue 7)",
         _at_most(build_and_score, BUILD_AND_SCORE_SECONDS_MAX)),
        (f"larger scales: rescore peak ≤ {RESCORE_FLAT_TOLERANCE:g} × its peak at {_scale(scale)} (issue 7)",
         rescore_memory_is_flat(measurements, scale)),
        (f"{at} refresh of one more day ≤ {REFRESH_SHARE_MAX:.0%} of a full build, wall time (issue 7)",
         _at_most(refresh_share(measurements, scale), REFRESH_SHARE_MAX)),
        (f"scale {_scale(LARGE_SCALE)}: build-features + score ≤ {LARGE_SECONDS_MAX / 60:g} min, each "
         f"≤ {LARGE_PEAK_MB_MAX:,.0f} MB peak (issue 7)", large_scale_fits(measurements)),
        *((f"scale {_scale(at)}: profiles + drift add ≤ {limit:g} s to a train run (issue 16)",
           _at_most(seconds(measurements, MONITOR, at), limit)) for at, limit in MONITOR_SECONDS_MAX.items()),
    ]  # fmt: skip


def large_scale_fits(measurements: Sequence[Measurement]) -> bool | None:
    """build-features plus score at LARGE_SCALE within LARGE_SECONDS_MAX, each within LARGE_PEAK_MB_MAX;
    None unless both were measured there."""
    stages = [lookup(measurements, stage, LARGE_SCALE) for stage in (BUILD, SCORE)]
    if any(m is None or math.isnan(m.seconds) for m in stages):
        return None
    fits_time = sum(m.seconds for m in stages) <= LARGE_SECONDS_MAX
    return fits_time and max(m.peak_mb for m in stages) <= LARGE_PEAK_MB_MAX


def rescore_memory_is_flat(
    measurements: Sequence[Measurement], scale: float = 1.0, tolerance: float = RESCORE_FLAT_TOLERANCE
) -> bool | None:
    """True when the rescore's peak memory at every scale above `scale` is at most `tolerance` times its
    peak at `scale`; None without a measurement at `scale` and one above it."""
    base = lookup(measurements, RESCORE, scale)
    above = [m.peak_mb for m in measurements if m.stage == RESCORE and m.scale > scale]
    above = [peak for peak in above if not math.isnan(peak)]
    if base is None or math.isnan(base.peak_mb) or not above:
        return None
    return max(above) <= base.peak_mb * tolerance


def format_checks(measurements: Sequence[Measurement], scale: float = 1.0) -> str:
    return "\n".join(f"- {name}: {_verdict(ok)}" for name, ok in target_checks(measurements, scale))


def render(measurements: Sequence[Measurement], context: Sequence[str] = ()) -> str:
    """The whole report: context lines, the table, the one-cutoff comparison, growth and the targets."""
    sections = [
        "# Benchmark",
        "\n".join(f"- {line}" for line in context),
        "## Every stage\n\n" + format_table(measurements),
        "## One cutoff: dbt's feature models, the pandas peer, the floor\n\n"
        + format_comparison(measurements),
        "## Growth with scale\n\n" + format_growth(measurements),
        "## Targets (issues 3 and 7)\n\n" + format_checks(measurements),
    ]
    parquet, rescore = format_parquet(measurements), format_rescore(measurements)
    refresh = format_refresh(measurements)
    if refresh:
        sections.insert(-1, "## Incremental refresh: one more day\n\n" + refresh)
    if parquet:
        sections.insert(4, "## Building from Parquet\n\n" + parquet)
    if rescore:
        sections.insert(-1, "## Rescoring in batches: memory\n\n" + rescore)
    return "\n\n".join(section for section in sections if section) + "\n"

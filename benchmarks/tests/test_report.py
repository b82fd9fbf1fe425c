"""The benchmark report: the table, ratios to the floor, the linear-growth check and dbt's model timing.

Formatting and arithmetic only; no timing is asserted (speed is checked by running the benchmark)."""

import math

import pytest

from benchmarks.__main__ import merge, parse_args
from benchmarks.dbt_timing import model_timing, upstream_models
from benchmarks.measure import Measurement
from benchmarks.report import (
    format_comparison,
    format_growth,
    format_refresh,
    format_table,
    grows_linearly,
    large_scale_fits,
    per_unit_of_scale,
    ratio_to_floor,
    render,
    rescore_memory_is_flat,
    target_checks,
)
from benchmarks.stages import (
    BUILD,
    BUILD_PARQUET,
    CONVERT,
    FLOOR,
    GENERATE,
    MODELS,
    MONITOR,
    PANDAS,
    REFRESH,
    RESCORE,
    SCORE,
    ScaleRun,
    peak_mb,
    run_stage,
    too_big,
)


def run(scale: float, build: float, models: float, pandas: float, floor: float, peak: float = 1500):
    return [
        Measurement(FLOOR, scale, floor, 300, load=1.0),
        Measurement(BUILD, scale, build, peak, load=1.5),
        Measurement(MODELS, scale, models, math.nan),
        Measurement(PANDAS, scale, pandas, 4500, load=1.2),
    ]


def test_table_has_one_row_per_measurement_with_its_ratio_to_the_floor_of_its_scale():
    measurements = run(1.0, build=30, models=8, pandas=24, floor=2) + run(0.1, 6, 1, 2.4, 0.5)
    table = format_table(measurements).splitlines()
    assert len(table) == 2 + len(measurements)
    assert table[2].startswith("| floor: DuckDB scan | 0.1 |")  # by scale, then in stage order
    assert "| build-features | 1 | 30.0 | 1,500 | 15.0 | – | 1.5 |  |" in table
    assert "| feature models, 1 cutoff | 1 | 8.0 | – | 4.0 | – | – |  |" in table


def test_ratio_to_floor_is_nan_without_a_floor_at_that_scale():
    build = Measurement(BUILD, 3.0, 90, 1800)
    assert math.isnan(ratio_to_floor([build], build))
    assert ratio_to_floor([build, Measurement(FLOOR, 3.0, 6, 300)], build) == 15


def test_a_failed_stage_shows_dashes_and_its_reason():
    failed = Measurement(SCORE, 1.0, math.nan, math.nan, "skipped: no marts")
    assert "| score | 1 | – | – | – | – | – | skipped: no marts |" in format_table([failed])


def test_comparison_puts_models_pandas_and_floor_side_by_side_with_ratios():
    row = format_comparison(run(1.0, build=30, models=8, pandas=24, floor=2)).splitlines()[-1]
    assert row == "| 1 | 8.0 | 24.0 | 4,500 | 2.0 | 4.0 | 3.0 |"


@pytest.mark.parametrize(
    ("seconds", "linear"),
    [
        ((10, 60, 180), True),  # per unit: 100, 60, 60 (fixed start-up cost shrinks)
        ((10, 100, 330), True),  # 100, 100, 110: within the 10 % tolerance
        ((10, 100, 400), False),  # 100, 100, 133: faster than linear from 1 to 3
        ((10, 150, 300), False),  # 100, 150, 100
    ],
)
def test_growth_is_linear_when_seconds_per_unit_of_scale_never_rise(seconds, linear):
    measurements = [
        Measurement(BUILD, scale, s, 1) for scale, s in zip((0.1, 1.0, 3.0), seconds, strict=True)
    ]
    assert grows_linearly(per_unit_of_scale(measurements, BUILD)) is linear


def test_growth_needs_two_scales_and_skips_failed_stages():
    assert grows_linearly(per_unit_of_scale([Measurement(BUILD, 1.0, 30, 1)], BUILD)) is None
    failed = [Measurement(BUILD, 1.0, 30, 1), Measurement(BUILD, 3.0, math.nan, math.nan)]
    assert per_unit_of_scale(failed, BUILD) == [(1.0, 30.0)]


def test_growth_lines_give_seconds_per_unit_and_the_verdict():
    measurements = run(0.1, 6, 1, 2.4, 0.5) + run(1.0, 30, 8, 24, 2)
    lines = format_growth(measurements).splitlines()
    assert "- build-features: s per unit of scale 60.0 at 0.1, 30.0 at 1; linear or better: yes" in lines
    assert (
        "- feature models, 1 cutoff: s per unit of scale 10.0 at 0.1, 8.0 at 1; linear or better: yes"
        in lines
    )


def test_targets_pass_fail_or_are_not_measured():
    scored = [Measurement(SCORE, 1.0, 80, 2000), Measurement(RESCORE, 1.0, 20, 800)]
    scored += [Measurement(RESCORE, 3.0, 60, 900), Measurement(REFRESH, 1.0, 5, 800)]
    scored += [Measurement(BUILD, 10.0, 300, 12000), Measurement(SCORE, 10.0, 300, 5000)]
    scored += [Measurement(MONITOR, 1.0, 3, 1200), Measurement(MONITOR, 10.0, 12, 2500)]
    good = dict(target_checks(run(0.1, 6, 1, 2.4, 0.5) + run(1.0, 30, 8, 24, 2) + scored))
    assert all(good.values()), good
    slow = dict(target_checks(run(1.0, build=50, models=30, pandas=24, floor=2, peak=2500)))
    assert not any(slow[name] for name in list(slow)[:4])
    assert set(dict(target_checks([Measurement(GENERATE, 1.0, 20, 900)])).values()) == {None}


def test_scale_ten_fits_when_build_and_score_take_at_most_15_minutes_and_16_gb_each():
    def at_ten(build_s, score_s, build_mb, score_mb=4000):
        return [Measurement(BUILD, 10.0, build_s, build_mb), Measurement(SCORE, 10.0, score_s, score_mb)]

    assert large_scale_fits(at_ten(500, 390, 15000))
    assert large_scale_fits(at_ten(500, 410, 15000)) is False
    assert large_scale_fits(at_ten(300, 300, 17000)) is False
    assert large_scale_fits(at_ten(300, 300, 12000)[:1]) is None


def test_rescore_memory_is_flat_when_no_larger_scale_peaks_above_the_tolerance():
    def rescored(*peaks):
        return [Measurement(RESCORE, scale, 10, peak) for scale, peak in peaks]

    assert rescore_memory_is_flat(rescored((0.1, 300), (1.0, 800), (3.0, 950), (10.0, 900)))
    assert rescore_memory_is_flat(rescored((1.0, 800), (3.0, 1200))) is False
    assert rescore_memory_is_flat(rescored((1.0, 800), (3.0, math.nan))) is None
    assert rescore_memory_is_flat(rescored((0.1, 300), (3.0, 900))) is None


def test_refresh_is_reported_beside_the_full_build_with_its_share_of_wall_and_cpu_time():
    build = Measurement(BUILD, 1.0, 40, 1500, cpu_seconds=60)
    refresh = Measurement(REFRESH, 1.0, 6, 900, cpu_seconds=9)
    table = format_refresh([build, refresh]).splitlines()
    assert table[-1] == "| 1 | 40.0 (60.0) | 1,500 | 6.0 (9.0) | 900 | 0.15 | 0.15 |"
    slow = dict(target_checks([build, Measurement(REFRESH, 1.0, 10, 900)]))
    assert slow["scale 1: refresh of one more day ≤ 20% of a full build, wall time (issue 7)"] is False
    assert "## Incremental refresh" in render([build, refresh])


def test_report_has_the_context_and_every_section():
    text = render(run(1.0, 30, 8, 24, 2), ["taken on 2 cores"])
    for heading in ("# Benchmark", "## Every stage", "## One cutoff", "## Growth with scale", "## Targets"):
        assert heading in text
    assert "- taken on 2 cores" in text


def test_merge_replaces_remeasured_rows_and_keeps_the_others():
    old = run(1.0, 60, 8, 24, 2)
    new = [Measurement(BUILD, 1.0, 30, 1500)]
    merged = merge(old, new)
    assert len(merged) == len(old)
    assert [m.seconds for m in merged if m.stage == BUILD] == [30]


def test_stages_are_chosen_by_short_name_and_run_in_order():
    args = parse_args(["--scales", "0.1,3", "--stages", "pandas,build,floor"])
    assert args.scales == [0.1, 3.0]
    assert args.stages == [FLOOR, BUILD, PANDAS]
    with pytest.raises(SystemExit):
        parse_args(["--stages", "bild"])


MANIFEST = {
    "nodes": {
        "model.p.stg_a": {"name": "stg_a"},
        "model.p.int_b": {"name": "int_b"},
        "model.p.apparel_features": {"name": "apparel_features"},
        "model.p.apparel_labels": {"name": "apparel_labels"},
    },
    "parent_map": {
        "model.p.stg_a": ["source.p.raw.a"],
        "model.p.int_b": ["model.p.stg_a"],
        "model.p.apparel_features": ["model.p.int_b", "model.p.stg_a"],
        "model.p.apparel_labels": ["model.p.stg_a"],
    },
}


def test_feature_models_are_the_mart_and_every_model_upstream_of_it():
    assert upstream_models(MANIFEST) == {"model.p.stg_a", "model.p.int_b", "model.p.apparel_features"}


def _result(unique_id: str, start: float, end: float) -> dict:
    """A run_results.json entry whose compile and execute steps span [start, end] seconds past noon."""

    def at(seconds: float) -> str:
        return f"2026-01-01T12:00:{seconds:06.3f}Z"

    middle = (start + end) / 2
    return {
        "unique_id": unique_id,
        "execution_time": end - start,
        "timing": [
            {"name": "compile", "started_at": at(start), "completed_at": at(middle)},
            {"name": "execute", "started_at": at(middle), "completed_at": at(end)},
        ],
    }


def test_model_timing_spans_and_sums_the_feature_models_only():
    results = {
        "results": [
            _result("model.p.stg_a", 1.0, 2.5),
            _result("model.p.int_b", 2.5, 4.5),
            _result("model.p.apparel_features", 4.0, 4.5),  # overlaps int_b: two dbt threads
            _result("model.p.apparel_labels", 4.5, 13.5),
            _result("test.p.unique_x", 0.0, 20.0),
        ]
    }
    timing = model_timing(results, upstream_models(MANIFEST))
    assert (timing.wall_seconds, timing.seconds, timing.models) == (3.5, 4.0, 3)
    with pytest.raises(ValueError, match="int_b"):
        model_timing({"results": results["results"][:1]}, {"model.p.stg_a", "model.p.int_b"})


def test_a_stage_too_big_for_the_memory_left_is_skipped_with_the_reason(tmp_path):
    run = ScaleRun(10.0, 42, tmp_path)
    skipped = run_stage(PANDAS, run, available=20_000)
    assert math.isnan(skipped.seconds)
    assert skipped.note.startswith("skipped: needs ~43,000 MB")
    assert too_big(PANDAS, 1.0, available=20_000) is None
    assert too_big(BUILD, 10.0, available=1_000) is None  # the build's memory is capped by DuckDB's limit


def test_score_fits_at_scale_10_because_its_training_rows_are_capped():
    # uncapped it held every labelled row: 2.4 GB at scale 1, 6.4 GB at 3, so ~21 GB at 10
    assert peak_mb(SCORE, 1.0) == pytest.approx(2450)
    assert peak_mb(SCORE, 10.0) < 8_000
    assert too_big(SCORE, 10.0, available=20_000) is None


def test_parquet_and_rescore_sections_show_their_stages_beside_the_csv_build_and_training():
    measured = [
        *run(1.0, 30, 8, 24, 2),
        Measurement(CONVERT, 1.0, 12, 400, cpu_seconds=14),
        Measurement(BUILD_PARQUET, 1.0, 24, 1400, cpu_seconds=40),
        Measurement(SCORE, 1.0, 80, 3000),
        Measurement(RESCORE, 1.0, 20, 900, note="61,167 clients"),
    ]
    text = render(measured)
    assert (
        "## Building from Parquet" in text and "| 1 | 30.0 (–) | 12.0 (14.0) | 24.0 (40.0) | 0.80 |" in text
    )
    assert "## Rescoring in batches: memory" in text and "| 1 | 900 | 20.0 | 3,000 | 61,167 clients |" in text
    assert "## Building from Parquet" not in render(run(1.0, 30, 8, 24, 2))


def test_profiles_and_drift_pass_within_5_s_at_scale_1_and_30_s_at_scale_10():
    checks = dict(target_checks([Measurement(MONITOR, 1.0, 4.9, 900), Measurement(MONITOR, 10.0, 31, 2000)]))
    monitor = {name: ok for name, ok in checks.items() if "profiles + drift" in name}
    assert list(monitor.values()) == [True, False]

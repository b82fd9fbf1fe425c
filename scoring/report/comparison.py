"""The candidate models side by side under each validation protocol, and the run's details (parameters,
protocol sizes, timings) for the reader who wants to reproduce or audit the run."""

from scoring.report import plots
from scoring.report.blocks import Section, Text, fmt, image, pct, table
from scoring.report.inputs import CandidateView, RunView
from scoring.report.sections import TITLES

_PROTOCOL_NAMES = {"client_split": "client split", "out_of_time": "out of time"}


def _label(candidate: CandidateView) -> str:
    if candidate.chosen:
        return f"{candidate.name} (chosen)"
    return candidate.name if candidate.eligible else f"{candidate.name} (reference only)"


def _candidate_table(run: RunView, protocol: str):
    rows, emphasis = [], []
    for c in (c for c in run.candidates if c.protocol == protocol):
        emphasis += [len(rows)] if c.chosen else []
        m = c.test
        rows.append(
            (
                _label(c),
                c.valid_score,
                m.roc_auc,
                m.average_precision,
                m.lift.get("top_10pct"),
                m.brier,
                m.ece,
                f"{c.fit_seconds:.1f} s",
            )
        )
    view = next(p for p in run.protocols if p.name == protocol)
    header = (
        "candidate",
        "validation score",
        "test ROC-AUC",
        "test AP",
        "lift top 10%",
        "Brier",
        "ECE",
        "fit",
    )
    caption = f"{_PROTOCOL_NAMES.get(protocol, protocol)}: {view.description}."
    return table(header, rows, caption, emphasis)


def candidates(run: RunView) -> Section | None:
    """One table per protocol (the chosen candidate in bold) and a chart of their test scores."""
    if not run.candidates:
        return None
    protocols = [p.name for p in run.protocols]
    chart_rows = [
        (_PROTOCOL_NAMES.get(c.protocol, c.protocol), c.name, c.test.roc_auc, c.test.average_precision)
        for p in protocols
        for c in run.candidates
        if c.protocol == p
    ]
    how = (
        "Each bar is one candidate under one validation protocol, measured on that protocol's test rows. "
        "Longer is better; the dark bars are the chosen candidates. Differences of a few thousandths are "
        "noise."
    )
    chosen = [c.chosen for p in protocols for c in run.candidates if c.protocol == p]
    blocks = [image(plots.candidates_chart(chart_rows, chosen), "candidate models compared", how)]
    blocks += [_candidate_table(run, p) for p in protocols]
    intro = (
        "Every candidate is trained on the same rows and chosen on validation rows only: the simplest "
        "candidate whose validation score (the task's selection metric) is within one standard error of "
        "the best, the error of the paired difference from a bootstrap over validation clients. The test "
        "columns are then measured on rows no candidate saw, with calibrated probabilities. The client "
        "split holds out whole clients; out of time trains on earlier dates and tests on the latest, the "
        "way the model is used."
    )
    return Section("candidates", TITLES["candidates"], intro, tuple(blocks))


def _sizes_table(run: RunView):
    rows = []
    for p in run.protocols:
        for part, size in p.sizes.items():
            rows.append(
                (
                    _PROTOCOL_NAMES.get(p.name, p.name),
                    part,
                    size.get("rows"),
                    size.get("positives"),
                    pct(size["positives"] / size["rows"]) if size.get("rows") else "–",
                )
            )
    return table(
        ("protocol", "part", "rows", "positives", "positive rate"), rows, "Rows per protocol and part."
    )


def details(run: RunView) -> Section:
    """Parameters, protocol sizes, timings, features and fingerprint."""
    blocks = [
        table(
            ("parameter", "value"),
            sorted((k, fmt(v, 4)) for k, v in run.parameters.items()),
            f"Parameters of the {run.model_type} model.",
        ),
        table(("stage", "seconds"), [(k, f"{v:.1f}") for k, v in run.timings.items()], "Time per stage."),
        Text(f"Features used ({len(run.features)}): {', '.join(run.features)}."),
        Text(
            f"Data fingerprint {run.data_fingerprint}; seed {run.seed}; "
            f"created {run.created_at:%Y-%m-%d %H:%M}."
            + (f" Model of run {run.source_run_id}." if run.source_run_id else "")
        ),
    ]
    if run.protocols:
        blocks.insert(1, _sizes_table(run))
    intro = "For reproducing or auditing the run."
    return Section("details", TITLES["details"], intro, tuple(blocks))

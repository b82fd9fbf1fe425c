"""The report's sections about the model: the summary first, then metrics, curves, calibration, gains and
lift, thresholds, SHAP, the candidates and the run's details. Each takes the run's view and returns a
Section (or None when the run has nothing for it, e.g. a rescoring run has no test labels)."""

from scoring.report import plots
from scoring.report.blocks import Bullets, Section, Text, Tile, Tiles, fmt, image, pct, table
from scoring.report.data_plots import beeswarm, top_features
from scoring.report.inputs import Measured, RunView
from scoring.report.options import ReportOptions

_FEW_POSITIVES = 50  # below this many test positives, ROC-AUC and lift move by several points per client

TITLES = {
    "summary": "Summary",
    "data": "The data the model learned from",
    "metrics": "How good is the model: the key numbers",
    "curves": "ROC and precision-recall curves",
    "calibration": "Calibration: can the probabilities be taken at face value?",
    "gains": "Gains and lift: how much better than random targeting",
    "threshold": "Precision and recall against the threshold",
    "errors": "Which clients the model misses",
    "shap": "What drives the predictions: SHAP beeswarm and top features",
    "candidates": "The candidate models side by side",
    "details": "Run details",
}


def _size_line(run: RunView) -> str:
    line = f"{run.n_scored:,} clients scored as of {run.as_of_date}"
    if run.test is not None:
        m = run.test.metrics
        line += f"; tested on {m.n:,} held-out clients ({m.n_positive:,} positive)"
    return line


def _headline(run: RunView, outcome: str) -> str:
    if run.test is None:
        source = f" of run {run.source_run_id}" if run.source_run_id else ""
        return (
            f"This run scored {run.n_scored:,} clients as of {run.as_of_date} with the saved model{source}, "
            "without training: no labels are known yet, so its quality is in the training run's report."
        )
    m = run.test.metrics
    if m.n_positive == 0:
        return f"The model ranks clients by their probability of {outcome}; no test client had it."
    return (
        f"The model ranks clients by their probability of {outcome}. On {m.n:,} clients it never saw, "
        f"{pct(m.base_rate)} had {outcome}. The top 10% of its ranking hold {pct(m.capture['top_10pct'], 0)} "
        f"of them: {m.lift['top_10pct']:.1f} times as many as 10% picked at random."
    )


def summary(run: RunView, options: ReportOptions, data_line: str | None) -> Section:
    """The chosen model, its test numbers beside the base rate, the run's identity and size."""
    outcome = options.outcome_for(run.task)
    n_candidates = len({c.name for c in run.candidates if c.eligible})
    tiles = [
        Tile(
            "Chosen model",
            run.model_type,
            (f"best of {n_candidates} candidates; " if n_candidates else "")
            + f"{len(run.features)} of {len(run.all_features)} features",
        )
    ]
    if run.test is not None:
        m = run.test.metrics
        tiles += [
            Tile("Test ROC-AUC", fmt(m.roc_auc), "0.5 is a coin toss, 1 is a perfect ranking"),
            Tile("Base rate", pct(m.base_rate), "share of test clients with label 1"),
            Tile(
                "Average precision",
                fmt(m.average_precision),
                f"random ranking gets the base rate, {pct(m.base_rate)}",
            ),
            Tile(
                "Lift in the top 10%",
                f"{m.lift['top_10pct']:.2f}×",
                f"the top 10% hold {pct(m.capture['top_10pct'])} of positives",
            ),
            Tile(
                "Brier / ECE",
                f"{fmt(m.brier)} / {fmt(m.ece)}",
                f"probabilities are off by {m.ece * 100:.1f} points on average",
            ),
        ]
    tiles += [
        Tile("Run", run.run_id, f"{run.run_kind}, {run.task}"),
        Tile("As of", str(run.as_of_date), "scoring date"),
    ]
    facts = [_size_line(run)] + ([data_line] if data_line else [])
    if run.test is not None and run.test.metrics.n_positive < _FEW_POSITIVES:
        facts.append(
            f"Only {run.test.metrics.n_positive} test clients had {outcome}: the test numbers are rough; "
            "the cross-validation column of the key numbers rests on more clients."
        )
    blocks = [Text(_headline(run, outcome)), Tiles(tuple(tiles)), Bullets(tuple(facts))]
    if run.notes:
        blocks.append(Bullets(tuple(f"Note from the job: {n}" for n in run.notes)))
    return Section("summary", TITLES["summary"], f"Label 1 means {outcome}.", tuple(blocks))


_METRIC_ROWS = (
    ("clients", lambda m: m.n, "rows measured"),
    ("positives (label 1)", lambda m: m.n_positive, ""),
    ("base rate", lambda m: pct(m.base_rate), "share with label 1: what random picking finds"),
    ("ROC-AUC", lambda m: m.roc_auc, "chance a random positive is ranked above a random negative"),
    ("average precision", lambda m: m.average_precision, "average share of positives along the ranking"),
    ("lift in top 1%", lambda m: m.lift.get("top_1pct"), "positive rate in the top 1% / base rate"),
    ("lift in top 5%", lambda m: m.lift.get("top_5pct"), ""),
    ("lift in top 10%", lambda m: m.lift.get("top_10pct"), ""),
    ("lift in top 20%", lambda m: m.lift.get("top_20pct"), ""),
    (
        "captured in top 10%",
        lambda m: pct(m.capture.get("top_10pct")),
        "share of all positives in the top 10%",
    ),
    ("captured in top 20%", lambda m: pct(m.capture.get("top_20pct")), ""),
    ("Brier score", lambda m: m.brier, "mean squared gap between probability and outcome (lower is better)"),
    ("ECE", lambda m: m.ece, "mean gap between predicted and observed rates (lower is better)"),
)


def metrics(run: RunView) -> Section | None:
    """Test and cross-validation metrics beside each other, each with one line of meaning."""
    if run.test is None:
        return None
    columns: list[tuple[str, Measured]] = [("test clients", run.test.metrics)]
    if run.cv_metrics is not None:
        columns.append(("cross-validation", run.cv_metrics))
    rows = [(name, *(get(m) for _, m in columns), meaning) for name, get, meaning in _METRIC_ROWS]
    intro = (
        "The deployed model measured on held-out test clients that no step of training saw; "
        "cross-validation scores the development clients with models that did not see them."
    )
    return Section(
        "metrics",
        TITLES["metrics"],
        intro,
        (table(("metric", *(n for n, _ in columns), "what it means"), rows),),
    )


def curves(run: RunView) -> Section | None:
    """ROC and precision-recall curves of the test clients."""
    if run.test is None:
        return None
    t = run.test
    how = (
        "Left: the higher and further left the curve, the better; the dashed diagonal is random ranking and "
        "the area under the curve is the ROC-AUC. Right: going down the ranking, how many of the flagged "
        "clients are positive (precision) against how many positives are found (recall); random gets the "
        f"base rate ({pct(t.metrics.base_rate)}) everywhere."
    )
    figure = image(plots.roc_and_pr(t.labels, t.probability), "ROC and precision-recall curves", how)
    intro = "Two views of how well the ranking separates positives from negatives on the test clients."
    return Section("curves", TITLES["curves"], intro, (figure,))


def calibration(run: RunView) -> Section | None:
    """The reliability diagram with the distribution of predicted probabilities."""
    if run.test is None:
        return None
    t = run.test
    how = (
        "Clients are sorted by predicted probability and cut into ten equal groups. Each dot is a group: its "
        "average predicted probability (across) against the share that turned out positive (up). Dots on the "
        "dashed line mean a probability of 8% really means 8 in 100. The bars below show how many clients "
        "get each probability."
    )
    figure = image(plots.calibration(t.metrics.calibration, t.probability), "calibration plot", how)
    intro = (
        f"Whether predicted probabilities match what happened. Expected calibration error (ECE): "
        f"{fmt(t.metrics.ece)}, i.e. {t.metrics.ece * 100:.1f} percentage points on average."
    )
    return Section("calibration", TITLES["calibration"], intro, (figure,))


def gains(run: RunView) -> Section | None:
    """Cumulative gains and lift by decile."""
    if run.test is None:
        return None
    t = run.test
    how = (
        "Left: contact clients from the top of the ranking down; the curve shows the share of all positives "
        "reached for each share of clients contacted. Right: each bar is a tenth of clients; 3× means that "
        "tenth has three times the average rate of positives."
    )
    figure = image(plots.gains_and_lift(t.labels, t.probability), "cumulative gains and lift", how)
    intro = "What targeting by the model gains over contacting clients at random, on the test clients."
    return Section("gains", TITLES["gains"], intro, (figure,))


def threshold(run: RunView) -> Section | None:
    """Precision, recall and the share flagged against the probability threshold."""
    if run.test is None:
        return None
    t = run.test
    how = (
        "Choose a threshold on the horizontal axis: clients at or above it are flagged. A higher threshold "
        "flags fewer clients (dashed), more of whom are positive (precision, red), but finds fewer of all "
        "positives (recall, blue)."
    )
    figure = image(plots.threshold_curves(t.labels, t.probability), "precision and recall by threshold", how)
    intro = "The trade-off behind any cut-off on the predicted probability, on the test clients."
    return Section("threshold", TITLES["threshold"], intro, (figure,))


def shap(run: RunView, options: ReportOptions) -> Section | None:
    """The beeswarm of the SHAP sample and the mean |SHAP| bar chart."""
    blocks = []
    if run.shap is not None:
        s = run.shap
        how = (
            "Each dot is a client and each row a feature, most important on top. A dot right of the centre "
            "line raises that client's predicted probability, left lowers it; colour is the feature's value "
            "(red high, blue low, grey missing; categories are coded as numbers). The last row adds up the "
            "features not shown."
        )
        figure = beeswarm(s.values, s.data, s.feature_names, options.shap_features, run.seed)
        blocks.append(image(figure, "SHAP beeswarm", how + f" {len(s.values):,} clients sampled."))
    if not run.importance.is_empty():
        how = "The average size of each feature's effect on the predictions over all clients scored."
        blocks.append(image(top_features(run.importance, options.top_features), "top features", how))
    if run.selection is not None:
        s = run.selection
        blocks.append(
            Text(
                f"Feature selection kept {s.n_selected} of {s.n_ranked} features: the smallest set "
                f"that scored within tolerance of all of them on validation ({fmt(s.full_score)})."
            )
        )
    if not blocks:
        return None
    intro = (
        "Which features move the predicted probability, in which direction, for which clients (SHAP values)."
    )
    return Section("shap", TITLES["shap"], intro, tuple(blocks))

"""The HTML report of a run: written where asked, self-contained, complete, deterministic, valid images."""

import base64
import dataclasses
import io
import re

import numpy as np
import pytest
from PIL import Image as PILImage

from scoring.report import Section, Text, image, new_figure, write_report
from scoring.report.sections import TITLES

# shap's colour maps call a matplotlib method that matplotlib plans to deprecate.
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:shap.*")

DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _segments_section() -> Section:
    figure = new_figure(4, 3)
    figure.subplots().bar(["a", "b"], [3, 5])
    return Section(
        "segments",
        "Segment sizes",
        "How many clients fall in each segment.",
        (Text("A task's own section."), image(figure, "segment sizes", "One bar per segment.")),
    )


@pytest.fixture(scope="module")
def report(run_and_data, tmp_path_factory):
    result, frame = run_and_data
    out_dir = tmp_path_factory.mktemp("report") / "purchase_90d" / result.model_run_id
    path = write_report(result, frame, out_dir, extra_sections=[_segments_section()])
    return path, path.read_text(encoding="utf-8")


def test_writes_report_html_into_the_out_dir(report):
    path, html = report
    assert path.name == "report.html" and path.parent.name == "purchase_90d-20240216T120000-abc123"
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")


def test_report_is_self_contained(report):
    _, html = report
    assert 'src="http' not in html and '<link href="http' not in html
    assert "<link" not in html and "<script" not in html and "url(" not in html
    sources = re.findall(r'src="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)


def test_report_has_every_section_title_with_the_summary_first(report):
    _, html = report
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings[0] == "Summary"
    assert set(TITLES.values()) <= set(headings), set(TITLES.values()) - set(headings)
    assert headings[-1] == TITLES["details"]


def test_summary_names_model_test_metrics_run_and_date(run_and_data, report):
    result, _ = run_and_data
    _, html = report
    summary = html.split("<h2>", 2)[1]
    m = result.test_metrics
    for text in (
        "xgboost",
        f"{m.roc_auc:.3g}",
        f"{m.base_rate * 100:.1f}%",
        f"{m.average_precision:.3g}",
        f"{m.lift['top_10pct']:.2f}×",
        f"{m.brier:.3g}",
        result.model_run_id,
        "2024-02-16",
        "800 clients",
    ):
        assert text in summary, text


def test_extra_sections_follow_the_summary(report):
    _, html = report
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings.index("Segment sizes") == 1
    assert "A task&#39;s own section." in html


def test_same_input_gives_byte_identical_html(run_and_data, report, tmp_path):
    result, frame = run_and_data
    path, _ = report
    again = write_report(result, frame, tmp_path, extra_sections=[_segments_section()])
    assert again.read_bytes() == path.read_bytes()


def test_every_plot_is_a_valid_png(report):
    _, html = report
    images = DATA_URI.findall(html)
    # the segments, data (2), curves, calibration, gains, threshold, errors, SHAP (2), candidates
    assert len(images) == 11
    for encoded in images:
        picture = PILImage.open(io.BytesIO(base64.b64decode(encoded)))
        picture.verify()
        assert picture.format == "PNG" and min(picture.size) >= 150


def test_error_analysis_counts_missed_positives_outside_the_top_fifth(run_and_data, report):
    result, _ = run_and_data
    _, html = report
    y, p = result.test_labels, result.test_probability
    top = np.argsort(-p, kind="stable")[: int(np.ceil(0.2 * len(p)))]
    caught = int(y[top].sum())
    assert f"{caught:,} of the {int(y.sum()):,} positives would be reached" in html
    assert "missed positives" in html and "caught positives" in html


def test_report_without_data_leaves_out_the_data_section(run_and_data, tmp_path):
    result, _ = run_and_data
    html = write_report(result, None, tmp_path).read_text()
    assert TITLES["data"] not in html
    assert TITLES["metrics"] in html and TITLES["errors"] in html
    assert "feature values of the missed clients are not shown" in html


def test_rescoring_run_without_labels_still_reports_scores_and_explanations(run_and_data, tmp_path):
    result, _ = run_and_data
    rescored = dataclasses.replace(
        result,
        run_kind="rescore",
        protocols={},
        cv_metrics=None,
        test_metrics=None,
        test_client_ids=None,
        test_labels=None,
        test_probability=None,
        selection=None,
        source_model_run_id="purchase_90d-old",
    )
    html = write_report(rescored, None, tmp_path).read_text()
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == [TITLES["summary"], TITLES["shap"], TITLES["details"]]
    assert "purchase_90d-old" in html


def test_frame_without_the_label_column_is_refused(run_and_data, tmp_path):
    result, frame = run_and_data
    with pytest.raises(ValueError, match="no label column 'label'"):
        write_report(result, frame.drop("label"), tmp_path)

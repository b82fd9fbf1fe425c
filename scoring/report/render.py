"""Files, and only files: assemble the sections of a run and write them as one self-contained HTML file
(inline CSS, inline PNG images, no scripts or fonts from anywhere)."""

from collections.abc import Sequence
from pathlib import Path

import jinja2
import polars as pl

from scoring.report import comparison, data_sections, sections
from scoring.report.blocks import Section
from scoring.report.inputs import RunView, run_view
from scoring.report.options import ReportOptions

TEMPLATE = "template.html.j2"
REPORT_FILE = "report.html"


def build_sections(
    run: RunView, data: pl.DataFrame | None, options: ReportOptions, extra: Sequence[Section] = ()
) -> list[Section]:
    """Every section in reading order: the summary, the task's own sections, the data, the model's quality,
    the errors, the explanations, the candidates and the details; sections without input are left out."""
    line = data_sections.data_line(data, options.label)
    ordered = [
        sections.summary(run, options, line),
        *extra,
        data_sections.data_section(run, data, options),
        sections.metrics(run),
        sections.curves(run),
        sections.calibration(run),
        sections.gains(run),
        sections.threshold(run),
        data_sections.error_section(run, data, options),
        sections.shap(run, options),
        comparison.candidates(run),
        comparison.details(run),
    ]
    return [s for s in ordered if s is not None]


def render_html(run: RunView, report_sections: Sequence[Section]) -> str:
    """The report's HTML from its sections, with the template kept beside this module."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(TEMPLATE).render(run=run, sections=report_sections)


def write_report(
    result,
    data: pl.DataFrame | None,
    out_dir: Path,
    *,
    extra_sections: Sequence[Section] = (),
    options: ReportOptions | None = None,
) -> Path:
    """Write `out_dir/report.html` for a scoring.run.result.RunResult and return its path.

    `data` is the labelled development frame the job trained on (see inputs.development_frame), or None for
    a report without the data section and the missed clients' features. `extra_sections` are a task's own
    sections, shown right after the summary.
    """
    options = options or ReportOptions()
    run = run_view(result)
    if data is not None and options.label not in data.columns:
        raise ValueError(
            f"The development frame has no label column {options.label!r} (columns: {data.columns[:8]}...): "
            "build it with scoring.report.development_frame(rows)"
        )
    html = render_html(run, build_sections(run, data, options, extra_sections))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    path.write_text(html, encoding="utf-8")
    return path

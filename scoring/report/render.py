"""Files, and only files: assemble the sections of a run and write them as one self-contained HTML file
(inline CSS, inline PNG images, no scripts or fonts from anywhere). The sections are kept beside the file, so
that a later step (a campaign on the run's scores) can put its own sections in and write the file again."""

import pickle
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
SECTIONS_FILE = "report_sections.pkl"


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
    ordered = build_sections(run, data, options, extra_sections)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # what a later step needs to add its own sections (a campaign made on these scores) without the run's data
    kept = {"run": run, "sections": ordered, "insert_at": 1 + len(extra_sections)}
    (out_dir / SECTIONS_FILE).write_bytes(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
    path = out_dir / REPORT_FILE
    path.write_text(render_html(run, ordered), encoding="utf-8")
    return path


def replace_sections(out_dir: Path, sections: Sequence[Section], prefix: str) -> Path | None:
    """Rewrite `out_dir/report.html` with `sections` in place of the sections whose key starts with `prefix`,
    after the summary and the task's own sections; None when the report was written without its sections
    kept (before this was possible), so it cannot be rewritten."""
    kept_path = Path(out_dir) / SECTIONS_FILE
    if not kept_path.exists():
        return None
    kept = pickle.loads(kept_path.read_bytes())  # a file this project wrote, beside the report
    others = [s for s in kept["sections"] if not s.key.startswith(prefix)]
    at = kept["insert_at"]
    ordered = [*others[:at], *sections, *others[at:]]
    path = Path(out_dir) / REPORT_FILE
    path.write_text(render_html(kept["run"], ordered), encoding="utf-8")
    return path

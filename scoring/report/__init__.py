"""The HTML report of a scoring run: one self-contained file, data/reports/<task>/<run>/report.html.

The job calls `write_report(result, development_frame(rows), result.report_dir)`; a task adds its own
sections by building `Section`s from the blocks here and passing them as `extra_sections`.

May import: the foundation, scoring.model, scoring.explain and scoring.decide (to draw what they return).
It reads no warehouse: the run hands it a run result and frames.
"""

from scoring.report.blocks import Bullets, Image, Section, Table, Text, Tile, Tiles, image, new_figure, table
from scoring.report.inputs import development_frame
from scoring.report.options import ReportOptions
from scoring.report.render import write_report

__all__ = [
    "Bullets",
    "Image",
    "ReportOptions",
    "Section",
    "Table",
    "Text",
    "Tile",
    "Tiles",
    "development_frame",
    "image",
    "new_figure",
    "table",
    "write_report",
]

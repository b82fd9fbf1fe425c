"""What a report is made of: sections of plain text, key figures, tables and images, as frozen dataclasses.

The template renders any Section, so a task adds its own sections (segment sizes, a profit scatter) by
building them from these blocks and passing them to `write_report(..., extra_sections=...)`.
"""

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

_DPI = 100


@dataclass(frozen=True)
class Text:
    """A paragraph of plain text."""

    text: str
    kind: ClassVar[str] = "text"


@dataclass(frozen=True)
class Bullets:
    """A short list of plain-text points."""

    items: tuple[str, ...]
    kind: ClassVar[str] = "bullets"


@dataclass(frozen=True)
class Tile:
    """One key number with its label and a one-line hint of what it means."""

    label: str
    value: str
    hint: str = ""


@dataclass(frozen=True)
class Tiles:
    """A row of key numbers."""

    items: tuple[Tile, ...]
    kind: ClassVar[str] = "tiles"


@dataclass(frozen=True)
class Table:
    """A table of formatted cells; `emphasis` rows (0-based) are shown in bold."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    emphasis: tuple[int, ...] = ()
    kind: ClassVar[str] = "table"


@dataclass(frozen=True)
class Image:
    """An inline image (a data URI) with the text under it: what it shows and how to read it."""

    uri: str
    alt: str
    how_to_read: str
    kind: ClassVar[str] = "image"


Block = Text | Bullets | Tiles | Table | Image


@dataclass(frozen=True)
class Section:
    """A titled part of the report: an introduction, then its blocks in order."""

    key: str  # the HTML id, for the table of contents
    title: str
    intro: str
    blocks: tuple[Block, ...] = ()


def new_figure(width: float, height: float) -> MplFigure:
    """A matplotlib figure on the Agg canvas, outside pyplot (no global figure state)."""
    figure = MplFigure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def png_uri(figure: MplFigure) -> str:
    """The figure as a base64 PNG data URI; the same figure gives the same bytes (no timestamp)."""
    buffer = io.BytesIO()
    # zlib level 1: a third less time per figure than the default 6, for files about 5 % larger
    figure.savefig(
        buffer,
        format="png",
        dpi=_DPI,
        bbox_inches="tight",
        pad_inches=0.1,
        metadata={"Software": None},
        pil_kwargs={"compress_level": 1},
    )
    figure.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image(figure: MplFigure, alt: str, how_to_read: str) -> Image:
    """A matplotlib figure as an inline image block."""
    return Image(png_uri(figure), alt, how_to_read)


def table(header: Sequence[str], rows: Sequence[Sequence[object]], caption: str = "", emphasis=()) -> Table:
    """A table block; cells are formatted with `fmt`."""
    return Table(tuple(header), tuple(tuple(fmt(c) for c in row) for row in rows), caption, tuple(emphasis))


def fmt(value: object, digits: int = 3) -> str:
    """A cell as text: floats to `digits` significant places, thousands separators, '–' for missing."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}" if abs(value) < 1 else f"{value:,.{digits}g}"
    return str(value)


def pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage ('12.3%'), '–' for missing."""
    if value is None or value != value:
        return "–"
    return f"{value * 100:.{digits}f}%"

"""Charts as inline SVG, drawn on the server: the page and the PDF show the same
picture, with no JavaScript and nothing fetched. Labels wrap on up to three
lines instead of being cut; every chart is titled by the heading above it."""

from __future__ import annotations

import textwrap

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.formats import number

LABEL_WIDTH = 200
LABEL_CHARS = 30  # at 12 px, what fits in LABEL_WIDTH
BAR_WIDTH = 300
ROW = 22
LINE = 14
COLOURS = ("#1f5f8b", "#9cb9d1")
FONT = "DejaVu Sans, sans-serif"


def tint(colour: str, share: float = 0.55) -> str:
    """`colour` (#rrggbb) mixed with white: the second series' bars."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in rgb)


def _lines(label: str) -> list[str]:
    lines = textwrap.wrap(str(label), LABEL_CHARS, break_long_words=False) or [""]
    if len(lines) > 3:  # a label that long is cut at the third line, with what remains elided
        lines = lines[:2] + [textwrap.shorten(" ".join(lines[2:]), LABEL_CHARS, placeholder="…")]
    return lines


def bar_chart(
    rows: list[tuple], *, title: str, legend: tuple[str, ...] = (), colours: tuple[str, str] = COLOURS
) -> SafeString:
    """Horizontal bars: rows of (label, value) or (label, value, previous value)."""
    if not rows:
        return mark_safe("")
    top = max(max(v or 0 for v in row[1:]) for row in rows) or 1
    series = len(rows[0]) - 1
    labels = [_lines(row[0]) for row in rows]
    bands = [max(ROW * series, LINE * len(lines)) + 10 for lines in labels]
    legend_height = 20 if legend else 0
    height = sum(bands) + legend_height + 4
    width = LABEL_WIDTH + BAR_WIDTH + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, name in enumerate(legend):
        x = LABEL_WIDTH + i * 140
        parts.append(f'<rect x="{x}" y="2" width="12" height="12" fill="{colours[i % 2]}"/>')
        parts.append(f'<text x="{x + 16}" y="12" font-size="11">{escape(name)}</text>')
    y = legend_height
    for (_, *values), lines, band in zip(rows, labels, bands, strict=True):
        first = y + (band - LINE * len(lines)) / 2 + 11
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{first}" font-size="12" text-anchor="end">')
        for n, line in enumerate(lines):
            parts.append(f'<tspan x="{LABEL_WIDTH - 8}" dy="{0 if n == 0 else LINE}">{escape(line)}</tspan>')
        parts.append("</text>")
        bars_top = y + (band - ROW * series) / 2
        for s, value in enumerate(values):
            value = value or 0
            length = round(BAR_WIDTH * value / top, 1)
            bar_y = bars_top + s * ROW + 2
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{max(length, 1)}" height="{ROW - 6}" '
                f'fill="{colours[s % 2]}"/>'
            )
            parts.append(
                f'<text x="{LABEL_WIDTH + length + 6}" y="{bar_y + ROW - 10}" font-size="11">{number(value)}</text>'
            )
        y += band
    parts.append("</svg>")
    return mark_safe("".join(parts))

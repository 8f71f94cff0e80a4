"""Charts as inline SVG, drawn on the server: the page and the PDF show the same
picture, with no JavaScript and nothing fetched."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.formats import number

LABEL_WIDTH = 210
BAR_WIDTH = 300
ROW = 22
COLOURS = ("#1f5f8b", "#9cb9d1")


def bar_chart(rows: list[tuple], *, title: str, legend: tuple[str, ...] = ()) -> SafeString:
    """Horizontal bars: rows of (label, value) or (label, value, previous value)."""
    if not rows:
        return mark_safe("")
    top = max(max(v or 0 for v in row[1:]) for row in rows) or 1
    series = len(rows[0]) - 1
    band = ROW * series + 8
    legend_height = 18 if legend else 0
    height = len(rows) * band + legend_height + 4
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, name in enumerate(legend):
        x = LABEL_WIDTH + i * 140
        parts.append(f'<rect x="{x}" y="2" width="12" height="12" fill="{COLOURS[i % 2]}"/>')
        parts.append(f'<text x="{x + 16}" y="12" font-size="11">{escape(name)}</text>')
    for index, (label, *values) in enumerate(rows):
        y = legend_height + index * band
        shown = str(label) if len(str(label)) <= 32 else str(label)[:31] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + ROW * series / 2 + 8}" font-size="12" text-anchor="end">'
            f"{escape(shown)}</text>"
        )
        for s, value in enumerate(values):
            value = value or 0
            length = round(BAR_WIDTH * value / top, 1)
            bar_y = y + s * ROW + 2
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{max(length, 1)}" height="{ROW - 6}" '
                f'fill="{COLOURS[s % 2]}"/>'
            )
            parts.append(
                f'<text x="{LABEL_WIDTH + length + 6}" y="{bar_y + ROW - 10}" font-size="11">{number(value)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))

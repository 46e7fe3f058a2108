"""Server-rendered SVG charts: horizontal bars, a daily line with election-stage bands, sparklines.

No JavaScript and nothing from the internet: each chart is a small inline ``<svg>`` string that the
page's own stylesheet colours (``.chart-*`` classes; the ``fill``/``stroke`` attributes carry the same
palette for an SVG seen without it). Every chart is an image with a name (``role="img"``,
``aria-label`` and ``<title>``) and draws its numbers as text, so it reads on a phone and on a wall
screen (a ``viewBox`` scales to the width available); the pages put the same numbers in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

from tigapilar.web.formatting import format_number

# The stylesheet's palette (web/static/tigapilar.css :root), for the presentation attributes.
BRAND, ACCENT, MUTED, LINE, DANGER = "#16365c", "#1f6feb", "#5a6675", "#d5dbe2", "#8a1c1c"
BAND_TONES = 4  # stage bands alternate between this many tints (.chart-band-0 .. -3)
_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    tone: str = ""  # an extra class, e.g. "sev-4" or "cat-tinggi"


@dataclass(frozen=True)
class Band:
    """A stretch of days drawn behind a line (an election stage); ``end`` is inclusive."""

    start: date
    end: date
    label: str


def number(value: float, language: str, decimals: int = 0) -> str:
    """Indonesian groups thousands with dots and writes a decimal comma; English the other way round."""
    if decimals == 0:
        return format_number(round(value), language)
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if language == "id" else text


def short_date(day: date, language: str) -> str:
    return f"{day.day} {_MONTHS.get(language, _MONTHS['id'])[day.month - 1]}"


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _f(value: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros (smaller markup)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg(kind: str, title: str, width: int, height: int, body: list[str]) -> Markup:
    name = escape(title)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{name}" preserveAspectRatio="xMinYMin meet"><title>{name}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")


def bar_chart(
    bars: Sequence[Bar], *, title: str, language: str, decimals: int = 0, empty: str = "—"
) -> Markup:
    """Horizontal bars, one labelled row each, the value written after the bar."""
    width, label_width, value_width, row, pad = 640, 210, 70, 30, 6
    track = width - label_width - value_width - 2 * pad
    height = max(1, len(bars)) * row + 2 * pad
    body: list[str] = []
    if not bars:
        body.append(
            f'<text class="chart-empty" x="{pad}" y="{pad + 20}" fill="{MUTED}">{escape(empty)}</text>'
        )
        return _svg("bar", title, width, height, body)
    top = max((b.value for b in bars), default=0) or 1
    for i, bar in enumerate(bars):
        y = pad + i * row
        length = max(0.0, bar.value) / top * track
        value = number(bar.value, language, decimals)
        body.append(
            f'<g class="chart-row"><title>{escape(bar.label)}: {escape(value)}</title>'
            f'<text class="chart-label" x="{label_width - pad}" y="{y + 20}" text-anchor="end">'
            f"{escape(_clip(bar.label, 28))}</text>"
            f'<rect class="chart-fill {escape(bar.tone)}" x="{label_width}" y="{y + 5}" '
            f'width="{_f(length)}" height="{row - 10}" rx="3" fill="{BRAND}"/>'
            f'<text class="chart-value" x="{_f(label_width + length + pad)}" y="{y + 20}">'
            f"{escape(value)}</text></g>"
        )
    return _svg("bar", title, width, height, body)


def line_chart(
    points: Sequence[tuple[date, float]],
    *,
    title: str,
    language: str,
    bands: Sequence[Band] = (),
    decimals: int = 0,
    empty: str = "—",
) -> Markup:
    """A daily series as a filled line over consecutive days, with stage bands behind it."""
    width, height = 640, 240
    left, right, top, bottom = 48, 12, 30, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    body: list[str] = []
    if not points:
        body.append(
            f'<text class="chart-empty" x="{left}" y="{top + 20}" fill="{MUTED}">{escape(empty)}</text>'
        )
        return _svg("line", title, width, height, body)
    first, last = points[0][0], points[-1][0]
    days = (last - first).days + 1
    step = plot_w / days

    def x(day: date) -> float:  # the middle of the day's column
        return left + ((day - first).days + 0.5) * step

    peak = max(v for _, v in points) or 1

    def y(value: float) -> float:
        return top + plot_h - value / peak * plot_h

    for i, band in enumerate(bands):
        start, end = max(band.start, first), min(band.end, last)
        if end < start:
            continue
        bx = left + (start - first).days * step
        bw = ((end - start).days + 1) * step
        tone = f"chart-band chart-band-{i % BAND_TONES}"
        body.append(
            f'<g class="{tone}"><title>{escape(band.label)}: {escape(short_date(band.start, language))} – '
            f"{escape(short_date(band.end, language))}</title>"
            f'<rect x="{_f(bx)}" y="{top}" width="{_f(bw)}" height="{plot_h}" '
            f'fill="{LINE}" fill-opacity="0.45"/>'
        )
        if bw >= 48:  # a label only where it fits; the <title> names every band
            body.append(
                f'<text class="chart-band-label" x="{_f(bx + 3)}" y="{top - 6}">'
                f"{escape(_clip(band.label, max(3, int(bw // 7))))}</text>"
            )
        body.append("</g>")
    # Axes: zero and the peak, the first, middle and last day.
    body.append(
        f'<line class="chart-axis" x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>'
        f'<text class="chart-tick" x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>'
        f'<text class="chart-tick" x="{left - 6}" y="{top + 10}" text-anchor="end">'
        f"{escape(number(peak, language, decimals))}</text>"
    )
    for day in sorted({first, first + timedelta(days=(days - 1) // 2), last}):
        anchor = "start" if day == first else "end" if day == last else "middle"
        tick_x = left if day == first else width - right if day == last else x(day)
        body.append(
            f'<text class="chart-tick" x="{_f(tick_x)}" y="{height - 8}" text-anchor="{anchor}">'
            f"{escape(short_date(day, language))}</text>"
        )
    coords = [(x(d), y(v)) for d, v in points]
    line = " ".join(f"{_f(px)},{_f(py)}" for px, py in coords)
    base = _f(top + plot_h)
    area = f"{_f(coords[0][0])},{base} {line} {_f(coords[-1][0])},{base}"
    body.append(f'<polygon class="chart-area" points="{area}" fill="{ACCENT}" fill-opacity="0.15"/>')
    body.append(
        f'<polyline class="chart-line" points="{line}" fill="none" stroke="{BRAND}" stroke-width="2"/>'
    )
    if len(points) <= 62:  # a dot per day (with its number) while they stay apart
        for (day, value), (px, py) in zip(points, coords, strict=True):
            body.append(
                f'<circle class="chart-dot" cx="{_f(px)}" cy="{_f(py)}" r="2.5" fill="{BRAND}">'
                f"<title>{escape(short_date(day, language))}: "
                f"{escape(number(value, language, decimals))}</title>"
                "</circle>"
            )
    return _svg("line", title, width, height, body)


def sparkline(values: Sequence[float], *, title: str) -> Markup:
    """A word-sized trend: the line and its last point; nothing but the title when there is no history."""
    width, height, pad = 120, 28, 3
    body: list[str] = []
    if values:
        low, high = min(values), max(values)
        spread = (high - low) or 1
        step = (width - 2 * pad) / max(1, len(values) - 1)
        coords = [
            (pad + i * step, height - pad - (v - low) / spread * (height - 2 * pad))
            for i, v in enumerate(values)
        ]
        if len(coords) > 1:
            line = " ".join(f"{_f(px)},{_f(py)}" for px, py in coords)
            body.append(
                f'<polyline class="chart-line" points="{line}" fill="none" '
                f'stroke="{BRAND}" stroke-width="1.5"/>'
            )
        px, py = coords[-1]
        body.append(f'<circle class="chart-dot" cx="{_f(px)}" cy="{_f(py)}" r="2.5" fill="{DANGER}"/>')
    return _svg("spark", title, width, height, body)

"""The report's two pictures, drawn as vectors with ``reportlab.graphics``: the 14-day trend chart and
the map of the area's child regions coloured by vulnerability. The same drawings go into the PDF and,
as SVG, into the HTML page: nothing is fetched from a tile server or the internet.

The map is a plain equirectangular projection with the longitude scaled by cos(latitude): exact
enough for a kab/kota or a province, and it needs no projection library.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Circle, Drawing, Polygon, Rect, String
from reportlab.lib import colors

from tigapilar.sitrep.formats import short_day
from tigapilar.sitrep.gather import MapRegion, Sitrep

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
ALL_REPORTS = colors.HexColor("#9fb3c8")
CONFIRMED = colors.HexColor("#243b53")
NO_SCORE = colors.HexColor("#d9dee3")
# From the safest band to the most vulnerable; bands are listed in that order in every profile.
BAND_COLOURS = ("#2f9e44", "#f2c94c", "#f08c00", "#d9480f", "#a61e4d")
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
LEGEND_WIDTH = 150


def band_colours(sitrep: Sitrep) -> dict[str, colors.Color]:
    """A colour per band of the mapped level, spread over the palette from green to red."""
    count = len(sitrep.bands)
    found = {}
    for i, band in enumerate(sitrep.bands):
        step = round(i * (len(BAND_COLOURS) - 1) / (count - 1)) if count > 1 else len(BAND_COLOURS) - 1
        found[band.code] = colors.HexColor(BAND_COLOURS[step])
    return found


def trend_chart(sitrep: Sitrep, width: float = 480, height: float = 170) -> Drawing:
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 34, 34
    chart.width, chart.height = width - 44, height - 58
    chart.data = [[d.reports for d in sitrep.trend], [d.confirmed for d in sitrep.trend]]
    chart.categoryAxis.categoryNames = [short_day(d.day) for d in sitrep.trend]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fillColor = MUTED
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.valueMin = 0
    top = max([d.reports for d in sitrep.trend] + [1])
    chart.valueAxis.valueMax = top + max(1, math.ceil(top * 0.1))
    chart.valueAxis.valueStep = max(1, math.ceil(chart.valueAxis.valueMax / 5))
    chart.valueAxis.labelTextFormat = "%d"
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e4e7eb")
    chart.valueAxis.visibleGrid = True
    chart.bars[0].fillColor = ALL_REPORTS
    chart.bars[1].fillColor = CONFIRMED
    chart.bars.strokeColor = None
    chart.groupSpacing = 6
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 34, height - 6
    legend.fontName, legend.fontSize = FONT, 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 110
    legend.boxAnchor = "nw"
    legend.colorNamePairs = [(ALL_REPORTS, "Semua laporan"), (CONFIRMED, "Terverifikasi")]
    drawing.add(legend)
    return drawing


def _points(regions: Iterable[MapRegion]) -> list[tuple[float, float]]:
    found: list[tuple[float, float]] = []
    for region in regions:
        for ring in region.rings:
            found.extend(ring)
        if region.lng is not None and region.lat is not None:
            found.append((region.lng, region.lat))
    return found


def area_map(sitrep: Sitrep, width: float = 480, height: float = 320) -> Drawing:
    """The child regions: polygons where boundaries are imported, else circles at their centroids."""
    drawing = Drawing(width, height)
    box_w, box_h = width - LEGEND_WIDTH - 10, height
    drawing.add(Rect(0, 0, box_w, box_h, fillColor=colors.HexColor("#f5f7fa"), strokeColor=NO_SCORE))
    points = _points(sitrep.regions)
    if not points:
        drawing.add(
            String(
                box_w / 2,
                box_h / 2,
                "Posisi wilayah belum diimpor.",
                fontName=FONT,
                fontSize=9,
                fillColor=MUTED,
                textAnchor="middle",
            )
        )
        _legend(drawing, sitrep, box_w + 10, height, circles=False, demo=False)
        return drawing
    lat0 = sum(lat for _, lat in points) / len(points)
    kx = math.cos(math.radians(lat0))
    xs, ys = [lng * kx for lng, _ in points], [lat for _, lat in points]
    span_x, span_y = max(max(xs) - min(xs), 1e-6), max(max(ys) - min(ys), 1e-6)
    pad = 26
    scale = min((box_w - 2 * pad) / span_x, (box_h - 2 * pad) / span_y)
    # Centre the drawing in its box.
    off_x = pad + ((box_w - 2 * pad) - span_x * scale) / 2
    off_y = pad + ((box_h - 2 * pad) - span_y * scale) / 2

    def project(lng: float, lat: float) -> tuple[float, float]:
        return off_x + (lng * kx - min(xs)) * scale, off_y + (lat - min(ys)) * scale

    fills = band_colours(sitrep)
    circles = False
    labels: list[tuple[float, float, str]] = []
    for region in sitrep.regions:
        fill = fills.get(region.category or "", NO_SCORE)
        name = region.name + ("*" if region.demo else "")
        if region.rings:
            for ring in region.rings:
                flat = [c for point in ring for c in project(*point)]
                drawing.add(Polygon(flat, fillColor=fill, strokeColor=colors.white, strokeWidth=0.8))
            ring = max(region.rings, key=len)
            if region.lng is not None and region.lat is not None:
                labels.append((*project(region.lng, region.lat), name))
            else:
                labels.append(
                    (*project(sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)), name)
                )
        elif region.lng is not None and region.lat is not None:
            circles = True
            x, y = project(region.lng, region.lat)
            drawing.add(Circle(x, y, 7, fillColor=fill, strokeColor=INK, strokeWidth=0.4))
            labels.append((x, y - 15, name))
    for x, y, name in labels:
        drawing.add(String(x, y, name, fontName=FONT, fontSize=6.5, fillColor=INK, textAnchor="middle"))
    _legend(drawing, sitrep, box_w + 10, height, circles, any(r.demo for r in sitrep.regions))
    return drawing


def _legend(drawing: Drawing, sitrep: Sitrep, x: float, height: float, circles: bool, demo: bool) -> None:
    y = height - 12
    drawing.add(String(x, y, "Kategori kerawanan", fontName=FONT_BOLD, fontSize=8, fillColor=INK))
    fills = band_colours(sitrep)
    entries = [(fills[b.code], b.label) for b in reversed(sitrep.bands)] + [(NO_SCORE, "Belum dinilai")]
    for fill, label in entries:
        y -= 15
        drawing.add(Rect(x, y - 2, 12, 9, fillColor=fill, strokeColor=None))
        drawing.add(String(x + 17, y, label, fontName=FONT, fontSize=7.5, fillColor=INK))
    notes = []
    if circles:
        notes.append("Lingkaran: titik pusat wilayah")
        notes.append("(batas wilayah belum diimpor).")
    if demo:
        notes.append("* Posisi contoh (demo),")
        notes.append("bukan hasil survei.")
    y -= 10
    for note in notes:
        y -= 11
        drawing.add(String(x, y, note, fontName=FONT, fontSize=6.5, fillColor=MUTED))


def svg_data_uri(drawing: Drawing) -> str:
    """The drawing as an ``<img src>`` (pages allow ``data:`` images and nothing from elsewhere)."""
    svg: str = renderSVG.drawToString(drawing)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")

"""The situation report as a PDF (A4, reportlab): a document a Kapolres can forward as it is.

Every page carries the classification at the top and the bottom, the area and the day in the
header, and "Dibuat oleh tigapilar", the time it was made and "Halaman n dari N" in the footer. The
page total is known only at the end, so the pages are kept and their furniture drawn on save.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from tigapilar.sitrep.drawings import FONT, FONT_BOLD, INK, MUTED, area_map, band_colours, trend_chart
from tigapilar.sitrep.formats import decimal, local_time, long_date, number
from tigapilar.sitrep.gather import AlertLine, Count, Sitrep

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
RED = colors.HexColor("#b42318")
RULE = colors.HexColor("#cbd2d9")
HEAD_FILL = colors.HexColor("#e4e7eb")

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10)
_MUTED = ParagraphStyle("muted", parent=_SMALL, textColor=MUTED)
_TITLE = ParagraphStyle(
    "title", parent=_BODY, fontName=FONT_BOLD, fontSize=16, leading=20, alignment=TA_CENTER
)
_SUBTITLE = ParagraphStyle("subtitle", parent=_BODY, fontSize=11, leading=15, alignment=TA_CENTER)
_H2 = ParagraphStyle(
    "h2", parent=_BODY, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=10, spaceAfter=5
)
_H3 = ParagraphStyle(
    "h3", parent=_BODY, fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceBefore=4, spaceAfter=3
)
_FIGURE = ParagraphStyle(
    "figure", parent=_BODY, fontName=FONT_BOLD, fontSize=18, leading=22, alignment=TA_CENTER
)
_CAPTION = ParagraphStyle("caption", parent=_SMALL, alignment=TA_CENTER, textColor=MUTED)


def _p(text: str, style: ParagraphStyle = _SMALL) -> Paragraph:
    return Paragraph(escape(text), style)


def _grid(rows: list[list[Any]], widths: list[float], numeric: tuple[int, ...] = ()) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in numeric]
    table.setStyle(TableStyle(commands))
    return table


def _counts(title: str, counts: list[Count], width: float) -> Table:
    rows: list[list[Any]] = [[title, "Jumlah"]]
    rows += [[_p(c.label), number(c.count)] for c in counts] or [[_p("Tidak ada", _MUTED), ""]]
    return _grid(rows, [width - 16 * mm, 16 * mm], numeric=(1,))


def _key_figures(sitrep: Sitrep) -> Table:
    figures = [
        (sitrep.reports_total, "Laporan masuk"),
        (sitrep.reports_confirmed, "Laporan terverifikasi"),
        (len(sitrep.alerts_new), "Peringatan baru"),
        (len(sitrep.alerts_open), "Peringatan terbuka akhir hari"),
    ]
    cells = [[Paragraph(number(n), _FIGURE), _p(label, _CAPTION)] for n, label in figures]
    table = Table([cells], colWidths=[WIDTH / 4] * 4)
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("INNERGRID", (0, 0), (-1, -1), 0.6, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _alert_table(sitrep: Sitrep, alerts: list[AlertLine], empty: str) -> Flowable:
    if not alerts:
        return _p(empty, _MUTED)
    rows: list[list[Any]] = [["No", "Dibuat", "Peringatan", "Tingkat", "Status", "Satuan"]]
    for i, a in enumerate(alerts, start=1):
        status = a.status_label + (" (terlambat)" if a.overdue else "")
        rows.append(
            [
                str(i),
                _p(local_time(a.created_at, sitrep.zone_name)),
                _p(a.title),
                str(a.severity),
                _p(status),
                _p(", ".join(a.units) or "-"),
            ]
        )
    return _grid(rows, [8 * mm, 26 * mm, 56 * mm, 13 * mm, 22 * mm, WIDTH - 125 * mm], numeric=(3,))


def _places_table(sitrep: Sitrep) -> Flowable:
    if sitrep.profile_name is None:
        return _p("Indeks kerawanan belum tersedia untuk instalasi ini.", _MUTED)
    if not sitrep.top_places:
        return _p("Belum ada skor kerawanan untuk wilayah ini.", _MUTED)
    tps = sitrep.places_level == "tps"
    rows: list[list[Any]] = [
        ["No", "TPS" if tps else "Kecamatan", "Skor", "Kategori", "Alasan utama (porsi skor)"]
    ]
    fills = band_colours(sitrep) if sitrep.map_level == sitrep.places_level else {}
    for place in sitrep.top_places:
        name = escape(place.name) + (f"<br/>{escape(place.area_name)}" if place.area_name else "")
        reasons = "; ".join(f"{r.label} ({decimal(r.share, 0)}%)" for r in place.reasons) or "-"
        rows.append(
            [
                str(place.rank),
                Paragraph(name, _SMALL),
                decimal(place.score),
                _p(place.category_label),
                _p(reasons),
            ]
        )
    table = _grid(rows, [8 * mm, 48 * mm, 14 * mm, 26 * mm, WIDTH - 96 * mm], numeric=(2,))
    for i, place in enumerate(sitrep.top_places, start=1):
        if place.category in fills:
            table.setStyle(TableStyle([("LINEBEFORE", (0, i), (0, i), 3, fills[place.category])]))
    return table


def story(sitrep: Sitrep) -> list[Flowable]:
    """The report's content, in reading order."""
    half = (WIDTH - 6 * mm) / 2
    place_word = "TPS" if sitrep.places_level == "tps" else "kecamatan"
    flow: list[Flowable] = [
        Paragraph("LAPORAN SITUASI HARIAN", _TITLE),
        Spacer(0, 2),
        _p(f"{sitrep.title} ({sitrep.area_code})", _SUBTITLE),
        _p(f"{long_date(sitrep.day)} · pukul 00.00-24.00 {_zone_abbr(sitrep)}", _SUBTITLE),
        Spacer(0, 8),
        _key_figures(sitrep),
        Paragraph("1. Laporan hari ini", _H2),
    ]
    counts = Table(
        [
            [
                _counts("Kategori", sitrep.by_category, half),
                [
                    _counts("Tingkat keparahan", sitrep.by_severity, half),
                    Spacer(0, 6),
                    _counts("Status", sitrep.by_status, half),
                ],
            ]
        ],
        colWidths=[half + 6 * mm, half],
    )
    counts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    flow += [
        counts,
        KeepTogether([Paragraph("2. Tren laporan 14 hari terakhir", _H2), trend_chart(sitrep, WIDTH, 170)]),
        Paragraph("3. Peringatan dini", _H2),
        Paragraph("Peringatan baru hari ini", _H3),
        _alert_table(sitrep, sitrep.alerts_new, "Tidak ada peringatan baru."),
        Paragraph("Peringatan terbuka pada akhir hari", _H3),
        _alert_table(sitrep, sitrep.alerts_open, "Tidak ada peringatan terbuka."),
        CondPageBreak(80 * mm),
        Paragraph(f"4. Sepuluh {place_word} paling rawan", _H2),
    ]
    if sitrep.profile_name:
        flow.append(_p(f"Menurut indeks: {sitrep.profile_name}.", _MUTED))
        flow.append(Spacer(0, 3))
    flow.append(_places_table(sitrep))
    if sitrep.map_level is not None:
        flow.append(
            KeepTogether(
                [
                    Paragraph(f"5. Peta kerawanan per {_level_word(sitrep.map_level)}", _H2),
                    area_map(sitrep, WIDTH, 300),
                ]
            )
        )
    if sitrep.blurred:
        flow += [
            Spacer(0, 8),
            _p("Catatan: untuk mitra, lokasi ditampilkan sampai tingkat kecamatan.", _MUTED),
        ]
    return flow


def _level_word(level: str) -> str:
    return {"kabkota": "kabupaten/kota", "provinsi": "provinsi"}.get(level, level)


def _zone_abbr(sitrep: Sitrep) -> str:
    return local_time(sitrep.generated_at, sitrep.zone_name, with_date=False).split(" ", 1)[1]


def render_pdf(sitrep: Sitrep) -> bytes:
    """The PDF document's bytes."""
    out = io.BytesIO()
    header = f"Laporan Situasi Harian · {sitrep.title} · {long_date(sitrep.day)}"
    footer = f"Dibuat oleh tigapilar · {local_time(sitrep.generated_at, sitrep.zone_name)}"

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Keeps every page until the end, then stamps the furniture with the page total."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            width, height = A4
            self.setFont(FONT_BOLD, 9)
            self.setFillColor(RED)
            self.drawCentredString(width / 2, height - 10 * mm, sitrep.classification)
            self.drawCentredString(width / 2, 7 * mm, sitrep.classification)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawString(MARGIN, height - 14.5 * mm, header)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN, height - 16 * mm, width - MARGIN, height - 16 * mm)
            self.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
            self.drawString(MARGIN, 10.5 * mm, footer)
            self.drawRightString(width - MARGIN, 10.5 * mm, f"Halaman {self._pageNumber} dari {total}")

    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=f"Laporan Situasi Harian {sitrep.title} {sitrep.day.isoformat()}",
        author="tigapilar",
        subject=sitrep.classification,
        creator="tigapilar",
    )
    document.build(story(sitrep), canvasmaker=NumberedCanvas)
    return out.getvalue()

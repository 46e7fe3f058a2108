"""The situation report as HTML: the body shared by the web page and ``tigapilar sitrep --html``, and a
standalone document around it (its own small stylesheet, the pictures inline: it opens offline)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tigapilar.sitrep import formats
from tigapilar.sitrep.drawings import area_map, svg_data_uri, trend_chart
from tigapilar.sitrep.gather import Sitrep

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_environment = Environment(
    loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(default=True), trim_blocks=True
)


def _context(sitrep: Sitrep) -> dict[str, object]:
    return {
        "s": sitrep,
        "f": formats,
        "trend_svg": svg_data_uri(trend_chart(sitrep)),
        "map_svg": svg_data_uri(area_map(sitrep)) if sitrep.map_level else None,
    }


def render_body(sitrep: Sitrep) -> str:
    """The report's sections as an HTML fragment (every value escaped)."""
    return _environment.get_template("body.html").render(_context(sitrep))


def render_document(sitrep: Sitrep) -> str:
    """A complete HTML document of the report."""
    return _environment.get_template("document.html").render(
        {**_context(sitrep), "body": render_body(sitrep)}
    )

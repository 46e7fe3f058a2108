"""The report form ODK Collect downloads: ``laporan.md`` plus the taxonomy's choices, as an XForm.

The XLSForm is kept in the repository as Markdown tables (readable, and a change is a plain diff).
Categories and severities are *not* copied into it: they are added from the taxonomy at conversion
time, so they stay data (``categories.toml``, overridable per installation) and the ODK form can
never disagree with what the server accepts. Conversion runs once per configuration directory and
is cached in memory: pyxform takes a noticeable fraction of a second and the result never changes
while the process runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

from pyxform import __version__ as pyxform_version
from pyxform.xls2json_backends import md_to_dict
from pyxform.xls2xform import convert

from tigapilar.reports.taxonomy import Taxonomy, load_taxonomy

log = logging.getLogger("tigapilar.odk")

XLSFORM_FILE = "laporan.md"
VILLAGES_MEDIA = "desa.csv"  # named by the form's select_one_from_file; served per user
CATEGORY_LIST = "kategori"
SEVERITY_LIST = "tingkat"


@dataclass(frozen=True)
class OdkForm:
    form_id: str
    title: str
    version: str
    xml: bytes  # exactly the bytes served, so that ``md5_hash`` is what Collect computes
    media: tuple[str, ...] = (VILLAGES_MEDIA,)

    @property
    def md5_hash(self) -> str:
        """The OpenRosa form hash, ``md5:<hex>`` of the served XML."""
        return "md5:" + hashlib.md5(self.xml, usedforsecurity=False).hexdigest()


def odk_form(config_dir: Path | None = None) -> OdkForm:
    """The form for an installation (its taxonomy may be overridden in ``config_dir``)."""
    return _cached(config_dir)


@cache
def _cached(config_dir: Path | None) -> OdkForm:
    xlsform = resources.files(__name__.rpartition(".")[0]).joinpath(XLSFORM_FILE).read_text(encoding="utf-8")
    return build_form(xlsform, load_taxonomy(config_dir))


def taxonomy_choices(taxonomy: Taxonomy) -> list[dict[str, str]]:
    """Choice rows for the category and severity lists, labelled as officers read them."""
    rows = [{"list_name": CATEGORY_LIST, "name": c.code, "label": c.label} for c in taxonomy.categories]
    for severity in sorted(taxonomy.severities, key=lambda s: s.level):
        label = f"{severity.level}. {severity.label}"
        if severity.description:
            label += f": {severity.description}"
        rows.append({"list_name": SEVERITY_LIST, "name": str(severity.level), "label": label})
    return rows


def build_form(xlsform_markdown: str, taxonomy: Taxonomy) -> OdkForm:
    """Convert the Markdown XLSForm with the taxonomy's choices; the version is a hash of the inputs."""
    workbook: dict[str, Any] = md_to_dict(BytesIO(xlsform_markdown.encode("utf-8")))
    choices = taxonomy_choices(taxonomy)
    # Everything the XForm is made from, so that any change (form, taxonomy, converter) is a new
    # version: Collect then offers the update, and never holds two different forms under one version.
    inputs = json.dumps([xlsform_markdown, choices, pyxform_version], ensure_ascii=False)
    version = hashlib.sha256(inputs.encode("utf-8")).hexdigest()[:12]

    workbook["choices"] = [*(workbook.get("choices") or []), *choices]
    workbook["choices_header"] = workbook.get("choices_header") or [
        {"list_name": None, "name": None, "label": None}
    ]
    settings = dict((workbook.get("settings") or [{}])[0])
    settings["version"] = version
    workbook["settings"] = [settings]
    workbook["settings_header"] = [{**(workbook.get("settings_header") or [{}])[0], "version": None}]

    warnings: list[str] = []
    result = convert(workbook, warnings=warnings)
    for warning in warnings:
        log.warning("ODK form %s: %s", XLSFORM_FILE, warning)
    form_id = str(settings["form_id"])
    return OdkForm(
        form_id=form_id,
        title=str(settings.get("form_title") or form_id),
        version=version,
        xml=result.xform.encode("utf-8"),
    )

"""``desa.csv``: the villages a caller's ODK form offers, i.e. the ones they may report for.

Which villages: :func:`tigapilar.reports.villages.reportable_villages`. A province is about a
thousand villages, which Collect's search box handles well; a national account would get tens of
thousands, so the list is capped at :data:`MAX_VILLAGES` (nobody reports from Collect for the whole
nation).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.reports.villages import ReportableVillage, reportable_villages

MAX_VILLAGES = 5000
COLUMNS = ("name", "label", "kecamatan", "kabupaten")


def odk_villages(session: Session, principal: Principal) -> list[ReportableVillage]:
    return reportable_villages(session, principal, MAX_VILLAGES).villages


def villages_csv(rows: Sequence[ReportableVillage]) -> bytes:
    """The media file: ``name`` is what the form stores (the code), ``label`` what the officer reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for v in rows:
        # Village names repeat across Indonesia (and within a kabupaten): the kecamatan tells them apart.
        writer.writerow((v.code, f"{v.name} (Kec. {v.kecamatan}, {v.kabupaten})", v.kecamatan, v.kabupaten))
    return out.getvalue().encode("utf-8")

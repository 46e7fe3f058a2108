"""The daily schedule: yesterday's situation report of each configured area, written once as a PDF.

``TIGAPILAR_SITREP_AREAS`` names the areas (empty: off) and ``TIGAPILAR_SITREP_HOUR`` the local hour
from which the previous day counts as complete. The embedded scheduler calls
:func:`write_due_sitreps` every few minutes; a file that exists is never written again, so repeated
calls (and several server processes) are harmless. Reports are written as the installation's
operator (national scope): they go to the folder, not to a person.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from tigapilar.accounts.principal import system_principal
from tigapilar.core.errors import TigapilarError
from tigapilar.core.settings import Settings
from tigapilar.sitrep.gather import gather, local_today, sitrep_profile
from tigapilar.sitrep.pdf import render_pdf
from tigapilar.storage.db import Database

log = logging.getLogger(__name__)
FOLDER = "sitrep"


def sitrep_path(settings: Settings, area: str, day: str) -> Path:
    return settings.data_dir / FOLDER / f"sitrep-{area}-{day}.pdf"


def write_due_sitreps(
    database: Database | sessionmaker[Session], settings: Settings, now: datetime
) -> list[Path]:
    """Write yesterday's report of every configured area that has none yet; the paths written."""
    if not settings.sitrep_areas:
        return []
    local_now = now.astimezone(ZoneInfo(settings.timezone))
    if local_now.hour < settings.sitrep_hour:
        return []
    day = local_today(now, settings.timezone) - timedelta(days=1)
    sessions = database.sessions if isinstance(database, Database) else database
    profile = sitrep_profile(settings)
    written = []
    for area in settings.sitrep_areas:
        path = sitrep_path(settings, area, day.isoformat())
        if path.exists():
            continue
        try:
            with sessions() as session:
                report = gather(
                    session, system_principal(), settings, area=area, day=day, now=now, profile=profile
                )
            content = render_pdf(report)
        except TigapilarError as error:  # a mistyped area must not stop the others
            log.warning("situation report of %s for %s not written: %s", area, day, error.message)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: a reader never sees half a PDF.
        partial = path.with_suffix(".pdf.part")
        partial.write_bytes(content)
        os.replace(partial, path)
        written.append(path)
    return written

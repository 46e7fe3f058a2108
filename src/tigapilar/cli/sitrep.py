"""CLI: the daily situation report of an area, as a PDF (or HTML), acting as the installation's
operator (national scope) like the other commands."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from tigapilar.accounts.principal import system_principal
from tigapilar.cli.context import database_session, reports_errors
from tigapilar.core.settings import Settings
from tigapilar.sitrep.gather import gather, local_today
from tigapilar.sitrep.html import render_document
from tigapilar.sitrep.pdf import render_pdf
from tigapilar.storage.models.base import utcnow


@click.command("sitrep")
@click.option("--area", required=True, help="Region code, e.g. 64 (Polda) or 64.71 (a Polres).")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Local day (YYYY-MM-DD); default: today."
)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--html", "as_html", is_flag=True, help="Write HTML instead of PDF.")
@reports_errors
def sitrep_command(area: str, day: datetime | None, out: Path | None, as_html: bool) -> None:
    """Write the daily situation report (Laporan Situasi Harian) of an area."""
    settings = Settings.from_env()
    now = utcnow()
    wanted: date = day.date() if day else local_today(now, settings.timezone)
    with database_session(settings) as session:
        report = gather(session, system_principal(), settings, area=area, day=wanted, now=now)
    suffix = "html" if as_html else "pdf"
    path = out or Path(f"sitrep-{report.area_code}-{wanted.isoformat()}.{suffix}")
    if as_html:
        path.write_text(render_document(report), encoding="utf-8")
    else:
        path.write_bytes(render_pdf(report))
    click.echo(f"Written: {path} ({report.title}, {wanted.isoformat()})")


COMMANDS = [sitrep_command]

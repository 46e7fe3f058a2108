"""CLI: the vulnerability index. Recompute, daily snapshots, ranked lists, explanations and exports.

The command line acts as the installation's operator (national scope), like the other commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from tigapilar.accounts.principal import system_principal
from tigapilar.cli.context import database_session, echo_table, reports_errors
from tigapilar.core.errors import Invalid
from tigapilar.core.pagination import PageRequest
from tigapilar.core.settings import Settings
from tigapilar.elections.calendar import Calendar, load_calendar
from tigapilar.risk import views
from tigapilar.risk.export import csv_chunks, geojson_chunks
from tigapilar.risk.profile import LEVELS, ProfileConfig
from tigapilar.risk.service import recompute, scoring_time
from tigapilar.risk.store import take_snapshot
from tigapilar.storage.models import RiskScore
from tigapilar.storage.models.base import utcnow

PROFILE = click.option(
    "--profile", "profile_code", required=True, help="A profile code, e.g. tps-rawan-2024."
)
LEVEL = click.option(
    "--level", type=click.Choice(list(reversed(LEVELS))), help="Which level (default: the profile's unit)."
)
AREA = click.option("--area", help="Only places inside this region code, e.g. 64.02.")


def _calendar(settings: Settings) -> Calendar:
    return load_calendar(settings.config_dir, settings.timezone)


def _today(settings: Settings, profile: ProfileConfig) -> date:
    """The local day "change" is measured up to: today, or the last day of a finished election."""
    moment = scoring_time(profile, utcnow(), _calendar(settings))
    return moment.astimezone(ZoneInfo(settings.timezone)).date()


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _change(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}"


@click.group("risk")
def risk_group() -> None:
    """The vulnerability index (kerawanan) of TPS and regions: compute, rank, explain, export."""


@risk_group.command("recompute")
@click.option("--profile", "profile_code", help="The profile to recompute, e.g. tps-rawan-2024.")
@click.option("--all", "every", is_flag=True, help="Recompute every installed profile.")
@reports_errors
def recompute_command(profile_code: str | None, every: bool) -> None:
    """Score every place again from the current data (after imports or a profile change).

    The first computation of each local day is also kept as that day's snapshot, for trends. After a
    profile's election has ended, its scores are computed as at the election's last moment.
    """
    if bool(profile_code) == every:
        raise click.UsageError("give either --profile CODE or --all")
    settings = Settings.from_env()
    codes = views.available_profiles(settings.config_dir) if every else [profile_code or ""]
    if not codes:
        raise click.ClickException("no vulnerability profiles are installed")
    profiles = [views.get_profile(code, settings.config_dir) for code in codes]
    for profile in profiles:
        with database_session(settings) as session:
            result = recompute(session, profile, utcnow(), settings.timezone, _calendar(settings))
        snapshot = " (today's snapshot taken)" if result.snapshot else ""
        click.echo(
            f"{result.profile}: {result.places} places scored, {result.rows} rows written "
            f"in {result.seconds:.1f} s{snapshot}."
        )


@risk_group.command("snapshot")
@PROFILE
@reports_errors
def snapshot_command(profile_code: str) -> None:
    """Keep the current scores as today's snapshot (replacing one taken earlier today); for cron.

    After the profile's election has ended, "today" is its last day.
    """
    settings = Settings.from_env()
    profile = views.get_profile(profile_code, settings.config_dir)
    today = _today(settings, profile)
    with database_session(settings) as session:
        if session.scalar(select(RiskScore.place).where(RiskScore.profile == profile.code).limit(1)) is None:
            raise Invalid(
                "risk.no_scores",
                f"Profile '{profile.code}' has no scores yet; run `tigapilar risk recompute` first.",
                f"Profil '{profile.code}' belum punya skor; jalankan `tigapilar risk recompute` dahulu.",
            )
        rows = take_snapshot(session, profile.code, today)
    click.echo(f"{profile.code}: snapshot of {today.isoformat()} taken ({rows} places).")


@risk_group.command("top")
@PROFILE
@LEVEL
@AREA
@click.option("--category", help="Only places in this category (band code), e.g. sangat_rawan.")
@click.option("--khusus/--no-khusus", default=None, help="Only places with (or without) special TPS.")
@click.option("--order", type=click.Choice(views.ORDERS), default="score", show_default=True)
@click.option("--limit", default=20, show_default=True, help="How many places to show.")
@click.option("--offset", default=0, show_default=True, help="How many places to skip first.")
@reports_errors
def top_command(
    profile_code: str,
    level: str | None,
    area: str | None,
    category: str | None,
    khusus: bool | None,
    order: str,
    limit: int,
    offset: int,
) -> None:
    """The most vulnerable places, e.g. the 20 worst TPS of Kutai Kartanegara (--level tps --area 64.02)."""
    settings = Settings.from_env()
    profile = views.get_profile(profile_code, settings.config_dir)
    with database_session(settings) as session:
        page = views.ranked(
            session,
            system_principal(),
            profile,
            level or profile.unit,
            today=_today(settings, profile),
            area=area,
            category=category,
            khusus=khusus,
            order=order,
            page=PageRequest(limit, offset),
        )
    rows = [
        {
            "#": offset + n,
            "place": v.tps_uid or v.place,
            "name": v.name,
            "score": _points(v.score),
            "worst": _points(v.worst),
            "category": v.category + (" (khusus)" if v.khusus else ""),
            "change": _change(v.change),
            "top indicators": ", ".join(f"{s.code} {s.share:.0f}%" for s in v.top),
        }
        for n, v in enumerate(page.items, start=1)
    ]
    echo_table(rows, ["#", "place", "name", "score", "worst", "category", "change", "top indicators"])
    click.echo(f"{len(page.items)} of {page.total} places shown.")


@risk_group.command("explain")
@click.argument("place")
@PROFILE
@LEVEL
@reports_errors
def explain_command(place: str, profile_code: str, level: str | None) -> None:
    """Why PLACE scores what it does: each indicator's points and share, and the daily history.

    PLACE is a region code (64.02.05), tps:<id> or a TPS uid (64.71.01.1001-003); the level follows
    from it unless --level says otherwise.
    """
    settings = Settings.from_env()
    profile = views.get_profile(profile_code, settings.config_dir)
    with database_session(settings) as session:
        found = views.explain(
            session,
            system_principal(),
            profile,
            level or views.level_of_place(place),
            place,
            today=_today(settings, profile),
        )
    v = found.view
    khusus = ", khusus" if v.khusus else ""
    click.echo(f"{v.name} ({v.tps_uid or v.place}), {v.level}, profile {found.profile}")
    click.echo(
        f"Score {_points(v.score)}: {v.category_label} ({v.category}{khusus}); worst inside {v.worst:.2f}"
    )
    if v.change is not None and v.change_since is not None:
        click.echo(f"Change since {v.change_since.isoformat()}: {_change(v.change)}")
    echo_table(
        [
            {
                "indicator": c.code,
                "label": c.label,
                "under": " > ".join(step.label for step in c.path),
                "weight": _points(c.weight),
                "points": _points(c.points),
                "share": f"{c.share:.2f}%",
            }
            for c in found.indicators
        ],
        ["indicator", "label", "under", "weight", "points", "share"],
    )
    if found.history:
        click.echo("History: " + ", ".join(f"{h.day.isoformat()} {h.score:.2f}" for h in found.history))


@risk_group.command("export")
@PROFILE
@LEVEL
@AREA
@click.option("--category", help="Only places in this category (band code).")
@click.option("--format", "fmt", type=click.Choice(["csv", "geojson"]), default="csv", show_default=True)
@click.option(
    "--geometry",
    type=click.Choice(["point", "polygon"]),
    default="point",
    show_default=True,
    help="GeoJSON: points (TPS, region centroids) or region polygons.",
)
@click.option(
    "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
@reports_errors
def export_command(
    profile_code: str,
    level: str | None,
    area: str | None,
    category: str | None,
    fmt: str,
    geometry: str,
    output: Path,
) -> None:
    """Write every matching place, most vulnerable first, to a CSV or GeoJSON file (streamed)."""
    settings = Settings.from_env()
    profile = views.get_profile(profile_code, settings.config_dir)
    query = views.select_scores(
        system_principal(),
        profile,
        level or profile.unit,
        today=_today(settings, profile),
        area=area,
        category=category,
    )
    if fmt == "geojson" and geometry == "polygon":
        query = views.with_polygons(query)
    count = 0

    def counted() -> Iterator[tuple[views.ScoreView, str | None]]:
        nonlocal count
        for row in views.stream_scores(session, query):
            count += 1
            yield row

    with database_session(settings) as session, open(output, "w", encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            chunks = csv_chunks(counted(), settings.timezone)
        else:
            chunks = geojson_chunks(counted(), profile.code, query.level, query.polygons)
        for chunk in chunks:
            handle.write(chunk)
    click.echo(f"{count} places written to {output}.")


COMMANDS: list[click.Command] = [risk_group]

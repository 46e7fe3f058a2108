"""CLI: check the configuration files (categories, election calendar) before putting them in force."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import BaseModel

from tigapilar.alerts.config import (
    DETECTORS_FILE,
    RESPONSE_FILE,
    DetectorsConfig,
    ResponseConfig,
    load_alerts_config,
)
from tigapilar.cli.context import reports_errors
from tigapilar.core.configfiles import config_source, parse_config
from tigapilar.core.settings import Settings
from tigapilar.elections.calendar import CALENDAR_FILE, CalendarConfig
from tigapilar.notifications.config import NOTIFICATIONS_FILE, NotificationsFile
from tigapilar.reports.taxonomy import TAXONOMY_FILE, TaxonomyConfig
from tigapilar.risk.attributes import ATTRIBUTES_FILE, AttributeRegistry
from tigapilar.risk.profile import PROFILES_DIR, ProfileConfig, shipped_profiles

# (package that ships the default, file name, model): every configuration file tigapilar reads.
CONFIG_FILES: list[tuple[str, str, type[BaseModel]]] = [
    ("tigapilar.reports", TAXONOMY_FILE, TaxonomyConfig),
    ("tigapilar.elections", CALENDAR_FILE, CalendarConfig),
    ("tigapilar.risk", ATTRIBUTES_FILE, AttributeRegistry),
    ("tigapilar.alerts", DETECTORS_FILE, DetectorsConfig),
    ("tigapilar.alerts", RESPONSE_FILE, ResponseConfig),
]
# Files with no shipped default: checked when the installation has one (none: the feature is off).
OPTIONAL_FILES: list[tuple[str, type[BaseModel]]] = [(NOTIFICATIONS_FILE, NotificationsFile)]


@click.group()
def config() -> None:
    """Configuration kept as data: report categories, the election calendar."""


@config.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of overrides to check (default: TIGAPILAR_CONFIG_DIR).",
)
@reports_errors
def check(directory: Path | None) -> None:
    """Validate every configuration file in force; exit 1 with each problem and its place if one is wrong."""
    directory = directory or Settings.from_env().config_dir
    for package, name, model in [*CONFIG_FILES, *_profile_files(directory)]:
        label, text = config_source(package, name, directory)
        parse_config(label, text, model)
        click.echo(f"ok  {label}")
    for name, model in OPTIONAL_FILES:
        path = directory / name if directory is not None else None
        if path is None or not path.is_file():
            click.echo(f"--  {name}: none in the config directory (off)")
            continue
        parse_config(str(path), path.read_text(encoding="utf-8"), model)
        click.echo(f"ok  {path}")
    # Codes one file takes from another (categories, severities of the detectors) must exist there.
    load_alerts_config(directory)
    click.echo("ok  detectors and response agree with the report categories")


def _profile_files(directory: Path | None) -> list[tuple[str, str, type[BaseModel]]]:
    """Every vulnerability profile in force: the shipped ones and those added in the config directory."""
    codes = set(shipped_profiles())
    if directory is not None and (directory / PROFILES_DIR).is_dir():
        codes |= {p.stem for p in (directory / PROFILES_DIR).glob("*.toml")}
    return [("tigapilar.risk", f"{PROFILES_DIR}/{code}.toml", ProfileConfig) for code in sorted(codes)]


@config.command("export")
@click.argument("name", type=click.Choice([name for _, name, _ in [*CONFIG_FILES, *_profile_files(None)]]))
def export(name: str) -> None:
    """Print a shipped file to start an override from (redirect it into your config directory)."""
    package = next(p for p, n, _ in [*CONFIG_FILES, *_profile_files(None)] if n == name)
    click.echo(config_source(package, name, None)[1], nl=False)


COMMANDS: list[click.Command] = [config]

"""CLI: the coded SMS syntax for trainers and administrators (category card, help text, dry runs)."""

from __future__ import annotations

import click

from tigapilar.core.settings import Settings
from tigapilar.reports.channels.sms import (
    HelpRequest,
    ParsedReport,
    StatusRequest,
    Unreadable,
    code_help,
    code_table,
    help_messages,
    parse_sms,
)
from tigapilar.reports.channels.sms_text import septets
from tigapilar.reports.taxonomy import load_taxonomy


@click.group("sms")
def sms_group() -> None:
    """Coded SMS reports: the category codes, the help SMS, and how a text is read."""


@sms_group.command("codes")
def codes() -> None:
    """Print the category codes as a Markdown table (from the taxonomy in use; see docs/sms.md)."""
    click.echo(code_table(load_taxonomy(Settings.from_env().config_dir)))


@sms_group.command("help-text")
@click.option("--desa", help="Desa code to use in the example, e.g. 64.71.01.1001.")
def help_text(desa: str | None) -> None:
    """Print the reply to INFO/BANTUAN, one SMS per line, with each one's length."""
    for message in help_messages(load_taxonomy(Settings.from_env().config_dir), desa):
        click.echo(f"[{septets(message) or len(message)}] {message}")


@sms_group.command("parse")
@click.argument("text")
def parse(text: str) -> None:
    """Show how TEXT is read, without saving anything (villages and the sender are not checked)."""
    taxonomy = load_taxonomy(Settings.from_env().config_dir)
    parsed = parse_sms(text, taxonomy)
    if isinstance(parsed, HelpRequest):
        about = code_help(parsed.topic, taxonomy) if parsed.topic else None
        click.echo(about or "help request: the reply is `tigapilar sms help-text`")
    elif isinstance(parsed, StatusRequest):
        click.echo(f"status request: {parsed.invalid or parsed.report_id or 'latest report'}")
    elif isinstance(parsed, ParsedReport):
        draft = parsed.draft
        click.echo(f"desa: {draft.desa_code}")
        click.echo(f"tps: {draft.tps_number if draft.tps_number is not None else '-'}")
        click.echo(f"category: {draft.category} (typed {parsed.category_sms})")
        click.echo(f"severity: {draft.severity}")
        click.echo(f"description: {draft.description}")
    elif isinstance(parsed, Unreadable):
        for problem in parsed.problems:
            click.echo(f"{problem.code}: {problem.pesan}")
        click.echo(parsed.example)
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [sms_group]

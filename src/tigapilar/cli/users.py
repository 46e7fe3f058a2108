"""CLI: user accounts (``tigapilar user ...``).

The command line is the installation's operator: it may create any account, national ones included,
without logging in. Passwords are prompted for (hidden) unless given or generated.
"""

from __future__ import annotations

from typing import ParamSpec, TypeVar

import click

from tigapilar.accounts import service
from tigapilar.accounts.passwords import generate_password
from tigapilar.accounts.principal import system_principal
from tigapilar.accounts.roles import Role
from tigapilar.accounts.service import UserFilter, UserRecord, UserUpdate
from tigapilar.accounts.sessions import MAX_TOKEN_DAYS, create_api_token
from tigapilar.accounts.tokens import principal_for_user
from tigapilar.cli.context import database_session, echo_table, reports_errors
from tigapilar.core.pagination import MAX_LIMIT, PageRequest
from tigapilar.storage.models import User
from tigapilar.storage.models.base import utcnow

P = ParamSpec("P")
R = TypeVar("R")
ROLE_CHOICE = click.Choice([r.value for r in Role])
ROLES_HELP = "field_officer (a village pillar), analyst, commander, partner (KPU/Bawaslu, read-only) or admin"


def _choose_password(password: str | None, generate: bool) -> tuple[str, bool]:
    """The password to set and whether it was generated (and so must be shown once)."""
    if password and generate:
        raise click.UsageError("Give either --password or --generate-password, not both.")
    if generate:
        return generate_password(), True
    if password:
        return password, False
    return click.prompt("Password", hide_input=True, confirmation_prompt=True), False


def _areas(record: UserRecord) -> str:
    return "national" if record.national else " ".join(a.code for a in record.areas)


def _unit(record: UserRecord) -> str:
    return f"{record.unit.code} ({record.unit.name})" if record.unit else "-"


EMAIL_HELP = "Where email notifications go (sent when SMTP is configured), e.g. budi@polri.go.id."
UNIT_HELP = "Code of the unit the account acts for, e.g. polsek-64.09.04: alerts routed to it reach the user."


@click.group("user")
def user_group() -> None:
    """Create and manage user accounts and their API tokens."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=ROLE_CHOICE, help=f"What the user may do: {ROLES_HELP}.")
@click.option(
    "--area",
    "areas",
    multiple=True,
    metavar="CODE",
    help="Kemendagri code of a region the user works in, e.g. 64.71 (repeat for several).",
)
@click.option("--national", is_flag=True, help="The user sees every region (no --area then).")
@click.option("--name", "full_name", help="Full name (default: the username).")
@click.option("--password", help="The password (visible in your shell history: prefer the prompt).")
@click.option(
    "--generate-password", "generate", is_flag=True, help="Make a strong password and print it once."
)
@click.option(
    "--officer-id",
    type=int,
    help="Link to an officer record; a field officer without --area then gets that officer's villages.",
)
@click.option(
    "--language",
    type=click.Choice(["id", "en"]),
    default="id",
    show_default=True,
    help="Language of the pages for this user: id (Bahasa Indonesia) or en (English).",
)
@click.option("--email", metavar="ADDRESS", help=EMAIL_HELP)
@click.option("--unit", metavar="CODE", help=UNIT_HELP)
@reports_errors
def add_user(
    username: str,
    role: str,
    areas: tuple[str, ...],
    national: bool,
    full_name: str | None,
    password: str | None,
    generate: bool,
    officer_id: int | None,
    language: str,
    email: str | None,
    unit: str | None,
) -> None:
    """Create the account USERNAME.

    Example: tigapilar user add budi.santoso --role analyst --area 64.71 --name "Budi Santoso"
    """
    secret, generated = _choose_password(password, generate)
    with database_session() as session:
        record = service.create_user(
            session,
            username,
            full_name or username,
            secret,
            role,
            list(areas),
            national=national,
            officer_id=officer_id,
            language=language,
            email=email,
            unit=unit,
        )
    click.echo(f"Created user {record.username} ({record.role.value}; areas: {_areas(record)}).")
    if generated:
        click.echo(f"Password (shown only now): {secret}")


@user_group.command("list")
@click.option("--role", type=ROLE_CHOICE, help="Only users with this role.")
@click.option("--area", metavar="CODE", help="Only users with an area inside this region, e.g. 64.71.")
@click.option("--search", help="Part of the username or full name.")
@click.option("--disabled/--enabled", "disabled", default=None, help="Only disabled (or enabled) accounts.")
@reports_errors
def list_users(role: str | None, area: str | None, search: str | None, disabled: bool | None) -> None:
    """List user accounts."""
    filters = UserFilter(
        role=Role(role) if role else None,
        active=None if disabled is None else not disabled,
        search=search,
        area=area,
    )
    rows = []
    with database_session() as session:
        offset = 0
        while True:
            page = service.list_users(session, system_principal(), filters, PageRequest(MAX_LIMIT, offset))
            rows.extend(page.items)
            offset += MAX_LIMIT
            if offset >= page.total:
                break
    echo_table(
        [
            {
                "id": r.id,
                "username": r.username,
                "name": r.full_name,
                "role": r.role.value,
                "areas": _areas(r),
                "unit": r.unit.code if r.unit else "-",
                "email": r.email or "-",
                "active": "yes" if r.active else "no",
            }
            for r in rows
        ],
        ["id", "username", "name", "role", "areas", "unit", "email", "active"],
    )


@user_group.command("show")
@click.argument("username")
@reports_errors
def show_user(username: str) -> None:
    """Show the account USERNAME."""
    with database_session() as session:
        record = service.find_user(session, system_principal(), username)
    click.echo(f"{record.username}  {record.full_name}  ({record.role.value})")
    click.echo(f"areas: {_areas(record)}")
    click.echo(f"unit: {_unit(record)}")
    click.echo(f"email: {record.email or '-'}")
    click.echo(f"officer id: {record.officer_id if record.officer_id is not None else '-'}")
    click.echo(f"language: {record.language}")
    click.echo(f"active: {'yes' if record.active else 'no'}")


@user_group.command("set")
@click.argument("username")
@click.option("--email", metavar="ADDRESS", help=f'{EMAIL_HELP} --email "" removes it.')
@click.option("--unit", metavar="CODE", help=f'{UNIT_HELP} --unit "" removes it.')
@reports_errors
def set_user(username: str, email: str | None, unit: str | None) -> None:
    """Change the email address or unit of USERNAME; what is not given stays.

    Example: tigapilar user set kapolsek.sepaku --email kapolsek@example.go.id --unit polsek-64.09.04
    """
    if email is None and unit is None:
        raise click.UsageError("Give --email and/or --unit.")
    with database_session() as session:
        found = service.find_user(session, system_principal(), username)
        record = service.update_user(
            session, system_principal(), found.id, UserUpdate(email=email, unit=unit)
        )
    click.echo(f"Changed {record.username}: unit {_unit(record)}, email {record.email or '-'}.")


@user_group.command("passwd")
@click.argument("username")
@click.option("--password", help="The new password (visible in your shell history: prefer the prompt).")
@click.option(
    "--generate-password", "generate", is_flag=True, help="Make a strong password and print it once."
)
@reports_errors
def change_password(username: str, password: str | None, generate: bool) -> None:
    """Set a new password for USERNAME; the user's open web sessions end."""
    secret, generated = _choose_password(password, generate)
    with database_session() as session:
        record = service.find_user(session, system_principal(), username)
        service.set_password(session, system_principal(), record.id, secret)
    click.echo(f"Password of {record.username} changed.")
    if generated:
        click.echo(f"Password (shown only now): {secret}")


@user_group.command("disable")
@click.argument("username")
@reports_errors
def disable_user(username: str) -> None:
    """Disable USERNAME: they can no longer log in, and all their sessions and API tokens are revoked."""
    with database_session() as session:
        record = service.find_user(session, system_principal(), username)
        service.deactivate(session, system_principal(), record.id)
    click.echo(f"Disabled {record.username}.")


@user_group.command("enable")
@click.argument("username")
@reports_errors
def enable_user(username: str) -> None:
    """Enable USERNAME again (old sessions and tokens stay revoked)."""
    with database_session() as session:
        record = service.find_user(session, system_principal(), username)
        service.activate(session, system_principal(), record.id)
    click.echo(f"Enabled {record.username}.")


@user_group.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="A label to recognise the token by later.")
@click.option(
    "--days", type=click.IntRange(1, MAX_TOKEN_DAYS), help="Expire after this many days (default: never)."
)
@reports_errors
def new_token(username: str, name: str, days: int | None) -> None:
    """Create an API token for USERNAME and print it once.

    Scripts send it as the header "Authorization: Bearer <token>"; it has the user's rights.
    """
    with database_session() as session:
        record = service.find_user(session, system_principal(), username)
        if not record.active:
            raise click.ClickException(f"{record.username} is disabled; enable the account first.")
        user = session.get(User, record.id)
        assert user is not None  # found just above
        issued = create_api_token(session, principal_for_user(session, user), name, utcnow(), days)
    click.echo(f"API token for {record.username} (shown only now; store it safely):")
    click.echo(issued.token)


COMMANDS: list[click.Command] = [user_group]

"""`tigapilar user ...` through click's CliRunner against the test database."""

from __future__ import annotations

from click.testing import CliRunner, Result

from tigapilar.accounts.tokens import principal_for_token
from tigapilar.cli.main import cli
from tigapilar.storage.db import Database

GOOD = "sungai-mahakam-77"


def run(db: Database, *args: str, input: str | None = None) -> Result:
    runner = CliRunner(env={"TIGAPILAR_DATABASE_URL": db.url})
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def test_add_list_disable_enable(regions: Database) -> None:
    added = run(
        regions,
        "user",
        "add",
        "Rina",
        "--role",
        "analyst",
        "--area",
        "64.71",
        "--name",
        "Rina W",
        "--password",
        GOOD,
    )
    assert added.exit_code == 0, added.output
    assert "Created user rina (analyst; areas: 64.71)" in added.output
    assert (
        run(
            regions, "user", "add", "pusat", "--role", "commander", "--national", "--password", GOOD
        ).exit_code
        == 0
    )

    listed = run(regions, "user", "list")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split() == ["id", "username", "name", "role", "areas", "active"]
    assert any("rina" in line and "64.71" in line and "yes" in line for line in lines)
    assert any("pusat" in line and "national" in line for line in lines)

    assert run(regions, "user", "disable", "rina").exit_code == 0
    disabled = run(regions, "user", "list", "--disabled")
    assert "rina" in disabled.output and "pusat" not in disabled.output
    assert run(regions, "user", "enable", "rina").output.strip() == "Enabled rina."


def test_add_with_prompted_or_generated_password(regions: Database) -> None:
    prompted = run(
        regions, "user", "add", "siti", "--role", "partner", "--area", "64.72", input=f"{GOOD}\n{GOOD}\n"
    )
    assert prompted.exit_code == 0, prompted.output
    generated = run(regions, "user", "add", "tono", "--role", "admin", "--area", "64", "--generate-password")
    assert generated.exit_code == 0
    password = generated.output.split("Password (shown only now): ")[1].strip()
    assert len(password) >= 10


def test_errors_are_readable_and_exit_1(regions: Database) -> None:
    weak = run(regions, "user", "add", "siti", "--role", "analyst", "--area", "64.72", "--password", "short")
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    unknown = run(regions, "user", "add", "siti", "--role", "analyst", "--area", "64.99", "--password", GOOD)
    assert unknown.exit_code == 1 and "areas: 64.99 is not a known region" in unknown.output
    no_area = run(regions, "user", "add", "siti", "--role", "analyst", "--password", GOOD)
    assert no_area.exit_code == 1 and "at least one area" in no_area.output
    missing = run(regions, "user", "disable", "nobody")
    assert missing.exit_code == 1 and "No such user" in missing.output
    assert "Traceback" not in weak.output + unknown.output + missing.output


def test_passwd_and_token(regions: Database) -> None:
    assert (
        run(
            regions, "user", "add", "rina", "--role", "analyst", "--area", "64.71", "--password", GOOD
        ).exit_code
        == 0
    )
    changed = run(regions, "user", "passwd", "rina", "--generate-password")
    assert changed.exit_code == 0 and "Password of rina changed." in changed.output

    made = run(regions, "user", "token", "rina", "--name", "laporan-harian", "--days", "30")
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("tp_")
    with regions.session() as session:
        principal = principal_for_token(session, token)
    assert principal is not None and principal.username == "rina"


def test_help_is_plain_language(regions: Database) -> None:
    text = run(regions, "user", "add", "--help").output
    assert "Kemendagri code" in text and "--generate-password" in text
    assert "field_officer" in text

"""`tigapilar user ...` through click's CliRunner against the test database."""

from __future__ import annotations

from click.testing import CliRunner, Result

from tigapilar.accounts.tokens import principal_for_token
from tigapilar.cli.main import cli
from tigapilar.organisation.units import UnitSpec, create_units
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
    assert lines[0].split() == ["id", "username", "name", "role", "areas", "unit", "email", "active"]
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


def _units(db: Database) -> None:
    with db.session() as session:
        create_units(
            session,
            [
                UnitSpec("polres-64.72", "Polresta Samarinda", "polri", "polres", None, ["64.72"]),
                UnitSpec(
                    "polsek-64.72.01", "Polsek Palaran", "polri", "polsek", "polres-64.72", ["64.72.01"]
                ),
            ],
        )


def test_email_and_unit_on_add_set_list_and_show(regions: Database) -> None:
    _units(regions)
    added = run(
        regions,
        "user",
        "add",
        "kapolsek.palaran",
        "--role",
        "commander",
        "--area",
        "64.72.01",
        "--password",
        GOOD,
        "--email",
        "Kapolsek.Palaran@Polri.go.id",
        "--unit",
        "polsek-64.72.01",
    )
    assert added.exit_code == 0, added.output
    listed = run(regions, "user", "list").output.splitlines()
    assert listed[1].split()[4:] == ["64.72.01", "polsek-64.72.01", "kapolsek.palaran@polri.go.id", "yes"]
    shown = run(regions, "user", "show", "kapolsek.palaran")
    assert shown.exit_code == 0, shown.output
    assert "unit: polsek-64.72.01 (Polsek Palaran)" in shown.output
    assert "email: kapolsek.palaran@polri.go.id" in shown.output

    moved = run(regions, "user", "set", "kapolsek.palaran", "--unit", "POLRES-64.72")
    assert moved.exit_code == 0, moved.output
    assert "unit polres-64.72 (Polresta Samarinda), email kapolsek.palaran@polri.go.id" in moved.output
    cleared = run(regions, "user", "set", "kapolsek.palaran", "--email", "", "--unit", "")
    assert cleared.exit_code == 0, cleared.output
    shown = run(regions, "user", "show", "kapolsek.palaran").output
    assert "unit: -" in shown and "email: -" in shown
    assert run(regions, "user", "set", "kapolsek.palaran", "--email", "kp@polri.go.id").exit_code == 0
    assert "unit: -" in run(regions, "user", "show", "kapolsek.palaran").output


def test_bad_email_or_unknown_unit_is_refused_readably(regions: Database) -> None:
    _units(regions)
    base = ["user", "add", "siti", "--role", "analyst", "--area", "64.72", "--password", GOOD]
    bad_email = run(regions, *base, "--email", "siti@polri")
    assert bad_email.exit_code == 1 and "Not a usable email address" in bad_email.output
    unknown = run(regions, *base, "--unit", "polsek-99")
    assert unknown.exit_code == 1 and "No unit with code 'polsek-99'" in unknown.output
    assert "siti" not in run(regions, "user", "list").output
    assert run(regions, *base).exit_code == 0
    bad_set = run(regions, "user", "set", "siti", "--email", "siti at polri")
    assert bad_set.exit_code == 1 and "Not a usable email address" in bad_set.output
    unknown_set = run(regions, "user", "set", "siti", "--unit", "polsek-99")
    assert unknown_set.exit_code == 1 and "No unit with code" in unknown_set.output
    nothing = run(regions, "user", "set", "siti")
    assert nothing.exit_code == 2 and "--email" in nothing.output
    assert "Traceback" not in bad_email.output + unknown.output + bad_set.output + unknown_set.output

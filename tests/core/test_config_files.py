"""Configuration as data: shipped defaults, overrides, and clear errors for a bad file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tigapilar.cli.main import cli
from tigapilar.core.configfiles import ConfigError
from tigapilar.elections.calendar import load_calendar
from tigapilar.reports.taxonomy import load_taxonomy


def test_the_shipped_taxonomy_has_the_domain_categories_and_four_severities() -> None:
    taxonomy = load_taxonomy()
    codes = {c.code for c in taxonomy.categories}
    assert {"politik_uang", "sara", "hoaks", "logistik", "sengketa_lahan", "bencana_akses"} <= codes
    assert [s.label for s in taxonomy.severities] == ["Rendah", "Sedang", "Tinggi", "Kritis"]
    assert (
        taxonomy.category_for_sms("pu") is not None and taxonomy.category_for_sms("pu").code == "politik_uang"
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 2, 14, 1, 0, tzinfo=UTC), ("pemilu-2024", "pemungutan")),  # voting day beats counting
        (datetime(2024, 2, 15, 3, 0, tzinfo=UTC), ("pemilu-2024", "penghitungan")),
        (datetime(2024, 11, 23, 15, 59, tzinfo=UTC), ("pilkada-2024", "kampanye")),  # 23:59 WITA
        (datetime(2024, 11, 23, 16, 0, tzinfo=UTC), ("pilkada-2024", "masa_tenang")),  # 00:00 WITA
        (datetime(2024, 12, 10, 0, 0, tzinfo=UTC), ("pilkada-2024", "penghitungan_rekapitulasi")),
    ],
)
def test_the_calendar_places_moments_in_local_days(moment: datetime, expected: tuple[str, str]) -> None:
    stage = load_calendar().stage_at(moment)
    assert stage is not None and (stage.election, stage.stage) == expected


def test_outside_every_stage_there_is_none() -> None:
    assert load_calendar().stage_at(datetime(2025, 6, 1, tzinfo=UTC)) is None


def test_an_override_replaces_the_shipped_file(tmp_path: Path) -> None:
    (tmp_path / "calendar.toml").write_text(
        """
[[election]]
code = "psu-2025"
name = "PSU 2025"
name_en = "2025 re-vote"
kind = "psu"
voting_day = 2025-04-19
regions = ["64.72"]

[[election.stage]]
code = "pemungutan"
label = "Pemungutan suara ulang"
label_en = "Re-vote"
start = 2025-04-19
end = 2025-04-19
""",
        encoding="utf-8",
    )
    calendar = load_calendar(tmp_path)
    voting = datetime(2025, 4, 19, 2, 0, tzinfo=UTC)
    assert calendar.stage_at(voting, "64.72.01.1001") is not None
    assert calendar.stage_at(voting, "64.71.01.1001") is None  # the re-vote is only in Samarinda
    assert calendar.stage_at(datetime(2024, 2, 14, 1, tzinfo=UTC)) is None  # the shipped file is replaced


def test_a_bad_file_lists_every_problem_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "categories.toml").write_text(
        """
[[severity]]
level = 1
label = "Rendah"
label_en = "Low"

[[severity]]
level = 3
label = "Tinggi"
label_en = "High"

[[category]]
code = "Politik Uang"
label = "Politik uang"
label_en = "Money politics"
sms = ["PU"]

[[category]]
code = "hoaks"
label = "Hoaks"
label_en = "Hoaxes"
sms = ["pu"]
colour = "red"
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_taxonomy(tmp_path)
    places = {d["place"] for d in caught.value.details}
    assert {"category[1].code", "category[2].colour"} <= places
    assert str(tmp_path / "categories.toml") in caught.value.message

    fixed = (
        (tmp_path / "categories.toml")
        .read_text()
        .replace("Politik Uang", "politik_uang")
        .replace('colour = "red"\n', "")
    )
    (tmp_path / "categories.toml").write_text(fixed)
    with pytest.raises(ConfigError) as caught:
        load_taxonomy(tmp_path)
    assert "severity levels must be 1..n without gaps" in caught.value.message
    assert "SMS code(s) used twice: PU" in caught.value.message


def test_config_check_command(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(cli, ["config", "check", "--dir", str(tmp_path)])
    assert good.exit_code == 0, good.output
    # categories, calendar, attributes, detectors, response, the two shipped vulnerability profiles,
    # and the check that the alert files agree with the categories
    assert good.output.count("ok ") == 8, good.output
    (tmp_path / "calendar.toml").write_text("[[election]]\ncode = 'x'\n")
    bad = runner.invoke(cli, ["config", "check", "--dir", str(tmp_path)])
    assert bad.exit_code == 1
    assert "election[1].name" in bad.output
    exported = runner.invoke(cli, ["config", "export", "calendar.toml"])
    assert "pilkada-2024" in exported.output
    profile = runner.invoke(cli, ["config", "export", "profiles/ikp-2024.toml"])
    assert 'code = "ikp-2024"' in profile.output

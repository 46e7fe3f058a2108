"""The early-warning files are data a Polda edits: validated on load, every problem named by its place."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tigapilar.alerts.config import DETECTORS_FILE, PACKAGE, RESPONSE_FILE, load_alerts_config
from tigapilar.cli.main import cli
from tigapilar.core.configfiles import ConfigError, config_source


def shipped(name: str) -> str:
    return config_source(PACKAGE, name, None)[1]


def test_the_shipped_files_load() -> None:
    config = load_alerts_config(None)
    assert {r.id for r in config.detectors.rule} >= {"kekerasan-berat", "politik-uang-desa"}
    assert config.response.deadline_for(4, "acknowledge") is not None
    assert config.response.routing.kinds(2) == ("polres", "kodim")


def test_codes_the_taxonomy_does_not_know_are_refused_with_their_place(tmp_path: Path) -> None:
    text = shipped(DETECTORS_FILE).replace('categories = ["politik_uang"]', 'categories = ["politik_duit"]')
    text = text.replace("[hotspot]\nprofile", "[hotspot]\nprofil")
    (tmp_path / DETECTORS_FILE).write_text(text.replace("severity = 4\n", "severity = 7\n", 1))
    with pytest.raises(ConfigError) as caught:
        load_alerts_config(tmp_path)
    places = [p for p, _ in caught.value.problems]
    assert "hotspot.profile" in places and "hotspot.profil" in places  # missing, and unknown key
    (tmp_path / DETECTORS_FILE).write_text(
        shipped(DETECTORS_FILE).replace('categories = ["politik_uang"]', 'categories = ["politik_duit"]')
    )
    with pytest.raises(ConfigError) as caught:
        load_alerts_config(tmp_path)
    assert caught.value.problems == [
        ("detectors.toml: rule.politik-uang-desa.categories", "unknown category 'politik_duit'")
    ]


def test_a_scan_window_as_long_as_the_study_is_refused(tmp_path: Path) -> None:
    (tmp_path / DETECTORS_FILE).write_text(
        shipped(DETECTORS_FILE).replace("max_window_days = 7", "max_window_days = 60")
    )
    result = CliRunner().invoke(cli, ["config", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "max_window_days must be shorter than study_days" in result.output


def test_a_severity_with_two_deadlines_is_refused(tmp_path: Path) -> None:
    (tmp_path / RESPONSE_FILE).write_text(shipped(RESPONSE_FILE).replace("severity = 1\n", "severity = 2\n"))
    with pytest.raises(ConfigError) as caught:
        load_alerts_config(tmp_path)
    assert "a severity has more than one [[deadline]]" in caught.value.message

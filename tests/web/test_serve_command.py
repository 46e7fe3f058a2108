"""`tigapilar serve` migrates, then hands the app factory to uvicorn (not actually started here)."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from tigapilar.cli.main import cli
from tigapilar.storage.migrate import is_up_to_date


def test_serve_migrates_and_runs_the_factory(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    result = CliRunner(env={"TIGAPILAR_DATABASE_URL": url}).invoke(
        cli, ["serve", "--port", "8123", "--host", "0.0.0.0"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    [(app, options)] = calls
    assert app == "tigapilar.web.app:create_app"
    assert options["factory"] is True and options["port"] == 8123 and options["host"] == "0.0.0.0"
    from tigapilar.storage.db import Database

    database = Database(url)
    assert is_up_to_date(database.engine)
    database.dispose()


def test_serve_help() -> None:
    text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "--port" in text and "--reload" in text and "/masuk" in text

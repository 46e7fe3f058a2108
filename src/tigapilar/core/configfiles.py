"""Configuration kept as data: TOML files shipped with tigapilar that a Polda can override.

Each capability ships its defaults next to its code (``<package>/data/<name>.toml``). An
installation overrides one by putting a file with the same name in ``TIGAPILAR_CONFIG_DIR``; the
override replaces the shipped file as a whole, so that what is in force is always one readable,
versionable file. Files are validated on load with pydantic and a bad file stops with every problem
listed by its place in the file, never with a stack trace.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tigapilar.core.errors import TigapilarError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(TigapilarError):
    """A configuration file that cannot be used; ``details`` lists each problem with its place."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        listed = "; ".join(f"{where}: {why}" if where else why for where, why in problems)
        super().__init__(
            code="config.invalid",
            message=f"Configuration file {source} is invalid: {listed}",
            pesan=f"Berkas konfigurasi {source} tidak valid: {listed}",
            status=500,
            details=[{"place": where, "reason": why} for where, why in problems],
        )
        self.source = source
        self.problems = problems


def config_source(package: str, name: str, config_dir: Path | None) -> tuple[str, str]:
    """(label, text) of config file ``name``: the override in ``config_dir`` or the shipped default."""
    if config_dir is not None:
        override = config_dir / name
        if override.is_file():
            return str(override), override.read_text(encoding="utf-8")
    shipped = resources.files(package).joinpath("data", name)
    return f"{package}/data/{name} (shipped)", shipped.read_text(encoding="utf-8")


def parse_config(label: str, text: str, model: type[ModelT]) -> ModelT:
    """Parse TOML ``text`` into ``model``; every problem is reported with its place in the file."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(label, [("", f"not valid TOML ({exc})")]) from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        # pydantic prefixes messages of custom checks with "Value error, ": noise for a person.
        problems = [
            (_place(error["loc"]), error["msg"].removeprefix("Value error, ")) for error in exc.errors()
        ]
        raise ConfigError(label, problems) from None


def load_config(package: str, name: str, model: type[ModelT], config_dir: Path | None = None) -> ModelT:
    label, text = config_source(package, name, config_dir)
    return parse_config(label, text, model)


def _place(loc: tuple[int | str, ...]) -> str:
    """``('category', 3, 'code')`` -> ``category[3].code`` (1-based list positions, as people count)."""
    place = ""
    for part in loc:
        if isinstance(part, int):
            place += f"[{part + 1}]"
        else:
            place += ("." if place else "") + part
    return place

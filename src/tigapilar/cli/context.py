"""What every CLI command needs: settings, a migrated database, progress bars and error output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click
from sqlalchemy.orm import Session

from tigapilar.core.errors import ImportRejected, TigapilarError
from tigapilar.core.settings import Settings
from tigapilar.storage.db import Database
from tigapilar.storage.migrate import upgrade

P = ParamSpec("P")
R = TypeVar("R")


def open_database(settings: Settings | None = None) -> Database:
    settings = settings or Settings.from_env()
    database = Database(settings.database_url)
    upgrade(database.engine)
    return database


@contextmanager
def database_session(settings: Settings | None = None) -> Iterator[Session]:
    """A session on the migrated database, committed on success; the engine is closed after."""
    database = open_database(settings)
    try:
        with database.session() as session:
            yield session
    finally:
        database.dispose()


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into a readable message and exit status 1 instead of a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ImportRejected as exc:
            click.secho(f"Error: {exc.message}", fg="red", err=True)
            for err in exc.errors[:50]:
                click.echo(f"  {err}", err=True)
            if exc.total_errors > 50:
                click.echo(f"  ... and {exc.total_errors - 50} more", err=True)
            sys.exit(1)
        except TigapilarError as exc:
            click.secho(f"Error: {exc.message}", fg="red", err=True)
            for detail in exc.details[:50]:
                click.echo(f"  {_describe(detail)}", err=True)
            sys.exit(1)

    return wrapper


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; silent when output goes to a file or a pipe. Yields ``advance(n)``."""
    if not sys.stderr.isatty():
        yield lambda _n: None
        return
    with click.progressbar(length=total or 0, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update


def echo_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    if not rows:
        click.echo("(none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c, "") or "")) for r in rows)) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        click.echo("  ".join(str(row.get(c, "") or "").ljust(widths[c]) for c in columns))


def _describe(detail: dict[str, Any]) -> str:
    """One error detail as a line a person reads: ``line 3, column kind: reason`` or ``field: reason``."""
    reason = detail.get("reason") or detail.get("message") or ""
    where = [f"{key} {detail[key]}" for key in ("line", "column") if detail.get(key) not in (None, "")]
    for key in ("field", "place"):
        if detail.get(key):
            where.append(str(detail[key]))
    return f"{', '.join(where)}: {reason}" if where else str(reason or detail)

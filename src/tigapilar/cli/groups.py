"""Command groups shared by several command modules."""

from __future__ import annotations

import click


@click.group("import")
def import_group() -> None:
    """Import real data files: regions, boundaries, TPS, units, officers.

    Every import checks the whole file first; if any row is wrong, nothing is saved and each
    problem is listed with its line and column.
    """

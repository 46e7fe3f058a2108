"""CLI: look up regions (``tigapilar regions ...``); load them (``tigapilar import regions|boundaries``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tigapilar.cli.context import database_session, echo_table, progress, reports_errors
from tigapilar.cli.groups import import_group
from tigapilar.core.pagination import PageRequest
from tigapilar.core.scope import Scope
from tigapilar.regions.catalog import catalog_size, load_catalog
from tigapilar.regions.importers import BOUNDARY_FORMATS, FORMATS, ImportResult, import_file
from tigapilar.regions.records import RegionSummary
from tigapilar.regions.service import get_region, level_counts, list_children, search_regions

# The command line is run by the operator of the installation, who sees the whole country.
NATIONAL = Scope.everything()
LEVEL_LABELS = {1: "provinsi", 2: "kab/kota", 3: "kecamatan", 4: "desa/kelurahan"}


@click.group("regions")
def regions_group() -> None:
    """Look up Indonesia's regions: provinsi, kabupaten/kota, kecamatan, desa/kelurahan.

    Codes are Kemendagri codes with dots, e.g. 64 (Kalimantan Timur), 64.72 (Kota Samarinda),
    64.72.01.1001 (a kelurahan). Load them first with `tigapilar import regions`.
    """


@regions_group.command("show")
@click.argument("code")
@click.option("--geometry", is_flag=True, help="Also print the polygon as GeoJSON, if one was imported.")
@reports_errors
def show(code: str, geometry: bool) -> None:
    """Show one region: its place in the hierarchy, centroid, area and population."""
    with database_session() as session:
        detail = get_region(session, NATIONAL, code, geometry=geometry)
    region = detail.region
    click.echo(f"{region.code}  {region.name}  ({region.kind})")
    if detail.path:
        click.echo("in: " + " > ".join(f"{c.name} ({c.code})" for c in detail.path))
    facts = {
        "sub-regions": detail.children,
        "kode pos": region.postal_code,
        "centroid": f"{region.lat}, {region.lng} ({region.centroid_source})"
        if region.lat is not None
        else None,
        "area km²": f"{detail.area_km2:,.2f}" if detail.area_km2 is not None else None,
        "population": f"{detail.population:,}" if detail.population is not None else None,
        "polygon": "yes" if detail.has_geometry else "no",
    }
    for label, value in facts.items():
        if value is not None:
            click.echo(f"{label}: {value}")
    if geometry and detail.geometry is not None:
        click.echo(json.dumps(detail.geometry))


@regions_group.command("children")
@click.argument("code", required=False)
@click.option("--limit", default=100, show_default=True, help="How many to list.")
@click.option("--offset", default=0, show_default=True, help="How many to skip first.")
@reports_errors
def children(code: str | None, limit: int, offset: int) -> None:
    """List the regions directly under CODE (without CODE: the provinces)."""
    with database_session() as session:
        page = list_children(session, NATIONAL, code, PageRequest(limit=limit, offset=offset))
    echo_table([_row(r) for r in page.items], ["code", "name", "kind", "centroid"])
    _echo_more(page.total, offset, len(page.items))


@regions_group.command("search", short_help="Find regions by name.")
@click.argument("text")
@click.option("--level", type=click.IntRange(1, 4), help="Only this level: 1 provinsi .. 4 desa/kelurahan.")
@click.option("--limit", default=20, show_default=True, help="How many results to show.")
@reports_errors
def search(text: str, level: int | None, limit: int) -> None:
    """Find regions by name, e.g. "samarinda", "Kab. Kutai" or "kec. palaran"."""
    with database_session() as session:
        page = search_regions(session, NATIONAL, text, level, PageRequest(limit=limit))
    rows = [{**_row(hit.region), "in": ", ".join(c.name for c in reversed(hit.path))} for hit in page.items]
    echo_table(rows, ["code", "name", "kind", "in"])
    _echo_more(page.total, 0, len(page.items))


@regions_group.command("stats")
@click.argument("code", required=False)
@reports_errors
def stats(code: str | None) -> None:
    """Count regions per level (under CODE if given) and how many have centroids, polygons and figures."""
    with database_session() as session:
        counts = level_counts(session, NATIONAL, code)
    rows = [
        {
            "level": LEVEL_LABELS[c.level],
            "regions": f"{c.regions:,}",
            "centroid": f"{c.with_centroid:,}",
            "polygon": f"{c.with_geometry:,}",
            "area": f"{c.with_area:,}",
            "population": f"{c.with_population:,}",
        }
        for c in counts
    ]
    echo_table(rows, ["level", "regions", "centroid", "polygon", "area", "population"])


@import_group.command("regions")
@click.option(
    "--province",
    "provinces",
    multiple=True,
    metavar="CODE",
    help="Only this province, e.g. 64 for Kalimantan Timur (repeat for more).",
)
@click.option(
    "--all", "everything", is_flag=True, help="All of Indonesia (38 provinces, about 91,600 regions)."
)
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@reports_errors
def import_regions(provinces: tuple[str, ...], everything: bool, files: tuple[Path, ...]) -> None:
    """Load region codes and names, from the built-in official list or from FILES.

    Without FILES the official Kepmendagri list shipped with tigapilar is loaded; say which part
    with --province 64 (repeatable) or --all. FILES may be wilayah SQL dumps (wilayah.sql,
    wilayah_luas.sql, wilayah_penduduk.sql, wilayah_boundaries), CSV files (code,name[,lat,lng,
    area_km2,population,population_male,population_female,postal_code]) or GeoJSON; --province then
    keeps only rows of those provinces. Safe to run again: existing regions are updated.
    """
    if provinces and everything:
        raise click.UsageError("Give --province or --all, not both.")
    if not files and not provinces and not everything:
        raise click.UsageError("Say what to load: --province 64 (repeatable), --all, or one or more FILES.")
    wanted = list(provinces) or None
    if not files:
        _load_catalog(wanted)
    else:
        _import_files(files, wanted, FORMATS)


@import_group.command("boundaries")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@reports_errors
def import_boundaries(files: tuple[Path, ...]) -> None:
    """Load region polygons and centroids from wilayah_boundaries SQL dumps or GeoJSON files.

    Give parents' files first (kab/kota, then kecamatan, then desa/kelurahan) when the regions
    are not loaded yet: a boundary row for an unknown region adds it only if its parent exists.
    All FILES are imported together: if any file has a problem, nothing is saved.
    """
    _import_files(files, None, BOUNDARY_FORMATS)


def _load_catalog(provinces: list[str] | None) -> None:
    total = catalog_size(provinces)
    with database_session() as session, progress("Loading regions", total) as advance:
        count = load_catalog(session, provinces, advance)
    click.echo(f"Loaded {count:,} regions from the official list (Kepmendagri 300.2.2-2138/2025).")


def _import_files(files: tuple[Path, ...], provinces: list[str] | None, accept: tuple[str, ...]) -> None:
    results: list[ImportResult] = []
    # One transaction for all files: a rejected file leaves nothing from any of them.
    with database_session() as session:
        for path in files:
            with progress(f"Importing {path.name}") as advance:
                results.append(import_file(session, path, provinces, advance, accept=accept))
    for result in results:
        _echo_result(result)


def _echo_result(result: ImportResult) -> None:
    click.echo(
        f"{Path(result.source).name}: {result.total_inserted:,} added{_by_level(result.inserted)}, "
        f"{result.total_updated:,} updated{_by_level(result.updated)}"
    )
    for reason, count in result.skipped_reasons.items():
        click.echo(f"  {count:,} row(s) skipped: {reason}")
    for note in result.notes:
        click.echo(f"  note: {note}")


def _by_level(counts: dict[int, int]) -> str:
    if not counts:
        return ""
    return " (" + ", ".join(f"{LEVEL_LABELS[level]} {n:,}" for level, n in sorted(counts.items())) + ")"


def _row(region: RegionSummary) -> dict[str, object]:
    centroid = (
        f"{region.lat:.5f}, {region.lng:.5f}" if region.lat is not None and region.lng is not None else ""
    )
    return {"code": region.code, "name": region.name, "kind": region.kind, "centroid": centroid}


def _echo_more(total: int, offset: int, shown: int) -> None:
    if offset + shown < total:
        click.echo(f"... {total - offset - shown:,} more (of {total:,}); use --limit/--offset to see them")


COMMANDS: list[click.Command] = [regions_group]

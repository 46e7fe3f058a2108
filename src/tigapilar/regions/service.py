"""Region queries. Every function takes the caller's :class:`Scope` and never returns a region outside it.

A region outside the scope and a region that does not exist raise the same
:class:`~tigapilar.core.errors.NotFound`, so that nobody learns what exists beyond their area. The
one exception is by design: the breadcrumb of a region in scope names its ancestors (code and
name only), because people navigate by them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, undefer

from tigapilar.core.errors import Invalid, NotFound
from tigapilar.core.pagination import Page, PageRequest, paginate
from tigapilar.core.scope import Scope
from tigapilar.regions import codes
from tigapilar.regions.records import Crumb, LevelCount, RegionDetail, RegionNode, RegionSummary, SearchHit
from tigapilar.storage.models import Region

MAX_TREE_DEPTH = 3
LEVELS = (1, 2, 3, 4)


def not_found(code: str) -> NotFound:
    return NotFound("region.not_found", f"Region {code} was not found.", f"Wilayah {code} tidak ditemukan.")


def get_region(session: Session, scope: Scope, code: str, *, geometry: bool = False) -> RegionDetail:
    """One region with its breadcrumb; its GeoJSON polygon only when ``geometry`` is true."""
    code = codes.validate_code(code)
    if not scope.covers(code):
        raise not_found(code)
    query = select(Region, Region.geometry.is_not(None)).where(Region.code == code)
    if geometry:
        query = query.options(undefer(Region.geometry))
    row = session.execute(query).first()
    if row is None:
        raise not_found(code)
    region, has_geometry = row
    children = session.scalar(select(func.count()).where(Region.parent_code == code)) or 0
    bbox = _bbox(region)
    shape = json.loads(region.geometry) if geometry and region.geometry else None
    return RegionDetail(
        region=RegionSummary.of(region),
        path=breadcrumbs(session, [code])[code],
        children=children,
        area_km2=region.area_km2,
        population=region.population,
        population_male=region.population_male,
        population_female=region.population_female,
        bbox=bbox,
        has_geometry=bool(has_geometry),
        geometry=shape,
    )


def list_children(
    session: Session, scope: Scope, code: str | None = None, page: PageRequest | None = None
) -> Page[RegionSummary]:
    """Regions directly under ``code`` that are in scope; without a code, the top of the scope.

    The top of a national scope is the provinces; of any other scope, the regions it was granted.
    Children of an ancestor of the scope are allowed (that is how people drill down to their
    area) but list only what is in scope.
    """
    page = page or PageRequest()
    if code is None:
        query = _top_of(scope)
    else:
        code = codes.validate_code(code)
        if not scope.touches(code) or not _exists(session, code):
            raise not_found(code)
        query = select(Region).where(Region.parent_code == code, scope.clause(Region.code))
    result = paginate(session, query.order_by(Region.code), page)
    return Page([RegionSummary.of(r) for r in result.items], result.total, result.limit, result.offset)


def region_tree(session: Session, scope: Scope, code: str | None = None, depth: int = 1) -> list[RegionNode]:
    """``code`` (or the top of the scope) with its descendants down to ``depth`` levels below it."""
    if not 0 <= depth <= MAX_TREE_DEPTH:
        raise Invalid(
            "region.bad_depth",
            f"depth must be between 0 and {MAX_TREE_DEPTH}",
            f"kedalaman harus antara 0 dan {MAX_TREE_DEPTH}",
        )
    if code is not None:
        code = codes.validate_code(code)
        if not scope.covers(code):
            raise not_found(code)
        roots = list(session.scalars(select(Region).where(Region.code == code)))
        if not roots:
            raise not_found(code)
    else:
        roots = list(session.scalars(_top_of(scope).order_by(Region.code)))
    if not roots:
        return []
    within: ColumnElement[bool]
    if code is None and scope.national:
        # The whole country from the provinces down is "every region up to that level"; spelt as
        # 38 ranges it makes SQLite scan the table once per range.
        within = Region.level <= 1 + depth
    else:
        within = or_(
            *(and_(Scope.of([r.code]).clause(Region.code), Region.level <= r.level + depth) for r in roots)
        )
    nodes: dict[str, RegionNode] = {}
    for region in session.scalars(
        select(Region).where(within, scope.clause(Region.code)).order_by(Region.code)
    ):
        node = RegionNode(RegionSummary.of(region))
        nodes[region.code] = node
        parent = nodes.get(region.parent_code or "")
        if parent is not None:
            parent.children.append(node)
    return [nodes[root.code] for root in roots]


def search_regions(
    session: Session,
    scope: Scope,
    text: str,
    level: int | None = None,
    page: PageRequest | None = None,
) -> Page[SearchHit]:
    """Regions in scope whose name starts with ``text``, ignoring case and prefixes such as "Kab.".

    A word inside the name also matches ("kartanegara" finds Kutai Kartanegara), ranked after names
    that start with the text; a full region code matches that region.
    """
    page = page or PageRequest()
    key = codes.name_key(text)
    if not key:
        raise Invalid("region.bad_query", "Type part of a region name.", "Ketik sebagian nama wilayah.")
    if level is not None and level not in LEVELS:
        raise Invalid("region.bad_level", "level must be 1, 2, 3 or 4", "level harus 1, 2, 3 atau 4")
    starts = Region.name_key.startswith(key, autoescape=True)
    word = Region.name_key.contains(" " + key, autoescape=True)
    matches: list[ColumnElement[bool]] = [starts, word]
    rank_when: list[tuple[ColumnElement[bool], int]] = [(Region.name_key == key, 1), (starts, 2)]
    typed = text.strip()
    if codes.code_problem(typed) is None:
        matches.append(Region.code == typed)
        rank_when.insert(0, (Region.code == typed, 0))
    query = select(Region).where(or_(*matches), scope.clause(Region.code))
    if level is not None:
        query = query.where(Region.level == level)
    rank = case(*rank_when, else_=3)
    result = paginate(session, query.order_by(rank, Region.level, Region.name_key, Region.code), page)
    paths = breadcrumbs(session, [r.code for r in result.items])
    hits = [SearchHit(RegionSummary.of(r), paths[r.code]) for r in result.items]
    return Page(hits, result.total, result.limit, result.offset)


def level_counts(session: Session, scope: Scope, code: str | None = None) -> list[LevelCount]:
    """How many regions of each level are in scope (under ``code`` if given), and how many have data."""
    area = scope
    if code is not None:
        code = codes.validate_code(code)
        if not scope.covers(code) or not _exists(session, code):
            raise not_found(code)
        area = Scope.of([code])
    query = (
        select(
            Region.level,
            func.count(),
            func.count(Region.lat),
            func.count(Region.geometry),
            func.count(Region.area_km2),
            func.count(Region.population),
        )
        .where(area.clause(Region.code))
        .group_by(Region.level)
    )
    found = {row[0]: row for row in session.execute(query)}
    return [
        LevelCount(level, *(int(n) for n in found[level][1:]))
        if level in found
        else LevelCount(level, 0, 0, 0, 0, 0)
        for level in LEVELS
    ]


def breadcrumbs(session: Session, region_codes: Iterable[str]) -> dict[str, list[Crumb]]:
    """For each code, its ancestors (province first) as code and name; one query for all of them."""
    wanted = list(region_codes)
    ancestors = {a for c in wanted for a in codes.ancestors_of(c)}
    names: dict[str, str] = {}
    if ancestors:
        query = select(Region.code, Region.name).where(Region.code.in_(sorted(ancestors)))
        names = {code: name for code, name in session.execute(query)}
    return {c: [Crumb(a, names[a]) for a in codes.ancestors_of(c) if a in names] for c in wanted}


def _top_of(scope: Scope) -> Select[Region]:
    if scope.national:
        return select(Region).where(Region.level == 1)
    return select(Region).where(Region.code.in_(sorted(scope.codes)))


def _bbox(region: Region) -> tuple[float, float, float, float] | None:
    south, west, north, east = region.min_lat, region.min_lng, region.max_lat, region.max_lng
    if south is None or west is None or north is None or east is None:
        return None
    return south, west, north, east


def _exists(session: Session, code: str) -> bool:
    return session.scalar(select(Region.code).where(Region.code == code)) is not None

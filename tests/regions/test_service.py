"""Region queries: details, children, trees, search and counts, always inside the caller's scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from regions.support import feature, feature_collection, run_import, square_geojson, write
from tigapilar.core.errors import Invalid, NotFound
from tigapilar.core.pagination import PageRequest
from tigapilar.core.scope import Scope
from tigapilar.regions.service import get_region, level_counts, list_children, region_tree, search_regions
from tigapilar.storage.db import Database

NATIONAL = Scope.everything()
SAMARINDA = Scope.of(["64.72"])


def in_scope(code: str, scope: Scope) -> bool:
    return scope.covers(code)


def test_region_detail_has_breadcrumb_and_geometry_only_on_request(kaltim: Database, tmp_path: Path) -> None:
    polygon = square_geojson(-0.57, 117.18)
    run_import(
        kaltim, write(tmp_path, "b.geojson", feature_collection(feature({"code": "64.72.01.1001"}, polygon)))
    )
    with kaltim.session() as session:
        plain = get_region(session, NATIONAL, "64.72.01.1001")
        with_shape = get_region(session, SAMARINDA, "64.72.01.1001", geometry=True)
    assert plain.region.name == "Rawa Makmur"
    assert [(c.code, c.name) for c in plain.path] == [
        ("64", "Kalimantan Timur"),
        ("64.72", "Kota Samarinda"),
        ("64.72.01", "Palaran"),
    ]
    assert plain.has_geometry and plain.geometry is None
    assert plain.bbox == pytest.approx((-0.58, 117.17, -0.56, 117.19))
    assert with_shape.geometry is not None and with_shape.geometry["type"] == "Polygon"
    assert with_shape.region.centroid_source == "import"


def test_detail_counts_children(kaltim: Database) -> None:
    with kaltim.session() as session:
        assert get_region(session, NATIONAL, "64").children == 10
        assert get_region(session, NATIONAL, "64.72").children == 10


def test_outside_scope_and_unknown_look_the_same(kaltim: Database) -> None:
    with kaltim.session() as session:
        errors = []
        for code in ("64.71", "64.72.99"):  # Balikpapan exists, 64.72.99 does not
            with pytest.raises(NotFound) as caught:
                get_region(session, SAMARINDA, code)
            errors.append(caught.value)
    assert {e.code for e in errors} == {"region.not_found"}
    assert [e.message.replace(code, "X") for e, code in zip(errors, ("64.71", "64.72.99"), strict=True)] == [
        "Region X was not found."
    ] * 2
    # An ancestor is navigation, not data: it cannot be read either.
    with kaltim.session() as session, pytest.raises(NotFound):
        get_region(session, SAMARINDA, "64")


@pytest.mark.parametrize("code", ["6472", "64.7", "64.72.01.1", "abc", ""])
def test_malformed_codes_are_invalid(kaltim: Database, code: str) -> None:
    with kaltim.session() as session, pytest.raises(Invalid) as caught:
        get_region(session, NATIONAL, code)
    assert caught.value.code == "region.invalid_code"


def test_top_level_follows_the_scope(kaltim: Database) -> None:
    with kaltim.session() as session:
        national = list_children(session, NATIONAL)
        samarinda = list_children(session, SAMARINDA)
        mixed = list_children(session, Scope.of(["64.72", "64.71.01"]))
        nothing = list_children(session, Scope.of([]))
    assert [r.code for r in national.items] == ["64", "65"]
    assert [r.code for r in samarinda.items] == ["64.72"]
    assert [r.code for r in mixed.items] == ["64.71.01", "64.72"]
    assert nothing.items == [] and nothing.total == 0


def test_children_are_paginated_and_filtered_by_scope(kaltim: Database) -> None:
    with kaltim.session() as session:
        first = list_children(session, NATIONAL, "64", PageRequest(limit=4))
        rest = list_children(session, NATIONAL, "64", PageRequest(limit=100, offset=4))
        from_above = list_children(session, SAMARINDA, "64")
        kecamatan = list_children(session, SAMARINDA, "64.72")
    assert (first.total, len(first.items), len(rest.items)) == (10, 4, 6)
    assert [r.code for r in first.items + rest.items] == sorted(r.code for r in first.items + rest.items)
    assert [r.code for r in from_above.items] == ["64.72"]
    assert from_above.total == 1
    assert kecamatan.total == 10
    assert all(r.parent_code == "64.72" for r in kecamatan.items)


def test_children_outside_scope_are_not_found(kaltim: Database) -> None:
    with kaltim.session() as session:
        for code in ("64.71", "65", "64.99"):
            with pytest.raises(NotFound):
                list_children(session, SAMARINDA, code)


def test_tree_goes_down_the_requested_levels_inside_scope(kaltim: Database) -> None:
    with kaltim.session() as session:
        city = region_tree(session, NATIONAL, "64.72", depth=2)
        top = region_tree(session, SAMARINDA, None, depth=1)
        shallow = region_tree(session, NATIONAL, "64", depth=0)
        with pytest.raises(NotFound):
            region_tree(session, SAMARINDA, "64", depth=1)
        with pytest.raises(Invalid):
            region_tree(session, NATIONAL, "64", depth=4)
    (root,) = city
    assert root.region.code == "64.72"
    assert len(root.children) == 10
    assert sum(len(k.children) for k in root.children) == 59  # Samarinda's kelurahan
    assert [n.region.code for n in top] == ["64.72"] and len(top[0].children) == 10
    assert shallow[0].children == []


@pytest.mark.parametrize("text", ["samarinda", "Kota Samarinda", "KOTA  samarinda", "kota sama"])
def test_search_finds_samarinda_first(kaltim: Database, text: str) -> None:
    with kaltim.session() as session:
        page = search_regions(session, NATIONAL, text)
    assert page.items[0].region.code == "64.72"
    assert page.items[0].path[0].name == "Kalimantan Timur"


def test_search_with_a_prefix_and_a_level(kaltim: Database) -> None:
    with kaltim.session() as session:
        kutai = search_regions(session, NATIONAL, "kab. kutai", level=2)
        word = search_regions(session, NATIONAL, "kartanegara", level=2)
        by_code = search_regions(session, NATIONAL, "64.72.01")
    assert sorted(h.region.code for h in kutai.items) == ["64.02", "64.07", "64.08"]
    assert [h.region.code for h in word.items] == ["64.02"]
    assert by_code.items[0].region.code == "64.72.01"


def test_search_is_paginated(kaltim: Database) -> None:
    with kaltim.session() as session:
        everything = search_regions(session, NATIONAL, "sungai", page=PageRequest(limit=1000))
        first = search_regions(session, NATIONAL, "sungai", page=PageRequest(limit=5))
        second = search_regions(session, NATIONAL, "sungai", page=PageRequest(limit=5, offset=5))
    assert everything.total > 10
    assert first.total == second.total == everything.total
    assert [h.region.code for h in first.items + second.items] == [
        h.region.code for h in everything.items[:10]
    ]


def test_search_never_leaves_the_scope(kaltim: Database) -> None:
    with kaltim.session() as session:
        balikpapan = search_regions(session, SAMARINDA, "balikpapan")
        samarinda = search_regions(session, SAMARINDA, "samarinda", page=PageRequest(limit=1000))
        sungai = search_regions(session, SAMARINDA, "sungai", page=PageRequest(limit=1000))
        code = search_regions(session, SAMARINDA, "64.71")
    assert balikpapan.total == 0 and code.total == 0
    assert samarinda.total > 1
    assert sungai.total > 0
    for hit in samarinda.items + sungai.items:
        assert in_scope(hit.region.code, SAMARINDA)


@pytest.mark.parametrize("text", ["%", "_", "a%b"])
def test_search_wildcards_are_plain_characters(kaltim: Database, text: str) -> None:
    with kaltim.session() as session:
        assert search_regions(session, NATIONAL, text).total == 0


def test_search_needs_text_and_a_real_level(kaltim: Database) -> None:
    with kaltim.session() as session:
        with pytest.raises(Invalid) as empty:
            search_regions(session, NATIONAL, "   ")
        with pytest.raises(Invalid) as level:
            search_regions(session, NATIONAL, "samarinda", level=5)
    assert (empty.value.code, level.value.code) == ("region.bad_query", "region.bad_level")


def test_level_counts_follow_scope_and_code(kaltim: Database) -> None:
    with kaltim.session() as session:
        samarinda = level_counts(session, SAMARINDA)
        kaltim_only = level_counts(session, NATIONAL, "64")
        with pytest.raises(NotFound):
            level_counts(session, SAMARINDA, "64.71")
    assert [c.regions for c in samarinda] == [0, 1, 10, 59]
    assert [c.regions for c in kaltim_only] == [1, 10, 105, 1038]
    assert all(c.with_centroid == 0 for c in kaltim_only)

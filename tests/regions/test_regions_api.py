"""The regions API: shapes of answers, errors, and that a scoped user never sees outside their area."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Account, make_account
from regions.support import feature, feature_collection, run_import, square_geojson, write
from tigapilar.storage.db import Database


@pytest.fixture
def api(client: Any, kaltim: Database, tmp_path: Path) -> TestClient:
    shapes = feature_collection(
        feature({"code": "64.72"}, square_geojson(-0.5, 117.15, 0.2)),
        feature({"code": "64.71"}, square_geojson(-1.2, 116.9, 0.2)),
    )
    run_import(kaltim, write(tmp_path, "kab.geojson", shapes))
    test_client: TestClient = client
    return test_client


@pytest.fixture
def national(kaltim: Database) -> Account:
    with kaltim.session() as session:
        return make_account(session, "analis.polda", "analyst", national=True)


@pytest.fixture
def samarinda(kaltim: Database) -> Account:
    with kaltim.session() as session:
        return make_account(session, "analis.smd", "analyst", areas=["64.72"])


def get(api: TestClient, account: Account, url: str) -> Any:
    response = api.get(url, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def error(api: TestClient, account: Account, url: str, status: int) -> dict[str, Any]:
    response = api.get(url, headers=account.headers)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def test_top_level_is_the_callers_area(api: TestClient, national: Account, samarinda: Account) -> None:
    top = get(api, national, "/api/v1/regions")
    assert [r["code"] for r in top["items"]] == ["64", "65"]
    assert (top["total"], top["limit"], top["offset"]) == (2, 50, 0)
    assert [r["code"] for r in get(api, samarinda, "/api/v1/regions")["items"]] == ["64.72"]


def test_children_by_parent_query_or_path(api: TestClient, national: Account, samarinda: Account) -> None:
    by_query = get(api, national, "/api/v1/regions?parent=64&limit=3&offset=3")
    assert by_query["total"] == 10 and len(by_query["items"]) == 3
    by_path = get(api, national, "/api/v1/regions/64/children?limit=100")
    assert [r["code"] for r in by_path["items"]][3:6] == [r["code"] for r in by_query["items"]]
    assert [r["code"] for r in get(api, samarinda, "/api/v1/regions?parent=64")["items"]] == ["64.72"]


def test_detail_with_breadcrumb_and_optional_geometry(api: TestClient, samarinda: Account) -> None:
    detail = get(api, samarinda, "/api/v1/regions/64.72")
    assert detail["name"] == "Kota Samarinda" and detail["kind"] == "kota"
    assert detail["path"] == [{"code": "64", "name": "Kalimantan Timur"}]
    assert detail["children"] == 10
    assert detail["has_geometry"] is True and detail["geometry"] is None
    assert detail["bbox"]["min_lat"] == pytest.approx(-0.6)
    assert detail["lat"] == pytest.approx(-0.5) and detail["centroid_source"] == "import"
    shaped = get(api, samarinda, "/api/v1/regions/64.72?geometry=true")
    assert shaped["geometry"]["type"] == "Polygon"
    assert shaped["geometry"]["coordinates"][0][0] == pytest.approx([117.05, -0.6])


def test_search_and_tree(api: TestClient, national: Account) -> None:
    found = get(api, national, "/api/v1/regions/search?q=Kota%20Samarinda&limit=2")
    assert found["items"][0]["code"] == "64.72"
    assert found["items"][0]["path"] == [{"code": "64", "name": "Kalimantan Timur"}]
    assert found["limit"] == 2 and found["total"] > 2
    kutai = get(api, national, "/api/v1/regions/search?q=kab.%20kutai&level=2")
    assert sorted(r["code"] for r in kutai["items"]) == ["64.02", "64.07", "64.08"]
    tree = get(api, national, "/api/v1/regions/64.72/tree?depth=2")
    assert tree["code"] == "64.72" and len(tree["children"]) == 10
    assert sum(len(k["children"]) for k in tree["children"]) == 59
    top = get(api, national, "/api/v1/regions/tree?depth=0")
    assert [n["code"] for n in top] == ["64", "65"]


def test_stats(api: TestClient, samarinda: Account) -> None:
    stats = get(api, samarinda, "/api/v1/regions/stats")
    assert [s["regions"] for s in stats] == [0, 1, 10, 59]
    assert stats[1]["with_geometry"] == 1


OUTSIDE = [
    "/api/v1/regions/64.71",
    "/api/v1/regions/64",
    "/api/v1/regions/65",
    "/api/v1/regions/64.71/children",
    "/api/v1/regions?parent=64.71",
    "/api/v1/regions/64.71/tree",
    "/api/v1/regions/64/tree",
    "/api/v1/regions/stats?code=64.71",
]


def test_outside_the_area_is_not_found_exactly_like_nothing(api: TestClient, samarinda: Account) -> None:
    for url in OUTSIDE:
        outside = error(api, samarinda, url, 404)
        # The same request for a code that exists nowhere.
        code = next(c for c in ("64.71", "65", "64") if c in url)
        missing = error(api, samarinda, url.replace(code, "64.72.99" if code == "64.71" else "66", 1), 404)
        assert outside["code"] == missing["code"] == "region.not_found", url
        assert set(outside) == set(missing), url
        assert outside["message"].replace(code, "X") == missing["message"].replace(
            "64.72.99" if code == "64.71" else "66", "X"
        ), url


def collect_codes(value: Any, into: set[str]) -> None:
    """Every region code in an answer, leaving out breadcrumbs (ancestors are shown by design)."""
    if isinstance(value, dict):
        if isinstance(value.get("code"), str):
            into.add(value["code"])
        for key, item in value.items():
            if key != "path":
                collect_codes(item, into)
    elif isinstance(value, list):
        for item in value:
            collect_codes(item, into)


def test_a_samarinda_user_sees_nothing_of_balikpapan_anywhere(api: TestClient, samarinda: Account) -> None:
    urls = [
        "/api/v1/regions",
        "/api/v1/regions?parent=64&limit=1000",
        "/api/v1/regions/64.72",
        "/api/v1/regions/64.72/children?limit=1000",
        "/api/v1/regions/64.72/tree?depth=3",
        "/api/v1/regions/tree?depth=3",
        "/api/v1/regions/search?q=balikpapan&limit=1000",
        "/api/v1/regions/search?q=64.71&limit=1000",
        "/api/v1/regions/search?q=kota&limit=1000",
        "/api/v1/regions/search?q=sungai&limit=1000",
    ]
    seen: set[str] = set()
    for url in urls:
        collect_codes(get(api, samarinda, url), seen)
    assert len(seen) > 50  # the test looked at real answers
    assert all(code == "64.72" or code.startswith("64.72.") for code in seen), sorted(seen)


BAD_REQUESTS = [
    ("/api/v1/regions/6472", "region.invalid_code"),
    ("/api/v1/regions/64.72.1", "region.invalid_code"),
    ("/api/v1/regions?parent=6472", "region.invalid_code"),
    ("/api/v1/regions/6472/children", "region.invalid_code"),
    ("/api/v1/regions/stats?code=64-72", "region.invalid_code"),
    ("/api/v1/regions/search?q=", "request.invalid"),
    ("/api/v1/regions/search?q=%20%20", "region.bad_query"),
    ("/api/v1/regions/search?q=kutai&level=5", "request.invalid"),
    ("/api/v1/regions/64/tree?depth=9", "request.invalid"),
    ("/api/v1/regions?limit=0", "page.bad_limit"),
    ("/api/v1/regions?offset=-1", "page.bad_offset"),
]


def test_bad_requests_are_422_with_a_stable_code(api: TestClient, national: Account) -> None:
    for url, code in BAD_REQUESTS:
        body = error(api, national, url, 422)
        assert body["code"] == code, url
        assert body["message"] and body["pesan"], url


def test_bps_codes_are_explained(api: TestClient, national: Account) -> None:
    body = error(api, national, "/api/v1/regions/6472", 422)
    assert "BPS" in body["message"]


ODD_URLS = [
    "/api/v1/regions/64..72",
    "/api/v1/regions/%00",
    "/api/v1/regions/search?q=%25%5F%27%22%3B",
    "/api/v1/regions/search?q=" + "x" * 500,
    "/api/v1/regions/search?q=kutai&limit=abc",
    "/api/v1/regions/64.72?geometry=maybe",
    "/api/v1/regions/64.72.01.1001.1",
]


def test_odd_input_never_causes_a_server_error(api: TestClient, national: Account) -> None:
    for url in ODD_URLS:
        response = api.get(url, headers=national.headers)
        assert response.status_code in (200, 404, 422), (url, response.text)


def test_login_is_required(api: TestClient) -> None:
    response = api.get("/api/v1/regions")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.required"


def test_openapi_documents_the_region_models(api: TestClient) -> None:
    document = api.get("/api/v1/openapi.json").json()
    assert {"/api/v1/regions", "/api/v1/regions/{code}", "/api/v1/regions/search"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    assert {"RegionOut", "RegionDetailOut", "RegionPage", "SearchPage", "TreeNodeOut"} <= set(schemas)
    detail = document["paths"]["/api/v1/regions/{code}"]["get"]
    assert {"200", "404", "422"} <= set(detail["responses"])

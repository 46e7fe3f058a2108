"""The map (/peta and /api/v1/map/*): counts per level, scope, partners, polygons vs centroids, the page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from conftest import PASSWORD, Account, make_account
from tigapilar.alerts.findings import Finding
from tigapilar.alerts.raising import raise_alerts
from tigapilar.alerts.setup import load_setup
from tigapilar.core.settings import Settings
from tigapilar.risk.profile import load_profile
from tigapilar.risk.service import recompute
from tigapilar.storage.db import Database
from tigapilar.storage.models import Region
from tigapilar.tps.registry import add_tps_rows
from tigapilar.web.deps import SESSION_COOKIE

API = "/api/v1/map"
PROFILE = "tps-rawan-2024"
RAWA_MAKMUR, HANDIL_BAKTI, KELEDANG, MANGGAR = (
    "64.72.01.1001",
    "64.72.01.1002",
    "64.72.02.1001",
    "64.71.01.1001",
)
PALARAN_POLYGON = {
    "type": "Polygon",
    "coordinates": [[[117.1, -0.6], [117.2, -0.6], [117.2, -0.5], [117.1, -0.5], [117.1, -0.6]]],
}


@dataclass
class MapWorld:
    national: Account
    analyst: Account  # Kota Samarinda
    partner: Account  # Kota Samarinda, blurred
    pillar: Account  # Rawa Makmur only
    alerts: dict[str, int]  # desa -> alert id


def _report(web: TestClient, account: Account, desa: str, n: int, **fields: Any) -> None:
    body = {
        "client_id": f"peta-{desa}-{n}",
        "desa_code": desa,
        "category": "politik_uang",
        "severity": 2,
        "description": f"Pembagian amplop di {desa} ({n})",
        "occurred_at": "2024-11-20T10:00:00+08:00",
        **fields,
    }
    response = web.post("/api/v1/reports", json=body, headers=account.headers)
    assert response.status_code == 201, response.text


@pytest.fixture
def world(web: TestClient, regions: Database, settings: Settings, national_admin: Account) -> MapWorld:
    with regions.session() as session:
        # Palaran has an imported boundary; Samarinda Seberang a generated (demo) centroid; the rest
        # surveyed centroids.
        for code, lat, lng in [
            ("64.71", -1.2, 116.9),
            ("64.72", -0.5, 117.15),
            ("64.71.01", -1.2, 117.0),
            ("64.72.01", -0.55, 117.15),
            ("64.72.02", -0.52, 117.12),
            (RAWA_MAKMUR, -0.56, 117.16),
            (HANDIL_BAKTI, -0.57, 117.17),
            (KELEDANG, -0.51, 117.11),
            (MANGGAR, -1.21, 117.01),
        ]:
            session.execute(
                update(Region).where(Region.code == code).values(lat=lat, lng=lng, centroid_source="import")
            )
        session.execute(
            update(Region).where(Region.code == "64.72.01").values(geometry=json.dumps(PALARAN_POLYGON))
        )
        session.execute(update(Region).where(Region.code == "64.72.02").values(centroid_source="demo"))
        add_tps_rows(
            session,
            [
                {
                    "election": "pilkada-2024",
                    "desa_code": RAWA_MAKMUR,
                    "number": 1,
                    "lat": -0.561,
                    "lng": 117.161,
                },
                {"election": "pilkada-2024", "desa_code": RAWA_MAKMUR, "number": 2},
                {"election": "pilkada-2024", "desa_code": MANGGAR, "number": 1},
            ],
        )
        analyst = make_account(session, "analis.samarinda", "analyst", areas=["64.72"])
        partner = make_account(session, "kpu.samarinda", "partner", areas=["64.72"])
        pillar = make_account(session, "bhabin.rawamakmur", "field_officer", areas=[RAWA_MAKMUR])
    _report(
        web, national_admin, RAWA_MAKMUR, 1, severity=4, category="bentrok_pendukung", lat=-0.56, lng=117.16
    )
    _report(web, national_admin, RAWA_MAKMUR, 2, lat=-0.562, lng=117.162)
    _report(web, national_admin, HANDIL_BAKTI, 1)
    _report(web, national_admin, KELEDANG, 1, occurred_at="2024-11-25T10:00:00+08:00")
    _report(web, national_admin, MANGGAR, 1)
    now = datetime(2024, 11, 20, 4, 30, tzinfo=UTC)
    alerts = {}
    with regions.session() as session:
        for desa in (RAWA_MAKMUR, MANGGAR):
            finding = Finding("rule", "kritis", 4, (desa,), now, now, f"Uji {desa}", f"Test {desa}")
            (raised,) = raise_alerts(session, [finding], now, load_setup(settings))
            alerts[desa] = raised.alert_id
        recompute(session, load_profile(PROFILE), now)
    return MapWorld(national_admin, analyst, partner, pillar, alerts)


def _get(web: TestClient, account: Account, url: str, status: int = 200) -> Any:
    response = web.get(url, headers=account.headers)
    assert response.status_code == status, response.text
    return response.json()


def _props(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["properties"]["code"]: f for f in body["features"]}


def _counts(body: dict[str, Any], key: str) -> dict[str, int]:
    return {code: f["properties"][key] for code, f in _props(body).items()}


def test_region_counts_at_every_level(web: TestClient, world: MapWorld) -> None:
    kabkota = _get(web, world.national, f"{API}/regions?level=kabkota&profile={PROFILE}")
    assert kabkota["type"] == "FeatureCollection" and kabkota["bands"][0]["code"] == "aman"
    assert _counts(kabkota, "reports") == {"64.71": 1, "64.72": 4}
    assert _counts(kabkota, "alerts") == {"64.71": 1, "64.72": 1}
    kecamatan = _get(web, world.national, f"{API}/regions?level=kecamatan&parent=64.72")
    assert _counts(kecamatan, "reports") == {"64.72.01": 3, "64.72.02": 1}
    desa = _get(web, world.national, f"{API}/regions?level=desa&parent=64.72.01")
    assert _counts(desa, "reports") == {RAWA_MAKMUR: 2, HANDIL_BAKTI: 1}
    assert _counts(desa, "alerts") == {RAWA_MAKMUR: 1, HANDIL_BAKTI: 0}
    scored = _props(desa)[RAWA_MAKMUR]["properties"]
    assert scored["score"] is not None and scored["category"] and scored["name"] == "Rawa Makmur"
    assert _props(desa)[HANDIL_BAKTI]["properties"]["score"] is None  # no TPS: not scored


def test_filters_narrow_the_counts(web: TestClient, world: MapWorld) -> None:
    url = f"{API}/regions?level=desa&parent=64.72.01"
    assert _counts(_get(web, world.national, url + "&min_severity=4"), "reports")[RAWA_MAKMUR] == 1
    assert _counts(_get(web, world.national, url + "&category=bentrok_pendukung"), "reports") == {
        RAWA_MAKMUR: 1,
        HANDIL_BAKTI: 0,
    }
    assert _counts(_get(web, world.national, url + "&status=terverifikasi"), "reports")[RAWA_MAKMUR] == 0
    # Local (WITA) days: 2024-11-25 holds only Sungai Keledang's report.
    days = f"{API}/regions?level=kecamatan&parent=64.72&date_from=2024-11-25&date_to=2024-11-25"
    assert _counts(_get(web, world.national, days), "reports") == {"64.72.01": 0, "64.72.02": 1}
    bad = _get(web, world.national, f"{url}&date_from=2024-11-26&date_to=2024-11-25", 422)
    assert bad["error"]["code"] == "map.bad_dates"
    assert _get(web, world.national, f"{url}&status=hilang", 422)["error"]["code"] == "report.bad_status"
    assert _get(web, world.national, f"{API}/regions?level=tps", 422)["error"]["code"] == "map.bad_level"
    assert _get(web, world.national, f"{API}/regions?level=kabkota&parent=64.72", 422)["error"]["code"] == (
        "map.bad_parent"
    )


def test_scope_keeps_other_regions_out(web: TestClient, world: MapWorld) -> None:
    kabkota = _get(web, world.analyst, f"{API}/regions?level=kabkota")
    assert set(_props(kabkota)) == {"64.72"} and _counts(kabkota, "alerts") == {"64.72": 1}
    desa = _get(web, world.analyst, f"{API}/regions?level=desa")
    assert set(_props(desa)) == {RAWA_MAKMUR, HANDIL_BAKTI, KELEDANG}
    outside = web.get(f"{API}/regions?level=kecamatan&parent=64.71", headers=world.analyst.headers)
    unknown = web.get(f"{API}/regions?level=kecamatan&parent=64.79", headers=world.analyst.headers)
    assert outside.status_code == unknown.status_code == 404 and outside.json() == unknown.json()
    assert "64.71" not in web.get(f"{API}/reports?level=kecamatan", headers=world.analyst.headers).text
    # The pillar of one desa: its kecamatan is a way there (navigation), showing only that desa.
    assert set(_props(_get(web, world.pillar, f"{API}/regions?level=desa&parent=64.72.01"))) == {RAWA_MAKMUR}
    assert _get(web, world.pillar, f"{API}/regions?level=kabkota")["features"] == []
    assert _get(web, world.pillar, f"{API}/tps?desa={HANDIL_BAKTI}", 404)["error"]["code"] == (
        "map.region_not_found"
    )
    alerts = _get(web, world.analyst, f"{API}/alerts")["features"]
    assert [a["properties"]["id"] for a in alerts] == [world.alerts[RAWA_MAKMUR]]
    assert alerts[0]["properties"]["link"] == f"/peringatan/{world.alerts[RAWA_MAKMUR]}"
    assert alerts[0]["geometry"] == {"type": "Point", "coordinates": [117.16, -0.56]}
    assert len(_get(web, world.national, f"{API}/alerts")["features"]) == 2


def test_partners_get_no_desa_or_tps(web: TestClient, world: MapWorld) -> None:
    for url in (
        f"{API}/regions?level=desa&parent=64.72.01",
        f"{API}/reports?level=desa",
        f"{API}/reports?desa={RAWA_MAKMUR}",
        f"{API}/tps?desa={RAWA_MAKMUR}",
        f"{API}/alerts?area={RAWA_MAKMUR}",
    ):
        assert _get(web, world.partner, url, 422)["error"]["code"] == "map.level_too_fine", url
    kecamatan = _get(web, world.partner, f"{API}/regions?level=kecamatan&parent=64.72")
    assert _counts(kecamatan, "reports") == {"64.72.01": 3, "64.72.02": 1}
    (alert,) = _get(web, world.partner, f"{API}/alerts")["features"]
    assert alert["properties"]["area_code"] == "64.72.01"  # blurred to the kecamatan
    assert RAWA_MAKMUR not in json.dumps(alert)


def test_polygons_and_centroid_points(web: TestClient, world: MapWorld) -> None:
    features = _props(_get(web, world.analyst, f"{API}/regions?level=kecamatan&parent=64.72"))
    assert features["64.72.01"]["geometry"] == PALARAN_POLYGON
    assert features["64.72.01"]["properties"]["demo_position"] is False
    assert features["64.72.02"]["geometry"] == {"type": "Point", "coordinates": [117.12, -0.52]}
    assert features["64.72.02"]["properties"]["demo_position"] is True
    desa = _props(_get(web, world.analyst, f"{API}/regions?level=desa&parent=64.72.01"))
    assert desa[RAWA_MAKMUR]["geometry"]["type"] == "Point"
    assert desa[RAWA_MAKMUR]["properties"]["demo_position"] is False


def test_reports_are_aggregated_and_points_only_for_one_desa(web: TestClient, world: MapWorld) -> None:
    body = _get(web, world.analyst, f"{API}/reports?level=kecamatan")
    assert body["total"] == 4 and body["points"] is None
    assert {r["code"]: r["count"] for r in body["regions"]} == {"64.72.01": 3, "64.72.02": 1}
    one = _get(web, world.analyst, f"{API}/reports?desa={RAWA_MAKMUR}")
    assert one["total"] == 2 and [r["code"] for r in one["regions"]] == [RAWA_MAKMUR]
    assert sorted((p["lat"], p["lng"]) for p in one["points"]) == [(-0.562, 117.162), (-0.56, 117.16)]
    assert _get(web, world.analyst, f"{API}/reports?desa={MANGGAR}", 404)["error"]["code"] == (
        "map.region_not_found"
    )


def test_tps_of_a_desa_with_scores(web: TestClient, world: MapWorld) -> None:
    body = _get(web, world.analyst, f"{API}/tps?desa={RAWA_MAKMUR}&profile={PROFILE}")
    names = [f["properties"]["name"] for f in body["features"]]
    assert names == ["TPS 001 Rawa Makmur", "TPS 002 Rawa Makmur"]
    assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [117.161, -0.561]}
    assert body["features"][1]["geometry"] is None  # no surveyed position
    assert all(f["properties"]["score"] is not None for f in body["features"])


def _page(web: TestClient, account: Account, url: str) -> Any:
    return web.get(url, headers={"Cookie": f"{SESSION_COOKIE}={account.token}"}, follow_redirects=False)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_page_uses_only_local_assets(web: TestClient, world: MapWorld, language: str) -> None:
    page = _page(web, world.analyst, f"/peta?lang={language}")
    assert page.status_code == 200, page.text
    html = page.text
    assert ("Peta kerawanan" if language == "id" else "Vulnerability map") in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html), "an asset from outside"
    assert "tile" not in html.lower().replace("tiles", "")
    assets = re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html)
    assert "/static/leaflet/leaflet.js" in assets and "/static/map.js" in assets
    for asset in assets:
        assert web.get(asset).status_code == 200, asset
    assert "script-src 'self'" in page.headers["content-security-policy"]
    config = json.loads(re.search(r'id="peta-config">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    # A caller of one kab/kota opens on its kecamatan, not on a single shape.
    assert (config["level"], config["parent"], config["api"]) == ("kecamatan", "64.72", "/api/v1/map")
    assert "Palaran" in html and "Balikpapan" not in html  # the list under the map
    assert 'href="/peta?level=desa&amp;parent=64.72.01' in html  # drill down without script


def test_the_page_drills_down_and_refuses_like_the_api(web: TestClient, world: MapWorld) -> None:
    desa = _page(web, world.analyst, "/peta?level=desa&parent=64.72.01")
    assert desa.status_code == 200 and "Rawa Makmur" in desa.text and "Palaran" in desa.text  # crumb
    tps = _page(web, world.analyst, f"/peta?level=tps&parent={RAWA_MAKMUR}")
    assert tps.status_code == 200 and "TPS 001 Rawa Makmur" in tps.text
    assert _page(web, world.analyst, "/peta?level=kecamatan&parent=64.71").status_code == 404
    assert _page(web, world.partner, "/peta?level=desa&parent=64.72.01").status_code == 422
    pillar = _page(web, world.pillar, "/peta")
    assert pillar.status_code == 200 and "Rawa Makmur" in pillar.text and "Handil Bakti" not in pillar.text
    assert _page(web, world.analyst, "/beranda").text.count('href="/peta"') == 1  # in the header nav
    assert web.get("/peta", follow_redirects=False).headers["location"] == "/masuk"


def test_login_lands_on_the_map(web: TestClient, world: MapWorld) -> None:
    response = web.post(
        "/masuk", data={"username": "analis.samarinda", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/peta"

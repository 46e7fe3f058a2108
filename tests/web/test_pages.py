"""The login and home pages: Indonesian by default, English on request, nothing from the internet."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from conftest import PASSWORD, make_account
from support.clock import Clock
from tigapilar.storage.db import Database
from tigapilar.web.deps import SESSION_COOKIE
from tigapilar.web.i18n import LANGUAGE_COOKIE

SAME_ORIGIN = {"Origin": "http://testserver"}
# src/href/action/url() pointing outside the site.
EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I
)


def _rina(db: Database) -> None:
    with db.session() as session:
        make_account(session, "rina", "analyst", areas=["64.71", "64.72.01"])


def _login(web: TestClient, password: str = PASSWORD, **headers: str) -> httpx.Response:
    response: httpx.Response = web.post(
        "/masuk",
        data={"username": "rina", "password": password},
        headers={**SAME_ORIGIN, **headers},
        follow_redirects=False,
    )
    return response


def test_root_redirects_to_login_when_logged_out(web: TestClient) -> None:
    response = web.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/masuk"
    assert web.get("/beranda", follow_redirects=False).headers["location"] == "/masuk"


def test_login_page_is_indonesian_by_default(web: TestClient) -> None:
    response = web.get("/masuk")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="id">' in html
    assert "Nama pengguna" in html and "Kata sandi" in html and ">Masuk</button>" in html
    assert 'name="viewport"' in html
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_login_page_in_english_is_remembered(web: TestClient) -> None:
    response = web.get("/masuk?lang=en")
    assert '<html lang="en">' in response.text and "Username" in response.text and "Log in" in response.text
    assert response.cookies.get(LANGUAGE_COOKIE) == "en"
    assert '<html lang="en">' in web.get("/masuk").text  # from the cookie now
    assert '<html lang="id">' in web.get("/masuk?lang=id").text


def test_login_then_home_shows_name_role_and_areas(web: TestClient, regions: Database, clock: Clock) -> None:
    _rina(regions)
    response = _login(web)
    assert response.status_code == 303 and response.headers["location"] == "/peta"  # the map first
    assert SESSION_COOKIE in response.cookies
    home = web.get("/beranda")
    assert home.status_code == 200
    html = home.text
    assert "Rina" in html and "Analis" in html
    assert "64.71" in html and "Kota Balikpapan" in html and "64.72.01" in html and "Palaran" in html
    assert 'href="/api/v1/docs"' in html and 'action="/keluar"' in html
    # The clock says 27 Nov 2024 00:00 UTC: 08.00 WITA; the session ends 12 hours later.
    assert "27 Nov 2024, 08.00 WITA" in html and "27 Nov 2024, 20.00 WITA" in html
    assert web.get("/", follow_redirects=False).headers["location"] == "/beranda"
    assert web.get("/masuk", follow_redirects=False).headers["location"] == "/beranda"


def test_home_in_english_uses_english_labels(web: TestClient, regions: Database, clock: Clock) -> None:
    _rina(regions)
    _login(web)
    html = web.get("/beranda?lang=en").text
    assert "Analyst" in html and "Area of duty" in html and "27 Nov 2024, 08:00 WITA" in html


def test_national_user_sees_national_scope(web: TestClient, regions: Database, clock: Clock) -> None:
    with regions.session() as session:
        make_account(session, "rina", "commander", national=True)
    _login(web)
    html = web.get("/beranda").text
    assert "Nasional (seluruh wilayah)" in html and "Pimpinan" in html


def test_wrong_password_shows_an_indonesian_error(web: TestClient, regions: Database) -> None:
    _rina(regions)
    response = _login(web, password="salah-salah-123")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.text
    assert 'value="rina"' in response.text
    assert SESSION_COOKIE not in response.cookies


def test_login_page_rate_limit(web: TestClient, regions: Database, clock: Clock) -> None:
    _rina(regions)
    for _ in range(5):
        assert _login(web, password="salah-salah-123").status_code == 401
    limited = _login(web)
    assert limited.status_code == 429 and "Coba lagi dalam 5 menit" in limited.text
    clock.advance(minutes=5)
    assert _login(web).status_code == 303


def test_empty_form_and_foreign_origin(web: TestClient, regions: Database) -> None:
    _rina(regions)
    empty = web.post("/masuk", data={"username": "", "password": ""}, headers=SAME_ORIGIN)
    assert empty.status_code == 422 and "Isi nama pengguna dan kata sandi." in empty.text
    forged = _login(web, Origin="https://evil.example")
    assert forged.status_code == 403 and SESSION_COOKIE not in forged.cookies


def test_logout_needs_same_origin_and_ends_the_session(
    web: TestClient, regions: Database, clock: Clock
) -> None:
    _rina(regions)
    _login(web)
    forged = web.post("/keluar", headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert forged.headers["location"] == "/beranda"
    assert web.get("/beranda").status_code == 200
    token = web.cookies[SESSION_COOKIE]
    out = web.post("/keluar", headers=SAME_ORIGIN, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/masuk"
    web.cookies.set(SESSION_COOKIE, token)  # even a kept copy of the cookie no longer works
    assert web.get("/beranda", follow_redirects=False).headers["location"] == "/masuk"


def test_expired_session_goes_back_to_login(web: TestClient, regions: Database, clock: Clock) -> None:
    _rina(regions)
    _login(web)
    clock.advance(hours=12)
    assert web.get("/beranda", follow_redirects=False).headers["location"] == "/masuk"


def test_no_page_loads_anything_from_the_internet(web: TestClient, regions: Database, clock: Clock) -> None:
    _rina(regions)
    pages = [web.get("/masuk").text, web.get("/masuk?lang=en").text]
    _login(web)
    pages += [web.get("/beranda").text, web.get("/beranda?lang=en").text]
    css = web.get("/static/tigapilar.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for text in [*pages, css.text]:
        assert not EXTERNAL.search(text), EXTERNAL.search(text)
        assert "http://" not in text and "https://" not in text

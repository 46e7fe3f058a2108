"""/api/v1/auth: login, cookie session, logout, who am I, API tokens, CSRF and rate limiting."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from conftest import PASSWORD, Account, make_account
from support.clock import Clock
from tigapilar.storage.db import Database
from tigapilar.web.deps import SESSION_COOKIE

SAME_ORIGIN = {"Origin": "http://testserver"}


def _analyst(db: Database) -> Account:
    with db.session() as session:
        return make_account(session, "rina", "analyst", areas=["64.71"])


def login(web: TestClient, username: str = "rina", password: str = PASSWORD) -> dict[str, object]:
    response = web.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_login_answers_a_token_and_sets_a_safe_cookie(
    web: TestClient, regions: Database, clock: Clock
) -> None:
    _analyst(regions)
    response = web.post("/api/v1/auth/login", json={"username": "RINA", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("tp_")
    assert body["expires_at"].startswith("2024-11-27T12:00:00")  # clock + session_hours (12)
    assert body["user"]["username"] == "rina" and body["user"]["role_label"] == "Analis"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={body['token']}")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_wrong_password_is_refused_in_both_languages(web: TestClient, regions: Database) -> None:
    _analyst(regions)
    response = web.post("/api/v1/auth/login", json={"username": "rina", "password": "salah-salah-123"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "auth.invalid_credentials"
    assert error["message"] == "Wrong username or password."
    assert error["pesan"] == "Nama pengguna atau kata sandi salah."
    assert SESSION_COOKIE not in response.cookies


def test_rate_limit_triggers_and_expires(web: TestClient, regions: Database, clock: Clock) -> None:
    _analyst(regions)
    for _ in range(5):  # settings.login_max_failures
        wrong = web.post("/api/v1/auth/login", json={"username": "rina", "password": "salah-salah-123"})
        assert wrong.status_code == 401
    limited = web.post("/api/v1/auth/login", json={"username": "rina", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "auth.rate_limited"
    assert limited.headers["Retry-After"] == "300"
    clock.advance(seconds=299)
    assert web.post("/api/v1/auth/login", json={"username": "rina", "password": PASSWORD}).status_code == 429
    clock.advance(seconds=1)
    assert web.post("/api/v1/auth/login", json={"username": "rina", "password": PASSWORD}).status_code == 200


def test_cookie_session_me_and_logout(web: TestClient, regions: Database, clock: Clock) -> None:
    _analyst(regions)
    token = login(web)["token"]
    me = web.get("/api/v1/auth/me")  # the cookie set by login
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "rina" and body["role"] == "analyst" and body["scope"] == ["64.71"]
    assert body["areas"] == [{"code": "64.71", "name": "Kota Balikpapan"}]
    assert body["permissions"] == ["respond_alerts", "submit_reports", "verify_reports", "view_personal_data"]
    assert body["national"] is False

    out = web.post("/api/v1/auth/logout", headers=SAME_ORIGIN)
    assert out.status_code == 204
    web.cookies.clear()
    assert web.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_expired_session_is_refused(web: TestClient, regions: Database, clock: Clock) -> None:
    _analyst(regions)
    login(web)
    clock.advance(hours=11, minutes=59)
    assert web.get("/api/v1/auth/me").status_code == 200
    clock.advance(minutes=1)
    response = web.get("/api/v1/auth/me")
    assert response.status_code == 401 and response.json()["error"]["code"] == "auth.required"


def test_cookie_posts_need_a_same_origin(web: TestClient, regions: Database, clock: Clock) -> None:
    _analyst(regions)
    login(web)
    for headers in (
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/x"},
        {},
        {"Origin": "null"},
    ):
        refused = web.post("/api/v1/auth/tokens", json={"name": "x"}, headers=headers)
        assert refused.status_code == 403, headers
        assert refused.json()["error"]["code"] == "auth.csrf"
    assert web.post("/api/v1/auth/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert web.get("/api/v1/auth/me").status_code == 200  # the forged logout did nothing
    same = web.post(
        "/api/v1/auth/tokens", json={"name": "x"}, headers={"Referer": "http://testserver/beranda"}
    )
    assert same.status_code == 201


def test_bearer_requests_need_no_origin(web: TestClient, regions: Database, clock: Clock) -> None:
    account = _analyst(regions)
    response = web.post(
        "/api/v1/auth/tokens",
        json={"name": "skrip"},
        headers={**account.headers, "Origin": "https://elsewhere.example"},
    )
    assert response.status_code == 201


def test_login_from_another_site_is_refused(web: TestClient, regions: Database) -> None:
    _analyst(regions)
    response = web.post(
        "/api/v1/auth/login",
        json={"username": "rina", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_api_tokens_create_list_revoke(web: TestClient, regions: Database, clock: Clock) -> None:
    account = _analyst(regions)
    made = web.post("/api/v1/auth/tokens", json={"name": "laporan", "days": 30}, headers=account.headers)
    assert made.status_code == 201
    body = made.json()
    assert body["token"].startswith("tp_") and body["expires_at"].startswith("2024-12-27")
    new_headers = {"Authorization": f"Bearer {body['token']}"}
    assert web.get("/api/v1/auth/me", headers=new_headers).json()["username"] == "rina"

    listed = web.get("/api/v1/auth/tokens", headers=account.headers).json()
    assert {t["name"] for t in listed} == {"test", "laporan"}
    assert all("token" not in t for t in listed)

    assert web.delete(f"/api/v1/auth/tokens/{body['id']}", headers=account.headers).status_code == 204
    assert web.get("/api/v1/auth/me", headers=new_headers).status_code == 401
    again = web.delete(f"/api/v1/auth/tokens/{body['id']}", headers=account.headers)
    assert again.status_code == 404 and again.json()["error"]["code"] == "token.not_found"


def test_cannot_revoke_another_users_token(web: TestClient, regions: Database) -> None:
    account = _analyst(regions)
    with regions.session() as session:
        other = make_account(session, "tono", "analyst", areas=["64.72"])
    mine = web.get("/api/v1/auth/tokens", headers=other.headers).json()[0]["id"]
    assert web.delete(f"/api/v1/auth/tokens/{mine}", headers=account.headers).status_code == 404


def test_bad_token_requests_are_422_not_500(web: TestClient, regions: Database) -> None:
    account = _analyst(regions)
    for body in ({"name": ""}, {"name": "x", "days": 0}, {"nama": "x"}):
        response = web.post("/api/v1/auth/tokens", json=body, headers=account.headers)
        assert response.status_code == 422, body
    assert web.post("/api/v1/auth/login", content=b"not json").status_code == 422


def test_secure_cookie_when_configured(settings: Any, regions: Database) -> None:
    from dataclasses import replace

    from tigapilar.web.app import create_app

    _analyst(regions)
    app = create_app(replace(settings, secure_cookies=True), regions)
    with TestClient(app, base_url="https://testserver") as secure:
        response = secure.post("/api/v1/auth/login", json={"username": "rina", "password": PASSWORD})
    assert response.status_code == 200
    assert "Secure" in response.headers["set-cookie"]

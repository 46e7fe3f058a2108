"""/api/v1/users: admin only, scoped to the admin's areas, clear error codes, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Account, make_account
from tigapilar.storage.db import Database

GOOD = "sungai-mahakam-77"


def _new_user(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": "dewi",
        "full_name": "Dewi Lestari",
        "password": GOOD,
        "role": "analyst",
        "areas": ["64.72.01"],
    }
    body.update(overrides)
    return body


@pytest.fixture
def samarinda_admin(regions: Database) -> Account:
    with regions.session() as session:
        return make_account(session, "admin.smd", "admin", areas=["64.72"])


@pytest.fixture
def people(regions: Database) -> dict[str, Account]:
    with regions.session() as session:
        return {
            "bpn": make_account(session, "analis.bpn", "analyst", areas=["64.71"]),
            "smd": make_account(session, "analis.smd", "analyst", areas=["64.72.01.1001"]),
            "pusat": make_account(session, "pimpinan", "commander", national=True),
        }


def test_admin_creates_and_reads_a_user_in_scope(web: TestClient, samarinda_admin: Account) -> None:
    created = web.post("/api/v1/users", json=_new_user(), headers=samarinda_admin.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["username"] == "dewi" and body["role_label"] == "Analis" and body["active"] is True
    assert body["areas"] == [{"code": "64.72.01", "name": "Palaran"}]
    fetched = web.get(f"/api/v1/users/{body['id']}", headers=samarinda_admin.headers)
    assert fetched.status_code == 200 and fetched.json() == body
    # The new user can log in with the password the admin chose.
    login = web.post("/api/v1/auth/login", json={"username": "dewi", "password": GOOD})
    assert login.status_code == 200


def test_list_is_scoped(
    web: TestClient, samarinda_admin: Account, national_admin: Account, people: dict[str, Account]
) -> None:
    mine = web.get("/api/v1/users", headers=samarinda_admin.headers).json()
    assert [u["username"] for u in mine["items"]] == ["admin.smd", "analis.smd"]
    assert mine["total"] == 2
    everyone = web.get("/api/v1/users", params={"limit": 2}, headers=national_admin.headers).json()
    assert everyone["total"] == 5 and len(everyone["items"]) == 2
    analysts = web.get(
        "/api/v1/users", params={"role": "analyst", "area": "64.71"}, headers=national_admin.headers
    )
    assert [u["username"] for u in analysts.json()["items"]] == ["analis.bpn"]


def test_admin_of_6472_cannot_see_or_create_users_for_6471(
    web: TestClient, samarinda_admin: Account, people: dict[str, Account]
) -> None:
    hidden = web.get(f"/api/v1/users/{people['bpn'].user_id}", headers=samarinda_admin.headers)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "user.not_found"
    national = web.get(f"/api/v1/users/{people['pusat'].user_id}", headers=samarinda_admin.headers)
    assert national.status_code == 404
    patch = web.patch(
        f"/api/v1/users/{people['bpn'].user_id}", json={"active": False}, headers=samarinda_admin.headers
    )
    assert patch.status_code == 404
    pw = web.post(
        f"/api/v1/users/{people['bpn'].user_id}/password",
        json={"password": GOOD},
        headers=samarinda_admin.headers,
    )
    assert pw.status_code == 404

    outside = web.post("/api/v1/users", json=_new_user(areas=["64.71"]), headers=samarinda_admin.headers)
    assert outside.status_code == 403
    error = outside.json()["error"]
    assert error["code"] == "auth.forbidden" and "64.71" in error["message"] and error["pesan"]
    wider = web.post("/api/v1/users", json=_new_user(areas=["64"]), headers=samarinda_admin.headers)
    assert wider.status_code == 403
    national_user = web.post(
        "/api/v1/users", json=_new_user(areas=[], national=True), headers=samarinda_admin.headers
    )
    assert national_user.status_code == 403
    widen = web.patch(
        f"/api/v1/users/{people['smd'].user_id}", json={"areas": ["64.71"]}, headers=samarinda_admin.headers
    )
    assert widen.status_code == 403


@pytest.mark.parametrize("role", ["partner", "analyst", "commander", "field_officer"])
def test_non_admins_cannot_manage_users(web: TestClient, regions: Database, role: str) -> None:
    with regions.session() as session:
        caller = make_account(session, f"orang.{role}", role, national=True)
    for response in (
        web.get("/api/v1/users", headers=caller.headers),
        web.post("/api/v1/users", json=_new_user(), headers=caller.headers),
        web.get(f"/api/v1/users/{caller.user_id}", headers=caller.headers),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "auth.forbidden"


def test_anonymous_is_401(web: TestClient) -> None:
    response = web.get("/api/v1/users")
    assert response.status_code == 401 and response.json()["error"]["code"] == "auth.required"


def test_validation_errors(web: TestClient, samarinda_admin: Account) -> None:
    headers = samarinda_admin.headers
    weak = web.post("/api/v1/users", json=_new_user(password="pendek"), headers=headers)
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "user.weak_password"
    bad = web.post(
        "/api/v1/users", json=_new_user(username="a b", role="raja", areas=["6472"]), headers=headers
    )
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "user.invalid"
    assert {d["field"] for d in error["details"]} == {"username", "role", "areas"}
    unknown = web.post("/api/v1/users", json=_new_user(areas=["64.72.99"]), headers=headers)
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "user.invalid"
    extra = web.post("/api/v1/users", json=_new_user(is_root=True), headers=headers)
    assert extra.status_code == 422 and extra.json()["error"]["code"] == "request.invalid"
    assert web.post("/api/v1/users", json=_new_user(), headers=headers).status_code == 201
    dup = web.post("/api/v1/users", json=_new_user(username="DEWI"), headers=headers)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "user.exists"
    assert web.get("/api/v1/users/abc", headers=headers).status_code == 422
    assert web.get("/api/v1/users/99999", headers=headers).status_code == 404
    assert web.get("/api/v1/users", params={"limit": 0}, headers=headers).status_code == 422


def test_patch_and_password(web: TestClient, samarinda_admin: Account, people: dict[str, Account]) -> None:
    target = people["smd"].user_id
    headers = samarinda_admin.headers
    changed = web.patch(
        f"/api/v1/users/{target}",
        json={"role": "commander", "areas": ["64.72"], "full_name": "Analis Samarinda", "language": "en"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["role"], body["language"], body["full_name"]) == ("commander", "en", "Analis Samarinda")
    assert [a["code"] for a in body["areas"]] == ["64.72"]

    assert (
        web.post(f"/api/v1/users/{target}/password", json={"password": "x"}, headers=headers).status_code
        == 422
    )
    assert (
        web.post(f"/api/v1/users/{target}/password", json={"password": GOOD}, headers=headers).status_code
        == 204
    )
    assert (
        web.post("/api/v1/auth/login", json={"username": "analis.smd", "password": GOOD}).status_code == 200
    )

    disabled = web.patch(f"/api/v1/users/{target}", json={"active": False}, headers=headers)
    assert disabled.json()["active"] is False
    assert web.get("/api/v1/auth/me", headers=people["smd"].headers).status_code == 401


def test_admin_cannot_disable_self(web: TestClient, samarinda_admin: Account) -> None:
    response = web.patch(
        f"/api/v1/users/{samarinda_admin.user_id}", json={"active": False}, headers=samarinda_admin.headers
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "user.self_change"

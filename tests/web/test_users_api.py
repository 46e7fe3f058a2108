"""/api/v1/users: admin only, scoped to the admin's areas, clear error codes, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Account, make_account
from tigapilar.organisation.units import UnitSpec, create_units
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


# --- email address and the unit the account acts for ---------------------------------------------------


@pytest.fixture
def units(regions: Database) -> None:
    with regions.session() as session:
        create_units(
            session,
            [
                UnitSpec("polda-64", "Polda Kalimantan Timur", "polri", "polda", None, ["64"]),
                UnitSpec("polres-64.72", "Polresta Samarinda", "polri", "polres", "polda-64", ["64.72"]),
                UnitSpec(
                    "polsek-64.72.01", "Polsek Palaran", "polri", "polsek", "polres-64.72", ["64.72.01"]
                ),
                UnitSpec("polres-64.71", "Polresta Balikpapan", "polri", "polres", "polda-64", ["64.71"]),
            ],
        )


def test_create_with_email_and_unit(web: TestClient, samarinda_admin: Account, units: None) -> None:
    created = web.post(
        "/api/v1/users",
        json=_new_user(email="  Dewi.Lestari@Polri.GO.id ", unit=" POLSEK-64.72.01"),
        headers=samarinda_admin.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["email"] == "dewi.lestari@polri.go.id"
    assert (body["unit"], body["unit_name"]) == ("polsek-64.72.01", "Polsek Palaran")
    assert web.get(f"/api/v1/users/{body['id']}", headers=samarinda_admin.headers).json() == body
    listed = web.get("/api/v1/users", params={"q": "dewi"}, headers=samarinda_admin.headers).json()
    assert [(u["email"], u["unit"]) for u in listed["items"]] == [
        ("dewi.lestari@polri.go.id", "polsek-64.72.01")
    ]
    # Without them (null or empty alike), an account has no address and no unit.
    for username, extra in (
        ("rina", {}),
        ("tono", {"email": None, "unit": None}),
        ("sari", {"email": "", "unit": ""}),
    ):
        plain = web.post(
            "/api/v1/users", json=_new_user(username=username, **extra), headers=samarinda_admin.headers
        )
        assert plain.status_code == 201, plain.text
        assert (plain.json()["email"], plain.json()["unit"], plain.json()["unit_name"]) == (None, None, None)


def test_patch_sets_keeps_and_clears_email_and_unit(
    web: TestClient, samarinda_admin: Account, people: dict[str, Account], units: None
) -> None:
    url = f"/api/v1/users/{people['smd'].user_id}"
    headers = samarinda_admin.headers
    set_both = web.patch(url, json={"email": "Analis@Example.go.id", "unit": "polres-64.72"}, headers=headers)
    assert set_both.status_code == 200, set_both.text
    assert (set_both.json()["email"], set_both.json()["unit"]) == ("analis@example.go.id", "polres-64.72")
    assert set_both.json()["unit_name"] == "Polresta Samarinda"
    # Absent or null leaves them as they are.
    kept = web.patch(url, json={"full_name": "Analis Palaran", "email": None, "unit": None}, headers=headers)
    assert (kept.json()["email"], kept.json()["unit"]) == ("analis@example.go.id", "polres-64.72")
    moved = web.patch(url, json={"unit": "polsek-64.72.01"}, headers=headers).json()
    assert (moved["email"], moved["unit"]) == ("analis@example.go.id", "polsek-64.72.01")
    # An empty string removes them.
    cleared = web.patch(url, json={"email": "", "unit": ""}, headers=headers)
    assert cleared.status_code == 200
    assert (cleared.json()["email"], cleared.json()["unit"], cleared.json()["unit_name"]) == (
        None,
        None,
        None,
    )
    # An admin may set their own address and unit (that locks nobody out).
    own = web.patch(
        f"/api/v1/users/{samarinda_admin.user_id}",
        json={"email": "admin@smd.go.id", "unit": "polres-64.72"},
        headers=headers,
    )
    assert own.status_code == 200 and own.json()["email"] == "admin@smd.go.id"


@pytest.mark.parametrize(
    "email",
    [
        "dewi",
        "dewi@",
        "@polri.go.id",
        "dewi@polri",
        "dewi lestari@polri.go.id",
        "dewi@@polri.go.id",
        "dewi@polri..go.id",
        ".dewi@polri.go.id",
        "dewi@polri.go.id\nBcc: semua@contoh.id",
        "dewi@-polri.go.id",
        "d" * 65 + "@polri.go.id",
        "dewi@" + "a" * 250 + ".id",
    ],
)
def test_bad_email_is_refused(
    web: TestClient, samarinda_admin: Account, people: dict[str, Account], email: str
) -> None:
    created = web.post("/api/v1/users", json=_new_user(email=email), headers=samarinda_admin.headers)
    assert created.status_code == 422, created.text
    error = created.json()["error"]
    assert error["code"] == "user.bad_email" and error["pesan"].startswith("Alamat email tidak valid")
    assert [d["field"] for d in error["details"]] == ["email"]
    patched = web.patch(
        f"/api/v1/users/{people['smd'].user_id}", json={"email": email}, headers=samarinda_admin.headers
    )
    assert patched.status_code == 422 and patched.json()["error"]["code"] == "user.bad_email"
    assert (
        web.get("/api/v1/users", params={"q": "dewi"}, headers=samarinda_admin.headers).json()["total"] == 0
    )


def test_unit_must_exist_and_be_inside_the_admins_scope(
    web: TestClient,
    samarinda_admin: Account,
    national_admin: Account,
    people: dict[str, Account],
    units: None,
) -> None:
    headers = samarinda_admin.headers
    # Balikpapan's Polres and the province's Polda are outside 64.72: answered like an unknown code,
    # so that the admin learns nothing about units elsewhere.
    answers = {}
    for code in ("polres-64.71", "polda-64", "polres-99.99"):
        created = web.post("/api/v1/users", json=_new_user(unit=code), headers=headers)
        assert created.status_code == 422, created.text
        error = created.json()["error"]
        assert error["code"] == "user.unknown_unit" and code in error["message"] and error["pesan"]
        assert [d["field"] for d in error["details"]] == ["unit"]
        assert "Balikpapan" not in created.text and "Polda" not in created.text
        answers[code] = created.json()["error"]["message"].replace(code, "CODE")
        patched = web.patch(f"/api/v1/users/{people['smd'].user_id}", json={"unit": code}, headers=headers)
        assert patched.status_code == 422 and patched.json()["error"]["code"] == "user.unknown_unit"
    assert len(set(answers.values())) == 1
    assert web.get("/api/v1/users", params={"q": "dewi"}, headers=headers).json()["total"] == 0
    assert web.get(f"/api/v1/users/{people['smd'].user_id}", headers=headers).json()["unit"] is None
    # A national admin sees the Polda and may attach an account to it.
    polda = web.post("/api/v1/users", json=_new_user(unit="polda-64"), headers=national_admin.headers)
    assert polda.status_code == 201 and polda.json()["unit_name"] == "Polda Kalimantan Timur"


def test_a_unit_outside_the_readers_scope_is_not_named(
    web: TestClient,
    samarinda_admin: Account,
    national_admin: Account,
    people: dict[str, Account],
    units: None,
) -> None:
    """An account of Samarinda that acts for the Polda (set by a national admin): Samarinda's admin
    manages the account but may not see the Polda, so the record does not name it."""
    url = f"/api/v1/users/{people['smd'].user_id}"
    national = web.patch(
        url, json={"unit": "polda-64", "email": "analis@smd.go.id"}, headers=national_admin.headers
    )
    assert national.status_code == 200 and national.json()["unit"] == "polda-64"
    for response in (
        web.get(url, headers=samarinda_admin.headers),
        web.get("/api/v1/users", headers=samarinda_admin.headers),
        web.patch(url, json={"full_name": "Analis Smd"}, headers=samarinda_admin.headers),
    ):
        assert response.status_code == 200, response.text
        assert "polda" not in response.text.lower() and "Kalimantan Timur" not in response.text
        assert "analis@smd.go.id" in response.text  # the admin manages the account: they see its address
    # The admin may still detach it (clearing needs no sight of the unit), which the national admin sees.
    assert web.patch(url, json={"unit": ""}, headers=samarinda_admin.headers).status_code == 200
    assert web.get(url, headers=national_admin.headers).json()["unit"] is None


def test_email_is_only_shown_to_admins_within_scope(
    web: TestClient, samarinda_admin: Account, national_admin: Account, people: dict[str, Account]
) -> None:
    url = f"/api/v1/users/{people['bpn'].user_id}"
    assert (
        web.patch(url, json={"email": "analis@bpn.go.id"}, headers=national_admin.headers).status_code == 200
    )
    for response in (
        web.get(url, headers=samarinda_admin.headers),
        web.get("/api/v1/users", headers=samarinda_admin.headers),
        web.get(url, headers=people["bpn"].headers),  # not an admin: not even their own record here
        web.get("/api/v1/users", headers=people["pusat"].headers),
    ):
        assert response.status_code in (200, 403, 404)
        assert "analis@bpn.go.id" not in response.text
    assert web.get(url, headers=national_admin.headers).json()["email"] == "analis@bpn.go.id"

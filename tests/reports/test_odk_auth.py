"""Authentication on the OpenRosa endpoints: Digest as ODK Collect does it, Basic, bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import PASSWORD as ACCOUNT_PASSWORD
from conftest import make_account
from reports.odk_support import (
    NOW,
    PASSWORD,
    OdkAccount,
    collect,
    digest_authorization,
    digest_challenge,
    make_officer,
    make_user,
)
from support.clock import Clock
from tigapilar.accounts.principal import system_principal
from tigapilar.accounts.roles import Role
from tigapilar.accounts.service import set_password
from tigapilar.storage.db import Database
from tigapilar.storage.models import LoginFailure, User

FORM_LIST = "/odk/formList"
RESPONSE_NS = "{http://openrosa.org/http/response}"


@pytest.fixture
def web(client: Any, regions: Database) -> TestClient:
    test_client: TestClient = client
    test_client.app.state.clock = Clock(NOW)  # type: ignore[attr-defined]
    return test_client


def _clock(web: TestClient) -> Clock:
    clock: Clock = web.app.state.clock  # type: ignore[attr-defined]
    return clock


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _message(response: Any) -> str:
    root = ET.fromstring(response.content)
    assert root.tag == f"{RESPONSE_NS}OpenRosaResponse"
    return root.findtext(f"{RESPONSE_NS}message", "")


def _failures(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(LoginFailure)) or 0


def test_a_request_without_credentials_is_challenged_for_digest_and_basic(web: TestClient) -> None:
    response = web.get(FORM_LIST)
    assert response.status_code == 401
    challenges = response.headers.get_list("www-authenticate")
    assert len(challenges) == 2
    digest, basic = challenges
    assert digest.startswith('Digest realm="tigapilar", qop="auth", nonce="') and digest.endswith(
        "algorithm=MD5"
    )
    assert basic.startswith('Basic realm="tigapilar"')
    assert response.headers["x-openrosa-version"] == "1.0"
    assert response.headers["date"] == "Tue, 26 Nov 2024 02:00:00 GMT"
    assert "Silakan masuk" in _message(response)
    # Every challenge has its own nonce.
    assert digest_challenge(web.get(FORM_LIST))["nonce"] != digest_challenge(response)["nonce"]


def test_a_digest_handshake_computed_per_rfc_2617_is_accepted(web: TestClient, regions: Database) -> None:
    officer = make_officer(regions)
    uri = "/odk/formList?formID=tigapilar_laporan"
    challenge = digest_challenge(web.get(uri))
    assert challenge["realm"] == "tigapilar" and challenge["qop"] == "auth"
    cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    first = digest_authorization("GET", uri, officer.username, PASSWORD, challenge, nc=1, cnonce=cnonce)
    response = web.get(uri, headers={"Authorization": first})
    assert response.status_code == 200, response.text
    assert b"<formID>tigapilar_laporan</formID>" in response.content
    # Collect re-uses the challenge for the next requests with the nonce count going up.
    other = "/odk/submission?deviceID=collect%3AY3NAH7KHbSfrOrsI"
    second = digest_authorization("HEAD", other, officer.username, PASSWORD, challenge, nc=2, cnonce="a1b2")
    assert web.head(other, headers={"Authorization": second}).status_code == 204
    assert _failures(regions) == 0


def test_an_independent_digest_client_is_accepted(web: TestClient, regions: Database) -> None:
    officer = make_officer(regions)
    response = web.get(FORM_LIST, auth=httpx.DigestAuth(officer.username, PASSWORD))
    assert response.status_code == 200
    assert web.get(FORM_LIST, auth=httpx.DigestAuth(officer.username, "salah-salah-12")).status_code == 401


def test_digest_with_a_wrong_password_is_refused_and_counted(web: TestClient, regions: Database) -> None:
    officer = make_officer(regions)
    challenge = digest_challenge(web.get(FORM_LIST))
    wrong = digest_authorization("GET", FORM_LIST, officer.username, "bukan-sandinya-1", challenge, 1, "c1")
    response = web.get(FORM_LIST, headers={"Authorization": wrong})
    assert response.status_code == 401
    assert _message(response) == "Nama pengguna atau kata sandi salah."
    assert "stale" not in digest_challenge(response)
    assert _failures(regions) == 1


def test_digest_signed_for_another_request_target_is_refused(web: TestClient, regions: Database) -> None:
    officer = make_officer(regions)
    challenge = digest_challenge(web.get(FORM_LIST))
    signed = digest_authorization("GET", FORM_LIST, officer.username, PASSWORD, challenge, 1, "c1")
    assert web.get(FORM_LIST, headers={"Authorization": signed}).status_code == 200
    # Replayed against another URI or query, the same header proves nothing.
    assert (
        web.get("/odk/forms/tigapilar_laporan/form.xml", headers={"Authorization": signed}).status_code == 401
    )
    assert web.get(FORM_LIST + "?formID=x", headers={"Authorization": signed}).status_code == 401
    # Nor with another method: the method is part of what is signed.
    check = digest_authorization("GET", "/odk/submission", officer.username, PASSWORD, challenge, 2, "c2")
    assert web.get("/odk/submission", headers={"Authorization": check}).status_code == 204
    assert web.head("/odk/submission", headers={"Authorization": check}).status_code == 401


def test_an_expired_nonce_is_answered_stale_and_collect_retries_without_a_prompt(
    web: TestClient, regions: Database
) -> None:
    officer = make_officer(regions)
    client = collect(web, officer)
    assert client.get(FORM_LIST).status_code == 200
    _clock(web).advance(minutes=11)
    old = client.challenge
    assert old is not None
    header = digest_authorization("GET", FORM_LIST, officer.username, PASSWORD, old, 5, "c5")
    stale = web.get(FORM_LIST, headers={"Authorization": header})
    assert stale.status_code == 401 and digest_challenge(stale)["stale"] == "true"
    assert client.get(FORM_LIST).status_code == 200  # the client answers the new challenge
    assert _failures(regions) == 0  # an expired nonce is not a wrong password


def test_a_nonce_this_server_did_not_issue_is_refused(web: TestClient, regions: Database) -> None:
    officer = make_officer(regions)
    forged = {"realm": "tigapilar", "nonce": "1732586400.00112233.0123456789abcdef0123456789abcdef"}
    header = digest_authorization("GET", FORM_LIST, officer.username, PASSWORD, forged, 1, "c1")
    response = web.get(FORM_LIST, headers={"Authorization": header})
    assert response.status_code == 401 and "stale" not in digest_challenge(response)


def test_basic_works_and_gives_an_account_made_before_digest_its_ha1(
    web: TestClient, regions: Database
) -> None:
    with regions.session() as session:
        make_account(session, "bhabin.lama", "field_officer", areas=["64.71.01.1001"])
    legacy = OdkAccount(0, "bhabin.lama", ACCOUNT_PASSWORD, None)
    assert collect(web, legacy).get(FORM_LIST).status_code == 401  # no HA1 yet: Digest cannot work
    assert web.get(FORM_LIST, headers=_basic("bhabin.lama", "salah-sekali-123")).status_code == 401
    assert web.get(FORM_LIST, headers=_basic("bhabin.lama", ACCOUNT_PASSWORD)).status_code == 200
    assert collect(web, legacy).get(FORM_LIST).status_code == 200


def test_a_bearer_token_works_for_scripts(web: TestClient, regions: Database) -> None:
    with regions.session() as session:
        account = make_account(session, "skrip.polres", "analyst", areas=["64.71"])
    assert web.get(FORM_LIST, headers=account.headers).status_code == 200
    assert web.get(FORM_LIST, headers={"Authorization": "Bearer tp_bukan-token"}).status_code == 401


def test_an_inactive_account_is_refused_however_it_authenticates(web: TestClient, regions: Database) -> None:
    officer = make_officer(regions)
    with regions.session() as session:
        session.get_one(User, officer.user_id).active = False
    assert collect(web, officer).get(FORM_LIST).status_code == 401
    assert web.get(FORM_LIST, headers=_basic(officer.username, PASSWORD)).status_code == 401


def test_a_partner_may_not_use_the_report_form(web: TestClient, regions: Database) -> None:
    partner = make_user(regions, "bawaslu.balikpapan", Role.PARTNER, ["64.71"])
    response = collect(web, partner).get(FORM_LIST)
    assert response.status_code == 403
    assert response.headers["x-openrosa-version"] == "1.0"
    assert "tidak berwenang" in _message(response)


def test_repeated_digest_failures_are_rate_limited_like_logins(web: TestClient, regions: Database) -> None:
    officer = make_officer(regions)
    challenge = digest_challenge(web.get(FORM_LIST))
    for guess in range(1, 6):  # settings.login_max_failures
        wrong = digest_authorization(
            "GET", FORM_LIST, officer.username, f"tebakan-{guess}", challenge, guess, "c"
        )
        assert web.get(FORM_LIST, headers={"Authorization": wrong}).status_code == 401
    limited = collect(web, officer).get(FORM_LIST)  # even the right password, for now
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "coba lagi" in _message(limited)
    _clock(web).advance(minutes=6)
    assert collect(web, officer).get(FORM_LIST).status_code == 200


def test_the_account_service_keeps_the_digest_ha1_with_the_password(regions: Database) -> None:
    officer = make_officer(regions)

    def ha1(password: str) -> str:
        return hashlib.md5(f"{officer.username}:tigapilar:{password}".encode()).hexdigest()

    with regions.session() as session:
        assert session.get_one(User, officer.user_id).digest_ha1 == ha1(PASSWORD)
        set_password(session, system_principal(), officer.user_id, "sandi-baru-manggar-9")
    with regions.session() as session:
        assert session.get_one(User, officer.user_id).digest_ha1 == ha1("sandi-baru-manggar-9")

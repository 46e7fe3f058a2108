"""Creating and managing accounts through the library, with admin scoping."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import PASSWORD, make_account
from tigapilar.accounts import service
from tigapilar.accounts.principal import Principal, system_principal
from tigapilar.accounts.roles import Role
from tigapilar.accounts.service import UserExistsError, UserFilter, UserUpdate
from tigapilar.accounts.tokens import principal_for_token
from tigapilar.core.errors import Forbidden, Invalid, NotFound
from tigapilar.core.scope import Scope
from tigapilar.storage.db import Database
from tigapilar.storage.models import Officer, OfficerVillage, User

GOOD = "sungai-mahakam-77"


def _admin(codes: list[str], user_id: int = 999_999) -> Principal:
    return Principal(user_id=user_id, username="adm", role=Role.ADMIN, scope=Scope.of(codes))


def test_create_user_stores_normalised_fields_and_areas(regions: Database) -> None:
    with regions.session() as session:
        record = service.create_user(
            session, "  Budi.Santoso ", " Budi   Santoso ", GOOD, "analyst", ["64.71", " 64.71 "]
        )
    assert record.username == "budi.santoso"
    assert record.full_name == "Budi Santoso"
    assert record.role is Role.ANALYST
    assert [(a.code, a.name) for a in record.areas] == [("64.71", "Kota Balikpapan")]
    assert record.active and not record.national and record.language == "id"
    with regions.session() as session:
        stored = session.scalar(select(User).where(User.username == "budi.santoso"))
        assert stored is not None and stored.password_hash.startswith("$argon2id$")


def test_invalid_fields_are_reported_together(regions: Database) -> None:
    with pytest.raises(Invalid) as caught, regions.session() as session:
        service.create_user(session, "x", "", GOOD, "wizard", [], language="fr")
    error = caught.value
    assert error.code == "user.invalid" and error.status == 422
    assert {d["field"] for d in error.details} == {"username", "full_name", "role", "language", "areas"}
    assert all(d["alasan"] for d in error.details)


@pytest.mark.parametrize(
    ("areas", "national", "field_reason"),
    [
        (["6471"], False, "BPS"),
        (["64.99"], False, "Unknown region"),
        ([], False, "at least one area"),
        (["64.71"], True, "national"),
    ],
)
def test_area_rules(regions: Database, areas: list[str], national: bool, field_reason: str) -> None:
    with pytest.raises(Invalid) as caught, regions.session() as session:
        service.create_user(session, "siti", "Siti", GOOD, "analyst", areas, national=national)
    assert caught.value.code == "user.invalid"
    assert field_reason in caught.value.message


def test_duplicate_username_is_refused(regions: Database) -> None:
    with regions.session() as session:
        service.create_user(session, "siti", "Siti", GOOD, "analyst", ["64.71"])
    with pytest.raises(UserExistsError) as caught, regions.session() as session:
        service.create_user(session, "SITI", "Siti Lain", GOOD, "analyst", ["64.72"])
    assert caught.value.code == "user.exists" and caught.value.status == 409


def test_weak_password_is_refused(regions: Database) -> None:
    with pytest.raises(Invalid) as caught, regions.session() as session:
        service.create_user(session, "siti", "Siti", "siti-12345678", "analyst", ["64.71"])
    assert caught.value.code == "user.weak_password"


def test_field_officer_defaults_to_the_officers_villages(regions: Database) -> None:
    with regions.session() as session:
        officer = Officer(name="Bripka Andi", pillar="bhabinkamtibmas")
        session.add(officer)
        session.flush()
        session.add(OfficerVillage(officer_id=officer.id, desa_code="64.71.01.1001"))
        session.flush()
        record = service.create_user(
            session, "andi", "Andi", GOOD, "field_officer", [], officer_id=officer.id
        )
    assert [a.code for a in record.areas] == ["64.71.01.1001"]
    assert record.officer_id is not None


def test_unknown_officer_is_refused(regions: Database) -> None:
    with pytest.raises(Invalid) as caught, regions.session() as session:
        service.create_user(session, "andi", "Andi", GOOD, "field_officer", [], officer_id=4242)
    assert "officer_id" in {d["field"] for d in caught.value.details}


def test_admin_cannot_grant_beyond_own_scope(regions: Database) -> None:
    samarinda = _admin(["64.72"])
    with regions.session() as session:
        ok = service.create_user(session, "rina", "Rina", GOOD, "analyst", ["64.72.01"], by=samarinda)
        assert ok.areas[0].code == "64.72.01"
        with pytest.raises(Forbidden):
            service.create_user(session, "tono", "Tono", GOOD, "analyst", ["64.71"], by=samarinda)
        with pytest.raises(Forbidden):
            service.create_user(session, "tono", "Tono", GOOD, "analyst", [], national=True, by=samarinda)
        with pytest.raises(Forbidden):  # the whole province is wider than Samarinda
            service.create_user(session, "tono", "Tono", GOOD, "analyst", ["64"], by=samarinda)


def test_only_admins_manage_users(regions: Database) -> None:
    analyst = Principal(user_id=1, username="a", role=Role.ANALYST, scope=Scope.everything())
    partner = Principal(user_id=2, username="p", role=Role.PARTNER, scope=Scope.everything())
    with regions.session() as session:
        for who in (analyst, partner):
            with pytest.raises(Forbidden):
                service.list_users(session, who)
            with pytest.raises(Forbidden):
                service.create_user(session, "tono", "Tono", GOOD, "analyst", ["64.71"], by=who)


def test_list_users_is_scoped_to_the_admins_area(regions: Database) -> None:
    with regions.session() as session:
        make_account(session, "pusat", "commander", national=True)
        make_account(session, "bpn", "analyst", areas=["64.71"])
        make_account(session, "bpn.desa", "field_officer", areas=["64.71.01.1001"])
        make_account(session, "smd", "analyst", areas=["64.72"])
        make_account(session, "both", "commander", areas=["64.71", "64.72"])

        def names(principal: Principal, filters: UserFilter | None = None) -> list[str]:
            return [r.username for r in service.list_users(session, principal, filters).items]

        assert names(_admin(["64.71"])) == ["bpn", "bpn.desa"]
        assert names(_admin(["64.72"])) == ["smd"]
        assert names(_admin(["64"])) == ["both", "bpn", "bpn.desa", "smd"]
        assert names(system_principal()) == ["both", "bpn", "bpn.desa", "pusat", "smd"]
        assert names(system_principal(), UserFilter(role=Role.FIELD_OFFICER)) == ["bpn.desa"]
        assert names(system_principal(), UserFilter(area="64.71.01")) == ["bpn.desa"]
        assert names(system_principal(), UserFilter(search="SMD")) == ["smd"]
        page = service.list_users(session, system_principal())
        assert page.total == 5


def test_admin_cannot_read_or_change_users_outside_scope(regions: Database) -> None:
    with regions.session() as session:
        other = make_account(session, "bpn", "analyst", areas=["64.71"])
        samarinda = _admin(["64.72"])
        with pytest.raises(NotFound) as caught:
            service.get_user(session, samarinda, other.user_id)
        assert caught.value.code == "user.not_found"
        with pytest.raises(NotFound):
            service.update_user(session, samarinda, other.user_id, UserUpdate(full_name="X"))
        with pytest.raises(NotFound):
            service.set_password(session, samarinda, other.user_id, GOOD)


def test_update_user_changes_role_areas_and_name(regions: Database) -> None:
    admin = _admin(["64.71"])
    with regions.session() as session:
        target = make_account(session, "bpn", "analyst", areas=["64.71"])
        record = service.update_user(
            session,
            admin,
            target.user_id,
            UserUpdate(full_name="Dewi", role="commander", areas=["64.71.01"], language="en"),
        )
        assert (record.full_name, record.role, record.language) == ("Dewi", Role.COMMANDER, "en")
        assert [a.code for a in record.areas] == ["64.71.01"]
        with pytest.raises(Forbidden):
            service.update_user(session, admin, target.user_id, UserUpdate(areas=["64.72"]))
        with pytest.raises(Forbidden):
            service.update_user(session, admin, target.user_id, UserUpdate(national=True))


def test_admin_cannot_lock_themselves_out(regions: Database) -> None:
    with regions.session() as session:
        me = make_account(session, "adm.bpn", "admin", areas=["64.71"])
        principal = _admin(["64.71"], user_id=me.user_id)
        for change in (UserUpdate(active=False), UserUpdate(role="analyst"), UserUpdate(areas=["64.71.01"])):
            with pytest.raises(Invalid) as caught:
                service.update_user(session, principal, me.user_id, change)
            assert caught.value.code == "user.self_change"
        assert (
            service.update_user(session, principal, me.user_id, UserUpdate(full_name="Ok")).full_name == "Ok"
        )


def test_deactivate_revokes_tokens_and_activate_does_not_restore_them(regions: Database) -> None:
    with regions.session() as session:
        target = make_account(session, "bpn", "analyst", areas=["64.71"])
        assert principal_for_token(session, target.token) is not None
        assert not service.deactivate(session, system_principal(), target.user_id).active
        assert principal_for_token(session, target.token) is None
        assert service.activate(session, system_principal(), target.user_id).active
        assert principal_for_token(session, target.token) is None


def test_set_password_checks_strength(regions: Database) -> None:
    with regions.session() as session:
        target = make_account(session, "bpn", "analyst", areas=["64.71"], password=PASSWORD)
        with pytest.raises(Invalid) as caught:
            service.set_password(session, system_principal(), target.user_id, "short")
        assert caught.value.code == "user.weak_password"
        service.set_password(session, system_principal(), target.user_id, GOOD)
        assert service.find_user(session, system_principal(), "BPN").id == target.user_id

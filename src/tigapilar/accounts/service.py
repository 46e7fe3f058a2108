"""Managing accounts: create, list, read, change, new password, (de)activate.

Functions that act for someone take the acting ``Principal``; it must hold MANAGE_USERS and can only
reach accounts inside its own scope (see :mod:`tigapilar.accounts.access`). ``create_user`` may also
be called with ``by=None`` by trusted code (the CLI operator, the demo generator): then no scope
limit applies, only validation. Results are plain :class:`UserRecord` values, never ORM rows.

An account may carry an email address (where email notifications go) and the unit it acts for (alerts
routed to that unit reach it). An admin can only attach units visible to their own scope, and a
record only names its unit to a reader whose scope sees that unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tigapilar.accounts.access import can_manage, check_grant, manageable, require_manager
from tigapilar.accounts.areas import Area, officer_villages, unknown_codes
from tigapilar.accounts.digest import digest_ha1
from tigapilar.accounts.login import authenticate
from tigapilar.accounts.passwords import hash_password, validate_password
from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Role
from tigapilar.accounts.tokens import SESSION, revoke_user_tokens
from tigapilar.accounts.validation import (
    Problems,
    check_area_codes,
    check_email,
    check_full_name,
    check_language,
    check_role,
    check_username,
    normalise_username,
)
from tigapilar.core.errors import Invalid, NotFound, TigapilarError
from tigapilar.core.pagination import Page, PageRequest
from tigapilar.core.scope import Scope
from tigapilar.organisation.visibility import unit_visible
from tigapilar.storage.models import Officer, Region, Unit, User, UserArea

__all__ = [
    "UserFilter",
    "UserRecord",
    "UserUnit",
    "UserUpdate",
    "activate",
    "authenticate",
    "create_user",
    "deactivate",
    "find_user",
    "get_user",
    "list_users",
    "set_password",
    "update_user",
    "user_record",
]


@dataclass(frozen=True)
class UserUnit:
    code: str
    name: str


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    full_name: str
    role: Role
    national: bool
    areas: tuple[Area, ...]
    officer_id: int | None
    language: str
    active: bool
    created_at: datetime
    email: str | None = None
    # The unit the account acts for; also None when it lies outside the reader's scope.
    unit: UserUnit | None = None


@dataclass(frozen=True)
class UserFilter:
    role: Role | None = None
    active: bool | None = None
    search: str | None = None  # part of the username or full name, any case
    area: str | None = None  # users with at least one area inside this region


@dataclass(frozen=True)
class UserUpdate:
    """Fields to change; ``None`` leaves a field as it is, and for ``email`` and ``unit`` (a unit
    code) an empty string clears it."""

    full_name: str | None = None
    role: Role | str | None = None
    areas: Sequence[str] | None = None
    active: bool | None = None
    language: str | None = None
    national: bool | None = None
    email: str | None = None
    unit: str | None = None


class UserExistsError(TigapilarError):
    def __init__(self, username: str) -> None:
        super().__init__(
            code="user.exists",
            message=f"The username '{username}' is already taken.",
            pesan=f"Nama pengguna '{username}' sudah dipakai.",
            status=409,
        )


def _not_found() -> NotFound:
    return NotFound(
        "user.not_found", "No such user in your area.", "Pengguna tidak ditemukan di wilayah Anda."
    )


def create_user(
    session: Session,
    username: str,
    full_name: str,
    password: str,
    role: Role | str,
    areas: Iterable[str],
    national: bool = False,
    officer_id: int | None = None,
    language: str = "id",
    *,
    email: str | None = None,
    unit: str | None = None,
    by: Principal | None = None,
) -> UserRecord:
    """Create an account; ``by`` (when given) must be an admin whose scope covers the new one and
    sees ``unit`` (a unit code). An empty ``email`` or ``unit`` means none."""
    if by is not None:
        require_manager(by)
    problems = Problems()
    name = check_username(username, problems)
    checked_role = check_role(role, problems)
    full = check_full_name(full_name, problems)
    lang = check_language(language, problems)
    codes = check_area_codes(areas, problems)
    if officer_id is not None:
        if session.get(Officer, officer_id) is None:
            problems.add(
                "officer_id", f"No officer with id {officer_id}.", f"Petugas id {officer_id} tidak ada."
            )
        elif not codes and not national and checked_role is Role.FIELD_OFFICER:
            # A village pillar works in the villages they are assigned to; that is their scope.
            codes = officer_villages(session, officer_id)
    _check_scope_shape(national, codes, problems)
    problems.raise_if_any()
    address = check_email(email) if email is not None else None
    scope = by.scope if by is not None else Scope.everything()
    if by is not None:
        check_grant(by, codes, national)
    _check_known_areas(session, codes)
    unit_id = _unit_id(session, unit, scope) if unit is not None else None
    validate_password(password, name)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise UserExistsError(name)
    assert checked_role is not None  # refused above otherwise
    user = User(
        username=name,
        full_name=full,
        password_hash=hash_password(password),
        # HTTP Digest (ODK Collect) cannot use the Argon2 hash; it needs this, set with the password.
        digest_ha1=digest_ha1(name, password),
        role=checked_role.value,
        national=national,
        officer_id=officer_id,
        unit_id=unit_id,
        language=lang,
        email=address,
        active=True,
    )
    try:
        # A savepoint, so that losing a race for the username leaves the caller's transaction usable.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise UserExistsError(name) from exc
    _replace_areas(session, user.id, codes)
    return _records(session, [user], scope)[0]


def list_users(
    session: Session,
    principal: Principal,
    filters: UserFilter | None = None,
    page: PageRequest | None = None,
) -> Page[UserRecord]:
    require_manager(principal)
    filters = filters or UserFilter()
    page = page or PageRequest()
    query = select(User).where(manageable(principal))
    if filters.role is not None:
        query = query.where(User.role == filters.role.value)
    if filters.active is not None:
        query = query.where(User.active.is_(filters.active))
    if filters.search:
        needle = filters.search.strip().lower()
        query = query.where(
            or_(
                func.lower(User.username).contains(needle, autoescape=True),
                func.lower(User.full_name).contains(needle, autoescape=True),
            )
        )
    if filters.area:
        inside = select(UserArea.user_id).where(
            UserArea.user_id == User.id, Scope.of([filters.area.strip()]).clause(UserArea.region_code)
        )
        query = query.where(exists(inside))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = list(session.scalars(query.order_by(User.username).limit(page.limit).offset(page.offset)))
    return Page(
        items=_records(session, users, principal.scope), total=total, limit=page.limit, offset=page.offset
    )


def get_user(session: Session, principal: Principal, user_id: int) -> UserRecord:
    return _records(session, [_visible_user(session, principal, user_id)], principal.scope)[0]


def user_record(session: Session, user_id: int) -> UserRecord:
    """Any account by id, for trusted code and for a user's own record (no permission check)."""
    user = session.get(User, user_id)
    if user is None:
        raise _not_found()
    return _records(session, [user], Scope.everything())[0]


def find_user(session: Session, principal: Principal, username: str) -> UserRecord:
    """The account with this username, if the principal may manage it."""
    user_id = session.scalar(select(User.id).where(User.username == normalise_username(username)))
    if user_id is None:
        require_manager(principal)
        raise _not_found()
    return get_user(session, principal, user_id)


def update_user(session: Session, principal: Principal, user_id: int, changes: UserUpdate) -> UserRecord:
    user = _visible_user(session, principal, user_id)
    problems = Problems()
    full = check_full_name(changes.full_name, problems) if changes.full_name is not None else None
    role = check_role(changes.role, problems) if changes.role is not None else None
    lang = check_language(changes.language, problems) if changes.language is not None else None
    codes = check_area_codes(changes.areas, problems) if changes.areas is not None else None
    national = user.national if changes.national is None else changes.national
    current = _area_codes(session, user.id)
    if codes is None:
        codes = [] if national else current
    _check_scope_shape(national, codes, problems)
    problems.raise_if_any()
    address = check_email(changes.email) if changes.email is not None else None
    if user.id == principal.user_id:
        scope_changed = national != user.national or set(codes) != set(current)
        role_changed = role is not None and role.value != user.role
        _refuse_self_lockout(changes.active is False or role_changed or scope_changed)
    check_grant(principal, codes, national)
    _check_known_areas(session, codes)
    # Clearing needs no check: an admin who manages the account may detach it from any unit.
    unit_id = _unit_id(session, changes.unit, principal.scope) if changes.unit else None

    if full is not None:
        user.full_name = full
    if role is not None:
        user.role = role.value
    if lang is not None:
        user.language = lang
    if changes.email is not None:
        user.email = address
    if changes.unit is not None:
        user.unit_id = unit_id
    user.national = national
    _replace_areas(session, user.id, codes)
    if changes.active is not None and changes.active != user.active:
        user.active = changes.active
        if not changes.active:
            # Tokens are refused for inactive users anyway; revoking them means re-enabling an
            # account does not silently bring old sessions and integrations back.
            revoke_user_tokens(session, user.id)
    session.flush()
    return _records(session, [user], principal.scope)[0]


def set_password(session: Session, principal: Principal, user_id: int, password: str) -> None:
    """Give an account a new password and log it out of every web session."""
    user = _visible_user(session, principal, user_id)
    validate_password(password, user.username)
    user.password_hash = hash_password(password)
    user.digest_ha1 = digest_ha1(user.username, password)
    revoke_user_tokens(session, user.id, kind=SESSION)
    session.flush()


def deactivate(session: Session, principal: Principal, user_id: int) -> UserRecord:
    return update_user(session, principal, user_id, UserUpdate(active=False))


def activate(session: Session, principal: Principal, user_id: int) -> UserRecord:
    return update_user(session, principal, user_id, UserUpdate(active=True))


def _visible_user(session: Session, principal: Principal, user_id: int) -> User:
    require_manager(principal)
    user = session.get(User, user_id)
    # Accounts outside the scope are reported as missing, so that their existence does not leak.
    if user is None or not can_manage(session, principal, user):
        raise _not_found()
    return user


def _check_scope_shape(national: bool, codes: list[str], problems: Problems) -> None:
    if national and codes:
        problems.add(
            "areas",
            "A national account covers every area; give no areas with it.",
            "Akun nasional mencakup semua wilayah; jangan isi wilayah.",
        )
    if not national and not codes and not problems.about("areas"):
        problems.add(
            "areas",
            "A non-national account needs at least one area.",
            "Akun non-nasional memerlukan minimal satu wilayah.",
        )


def _check_known_areas(session: Session, codes: list[str]) -> None:
    unknown = unknown_codes(session, codes)
    if unknown:
        listed = ", ".join(unknown)
        raise Invalid(
            "user.invalid",
            f"Unknown region code(s): {listed}. Import the regions first.",
            f"Kode wilayah tidak dikenal: {listed}.",
            [
                {
                    "field": "areas",
                    "reason": f"{code} is not a known region; import the regions first.",
                    "alasan": f"{code} bukan wilayah yang dikenal.",
                }
                for code in unknown
            ],
        )


def _unit_id(session: Session, code: str, scope: Scope) -> int | None:
    """The id of the unit with this code (None for an empty code) if the scope sees it."""
    wanted = code.strip().lower()
    if not wanted:
        return None
    unit_id = session.scalar(select(Unit.id).where(Unit.code == wanted, unit_visible(scope)))
    if unit_id is None:
        # A unit outside the scope is reported like a missing one, so that its existence does not leak.
        raise Invalid(
            "user.unknown_unit",
            f"No unit with code '{wanted}' in your area.",
            f"Tidak ada satuan dengan kode '{wanted}' di wilayah Anda.",
            [
                {
                    "field": "unit",
                    "reason": f"{wanted} is not a unit you can see.",
                    "alasan": f"{wanted} bukan satuan di wilayah Anda.",
                }
            ],
        )
    return unit_id


def _refuse_self_lockout(locks_out: bool) -> None:
    """An admin may not disable, demote or re-scope their own account: another admin must do it."""
    if locks_out:
        raise Invalid(
            "user.self_change",
            "You cannot disable your own account or change its role or areas.",
            "Anda tidak dapat menonaktifkan akun sendiri atau mengubah peran/wilayahnya.",
        )


def _area_codes(session: Session, user_id: int) -> list[str]:
    return sorted(session.scalars(select(UserArea.region_code).where(UserArea.user_id == user_id)))


def _replace_areas(session: Session, user_id: int, codes: list[str]) -> None:
    current = set(_area_codes(session, user_id))
    wanted = set(codes)
    for code in current - wanted:
        row = session.get(UserArea, (user_id, code))
        if row is not None:
            session.delete(row)
    for code in sorted(wanted - current):
        session.add(UserArea(user_id=user_id, region_code=code))
    session.flush()


def _records(session: Session, users: list[User], scope: Scope) -> list[UserRecord]:
    """Records as ``scope`` may read them: a unit it does not see is left out (its name or code
    would tell about another area)."""
    areas: dict[int, list[Area]] = defaultdict(list)
    units: dict[int, UserUnit] = {}
    if users:
        rows = session.execute(
            select(UserArea.user_id, UserArea.region_code, Region.name)
            .join(Region, Region.code == UserArea.region_code)
            .where(UserArea.user_id.in_([u.id for u in users]))
            .order_by(UserArea.region_code)
        )
        for user_id, code, name in rows:
            areas[user_id].append(Area(code, name))
    unit_ids = {u.unit_id for u in users if u.unit_id is not None}
    if unit_ids:
        found = session.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(sorted(unit_ids)), unit_visible(scope))
        )
        units = {unit_id: UserUnit(code, name) for unit_id, code, name in found}
    return [
        UserRecord(
            id=u.id,
            username=u.username,
            full_name=u.full_name,
            role=Role(u.role),
            national=u.national,
            areas=tuple(areas[u.id]),
            officer_id=u.officer_id,
            language=u.language,
            active=u.active,
            created_at=u.created_at,
            email=u.email,
            unit=units.get(u.unit_id) if u.unit_id is not None else None,
        )
        for u in users
    ]

"""API: accounts, for administrators, limited to the administrator's own area scope.

Errors: 403 ``auth.forbidden`` (not an admin, or granting beyond one's scope), 404
``user.not_found`` (also for accounts outside the scope), 409 ``user.exists``, 422
``user.invalid`` (with one ``details`` entry per field), ``user.weak_password``,
``user.bad_email``, ``user.unknown_unit`` (also for a unit outside the caller's scope) or
``user.self_change``.

The email address is personal data: only admins who may manage the account see it (and the account
itself, at login).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from tigapilar.accounts import service
from tigapilar.accounts.roles import Role, role_label
from tigapilar.accounts.service import UserFilter, UserRecord, UserUpdate
from tigapilar.web.api.paging import PageOut
from tigapilar.web.deps import Caller, DbSession, Paging

router = APIRouter()

# Request bounds only: the service checks the real limits and answers user.bad_email/unknown_unit.
EMAIL_BOUND, UNIT_BOUND = 320, 100

EMAIL_IN = "Where email notifications go (when SMTP is configured); stored lower-cased."
UNIT_IN = (
    "Code of the unit the account acts for (e.g. polsek-64.09.04): alerts routed to that unit reach"
    " the account. It must be a unit inside your own scope."
)


class AreaOut(BaseModel):
    code: str
    name: str


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str = Field(description="The role's name in Indonesian.")
    national: bool
    areas: list[AreaOut]
    officer_id: int | None
    language: str
    active: bool
    created_at: datetime
    email: str | None = Field(description="Where email notifications go; null: none are sent.")
    unit: str | None = Field(
        description="Code of the unit the account acts for; null when none or outside your scope."
    )
    unit_name: str | None


class UserPageOut(PageOut[UserOut]):
    pass


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=200)
    full_name: str = Field(max_length=400)
    password: str = Field(max_length=1024)
    role: str = Field(max_length=40, description="field_officer | analyst | commander | partner | admin")
    areas: list[str] = Field(default_factory=list, max_length=500, description="Kemendagri region codes.")
    national: bool = False
    officer_id: int | None = None
    language: str = Field(default="id", max_length=10)
    email: str | None = Field(
        default=None, max_length=EMAIL_BOUND, description=f'{EMAIL_IN} Null or "": none.'
    )
    unit: str | None = Field(default=None, max_length=UNIT_BOUND, description=f'{UNIT_IN} Null or "": none.')


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: str | None = Field(default=None, max_length=400)
    role: str | None = Field(default=None, max_length=40)
    areas: list[str] | None = Field(default=None, max_length=500)
    active: bool | None = None
    language: str | None = Field(default=None, max_length=10)
    national: bool | None = None
    email: str | None = Field(
        default=None,
        max_length=EMAIL_BOUND,
        description=f'{EMAIL_IN} Absent or null: unchanged; "": removed.',
    )
    unit: str | None = Field(
        default=None,
        max_length=UNIT_BOUND,
        description=f'{UNIT_IN} Absent or null: unchanged; "": the account acts for no unit.',
    )


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(max_length=1024)


def user_out(record: UserRecord) -> UserOut:
    return UserOut(
        id=record.id,
        username=record.username,
        full_name=record.full_name,
        role=record.role.value,
        role_label=role_label(record.role),
        national=record.national,
        areas=[AreaOut(code=a.code, name=a.name) for a in record.areas],
        officer_id=record.officer_id,
        language=record.language,
        active=record.active,
        created_at=record.created_at,
        email=record.email,
        unit=record.unit.code if record.unit else None,
        unit_name=record.unit.name if record.unit else None,
    )


@router.get("/users")
def list_users(
    caller: Caller,
    session: DbSession,
    paging: Paging,
    role: Role | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the username or name.")] = None,
    area: Annotated[
        str | None, Query(max_length=13, description="Users with an area inside this code.")
    ] = None,
) -> UserPageOut:
    """Accounts whose every area lies inside the caller's scope (national accounts: national admins)."""
    page = service.list_users(
        session, caller, UserFilter(role=role, active=active, search=q, area=area), paging
    )
    return UserPageOut.of(page, user_out)


@router.post("/users", status_code=201)
def create_user(body: UserIn, caller: Caller, session: DbSession) -> UserOut:
    """Create an account; its areas must lie inside the caller's scope."""
    record = service.create_user(
        session,
        body.username,
        body.full_name,
        body.password,
        body.role,
        body.areas,
        national=body.national,
        officer_id=body.officer_id,
        language=body.language,
        email=body.email,
        unit=body.unit,
        by=caller,
    )
    return user_out(record)


@router.get("/users/{user_id}")
def get_user(user_id: int, caller: Caller, session: DbSession) -> UserOut:
    return user_out(service.get_user(session, caller, user_id))


@router.patch("/users/{user_id}")
def update_user(user_id: int, body: UserPatch, caller: Caller, session: DbSession) -> UserOut:
    """Change the name, role, areas, language, national flag, active state, email or unit; absent
    fields stay, and an empty ``email`` or ``unit`` removes it."""
    changes = UserUpdate(
        full_name=body.full_name,
        role=body.role,
        areas=body.areas,
        active=body.active,
        language=body.language,
        national=body.national,
        email=body.email,
        unit=body.unit,
    )
    return user_out(service.update_user(session, caller, user_id, changes))


@router.post("/users/{user_id}/password", status_code=204)
def set_password(user_id: int, body: PasswordIn, caller: Caller, session: DbSession) -> Response:
    """Give the account a new password; its web sessions end."""
    service.set_password(session, caller, user_id, body.password)
    return Response(status_code=204)

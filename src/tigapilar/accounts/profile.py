"""Who the caller is, for "who am I" answers and the home page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tigapilar.accounts.areas import Area, named_areas
from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission, Role, permissions_of
from tigapilar.storage.models import User


@dataclass(frozen=True)
class Profile:
    user_id: int
    username: str
    full_name: str
    role: Role
    national: bool
    areas: tuple[Area, ...]  # empty when national
    permissions: tuple[Permission, ...]
    language: str
    officer_id: int | None


def profile_of(session: Session, principal: Principal) -> Profile:
    user = session.get(User, principal.user_id)
    return Profile(
        user_id=principal.user_id,
        username=principal.username,
        full_name=user.full_name if user is not None else principal.username,
        role=principal.role,
        national=principal.scope.national,
        areas=tuple(named_areas(session, principal.scope.codes)),
        permissions=tuple(permissions_of(principal.role)),
        language=principal.language,
        officer_id=principal.officer_id,
    )

"""Which accounts an administrator may see and change, and which scopes they may hand out.

The rule: an admin manages a user only when *every* area of that user lies inside the admin's own
scope, and national users only when the admin is national too. So an admin can never see, create
or widen an account beyond what they themselves may see.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, exists, select, true
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
from tigapilar.core.errors import Forbidden
from tigapilar.storage.models import User, UserArea


def require_manager(principal: Principal) -> None:
    principal.require(Permission.MANAGE_USERS)


def manageable(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on ``User`` rows the principal may manage."""
    if principal.scope.national:
        return true()
    outside = select(UserArea.user_id).where(
        UserArea.user_id == User.id, ~principal.scope.clause(UserArea.region_code)
    )
    # A non-national account without any area should not exist; if it does, it is nobody's to manage
    # but a national admin's (an empty set of areas is "inside" every scope only vacuously).
    has_area = select(UserArea.user_id).where(UserArea.user_id == User.id)
    return and_(User.national.is_(False), ~exists(outside), exists(has_area))


def can_manage(session: Session, principal: Principal, user: User) -> bool:
    if principal.scope.national:
        return True
    if user.national:
        return False
    codes = list(session.scalars(select(UserArea.region_code).where(UserArea.user_id == user.id)))
    return bool(codes) and all(principal.scope.covers(code) for code in codes)


def check_grant(principal: Principal, areas: Iterable[str], national: bool) -> None:
    """Refuse to hand out a scope wider than the principal's own."""
    if national and not principal.scope.national:
        raise Forbidden(
            "Only a national administrator can create or grant national accounts.",
            "Hanya administrator nasional yang dapat membuat atau memberi akses nasional.",
        )
    outside = sorted(code for code in areas if not principal.scope.covers(code))
    if outside:
        listed = ", ".join(outside)
        raise Forbidden(
            f"Area(s) outside your own scope: {listed}.",
            f"Wilayah di luar cakupan Anda: {listed}.",
        )

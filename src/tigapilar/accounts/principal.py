"""The authenticated caller, as every capability sees it."""

from __future__ import annotations

from dataclasses import dataclass

from tigapilar.accounts.roles import Permission, Role, grants
from tigapilar.core.errors import Forbidden
from tigapilar.core.scope import Scope


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    scope: Scope
    officer_id: int | None = None
    language: str = "id"

    def can(self, permission: Permission) -> bool:
        return grants(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(
                f"Role '{self.role}' may not {permission.value.replace('_', ' ')}.",
                "Peran Anda tidak berwenang untuk tindakan ini.",
            )


def system_principal() -> Principal:
    """The CLI acting as the operator of the installation: national scope, every permission."""
    return Principal(user_id=0, username="system", role=Role.ADMIN, scope=Scope.everything())

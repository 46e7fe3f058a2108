"""Roles and what each may do. Area scope is separate: a role says *what*, the scope says *where*."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FIELD_OFFICER = "field_officer"  # a village pillar: Bhabinkamtibmas, Babinsa, Kades/Lurah
    ANALYST = "analyst"  # verifies and analyses reports for an area
    COMMANDER = "commander"  # Kapolres, Kapolda, operations staff
    PARTNER = "partner"  # liaison of KPU, Bawaslu and other partners: read-only, no personal data
    ADMIN = "admin"  # manages accounts and imports for an area


class Permission(StrEnum):
    VIEW_PERSONAL_DATA = "view_personal_data"  # officers' phone, NRP/NIP; reporters' identity
    MANAGE_USERS = "manage_users"
    IMPORT_DATA = "import_data"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.FIELD_OFFICER: frozenset(),
    Role.ANALYST: frozenset({Permission.VIEW_PERSONAL_DATA}),
    Role.COMMANDER: frozenset({Permission.VIEW_PERSONAL_DATA}),
    Role.PARTNER: frozenset(),
    Role.ADMIN: frozenset({Permission.VIEW_PERSONAL_DATA, Permission.MANAGE_USERS, Permission.IMPORT_DATA}),
}

ROLE_LABELS_ID = {
    Role.FIELD_OFFICER: "Petugas lapangan (tiga pilar)",
    Role.ANALYST: "Analis",
    Role.COMMANDER: "Pimpinan",
    Role.PARTNER: "Mitra (KPU/Bawaslu)",
    Role.ADMIN: "Administrator",
}


def grants(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]

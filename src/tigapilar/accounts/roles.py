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
    SUBMIT_REPORTS = "submit_reports"  # field reports on any channel
    VERIFY_REPORTS = "verify_reports"  # verify, reject, merge, follow up; the review queue
    RESPOND_ALERTS = "respond_alerts"  # take an alert on, log actions, move it to its closing


# The village pillars answer alerts on the spot as much as any unit does.
_REPORTING = frozenset({Permission.SUBMIT_REPORTS, Permission.RESPOND_ALERTS})
_VERIFYING = frozenset(
    {
        Permission.VIEW_PERSONAL_DATA,
        Permission.SUBMIT_REPORTS,
        Permission.VERIFY_REPORTS,
        Permission.RESPOND_ALERTS,
    }
)

_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.FIELD_OFFICER: _REPORTING,
    Role.ANALYST: _VERIFYING,
    Role.COMMANDER: _VERIFYING,
    # Partners read; locations are blurred to kecamatan and reporters are hidden from them.
    Role.PARTNER: frozenset(),
    Role.ADMIN: _VERIFYING | {Permission.MANAGE_USERS, Permission.IMPORT_DATA},
}

ROLE_LABELS_ID = {
    Role.FIELD_OFFICER: "Petugas lapangan (tiga pilar)",
    Role.ANALYST: "Analis",
    Role.COMMANDER: "Pimpinan",
    Role.PARTNER: "Mitra (KPU/Bawaslu)",
    Role.ADMIN: "Administrator",
}


ROLE_LABELS_EN = {
    Role.FIELD_OFFICER: "Field officer (three pillars)",
    Role.ANALYST: "Analyst",
    Role.COMMANDER: "Commander",
    Role.PARTNER: "Partner (KPU/Bawaslu)",
    Role.ADMIN: "Administrator",
}


def grants(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]


def permissions_of(role: Role) -> list[Permission]:
    return sorted(_GRANTS[role])


def role_label(role: Role, language: str = "id") -> str:
    """The role's name for people, in Indonesian unless English is asked for."""
    return (ROLE_LABELS_EN if language == "en" else ROLE_LABELS_ID)[role]

"""Checking what people type when they create or change an account.

Every problem of one request is collected and reported together (``user.invalid`` with one
``details`` entry per field), so that a form can mark all wrong fields at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tigapilar.accounts.roles import Role
from tigapilar.core.errors import Invalid
from tigapilar.regions.codes import code_problem

# Lower-case letters, digits and . _ - ; starts with a letter or digit. Usernames are typed on
# phones, so case is folded instead of refused.
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
LANGUAGES = ("id", "en")
MAX_FULL_NAME = 160
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
# A deliberately plain check (local@domain.tld, ASCII): enough to catch typos and to keep line breaks
# and other header-breaking characters out of the SMTP envelope. Whether mail arrives is SMTP's call.
EMAIL_PATTERN = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


class Problems:
    """Collects field problems and raises them as one ``user.invalid`` error."""

    def __init__(self) -> None:
        self._items: list[tuple[str, str, str]] = []

    def add(self, field: str, reason: str, alasan: str) -> None:
        self._items.append((field, reason, alasan))

    def about(self, field: str) -> bool:
        return any(item[0] == field for item in self._items)

    def raise_if_any(self) -> None:
        if not self._items:
            return
        details: list[dict[str, Any]] = [
            {"field": field, "reason": reason, "alasan": alasan} for field, reason, alasan in self._items
        ]
        _field, reason, alasan = self._items[0]
        more = len(self._items) - 1
        raise Invalid(
            "user.invalid",
            reason + (f" (and {more} more problem(s))" if more else ""),
            alasan + (f" (dan {more} masalah lain)" if more else ""),
            details,
        )


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str, problems: Problems) -> str:
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        problems.add(
            "username",
            "Username must be 3-60 characters (letters, digits, '.', '_' or '-'), "
            "starting with a letter or digit.",
            "Nama pengguna harus 3-60 karakter: huruf, angka, '.', '_' atau '-', diawali huruf atau angka.",
        )
    return name


def check_role(role: str | Role, problems: Problems) -> Role | None:
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        problems.add(
            "role", f"Unknown role '{role}'; choose one of {known}.", f"Peran '{role}' tidak dikenal."
        )
        return None


def check_full_name(full_name: str, problems: Problems) -> str:
    name = " ".join(full_name.split())
    if not name:
        problems.add("full_name", "Full name is required.", "Nama lengkap wajib diisi.")
    elif len(name) > MAX_FULL_NAME:
        problems.add(
            "full_name",
            f"Full name must have at most {MAX_FULL_NAME} characters.",
            f"Nama lengkap maksimal {MAX_FULL_NAME} karakter.",
        )
    return name


def check_language(language: str, problems: Problems) -> str:
    value = language.strip().lower()
    if value not in LANGUAGES:
        problems.add(
            "language",
            f"Language must be one of {', '.join(LANGUAGES)}.",
            f"Bahasa harus salah satu dari {', '.join(LANGUAGES)}.",
        )
    return value


def check_area_codes(codes: Iterable[str], problems: Problems) -> list[str]:
    """Well-formed, de-duplicated codes in input order; malformed ones are reported."""
    cleaned: list[str] = []
    for raw in codes:
        code = raw.strip()
        problem = code_problem(code)
        if problem:
            problems.add("areas", problem, f"'{code}' bukan kode wilayah Kemendagri (contoh: 64.71).")
        elif code not in cleaned:
            cleaned.append(code)
    return cleaned


def check_email(email: str) -> str | None:
    """The address trimmed and lower-cased, or None for an empty one; ``user.bad_email`` otherwise."""
    value = email.strip().lower()
    if not value:
        return None
    local = value.partition("@")[0]
    if len(value) > MAX_EMAIL or len(local) > 64 or not EMAIL_PATTERN.fullmatch(value):
        raise Invalid(
            "user.bad_email",
            f"Not a usable email address (like nama@contoh.go.id, at most {MAX_EMAIL} characters).",
            f"Alamat email tidak valid (contoh: nama@contoh.go.id, maksimal {MAX_EMAIL} karakter).",
            [
                {
                    "field": "email",
                    "reason": "expected an address like nama@contoh.go.id",
                    "alasan": "harus berupa alamat seperti nama@contoh.go.id",
                }
            ],
        )
    return value

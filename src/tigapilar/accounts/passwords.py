"""Password hashing with Argon2id (argon2-cffi), the OWASP-recommended default, and password rules."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tigapilar.core.errors import Invalid

_hasher = PasswordHasher()
MIN_LENGTH = 10
# Argon2 hashes any length, but a megabyte "password" would still cost CPU on every login attempt.
MAX_LENGTH = 256
# Verifying against this keeps the time of a login for an unknown user the same as for a known one.
_DUMMY_HASH = _hasher.hash("tigapilar-dummy-password")

# Long enough to pass the length rule yet the first guesses of any attacker (English and Indonesian).
_COMMON = frozenset(
    {
        "1234567890",
        "12345678910",
        "0987654321",
        "1234512345",
        "qwertyuiop",
        "asdfghjkl;",
        "password123",
        "password1234",
        "passw0rd123",
        "katasandi123",
        "kata sandi",
        "rahasia123",
        "rahasia1234",
        "bismillah123",
        "indonesia123",
        "indonesia1945",
        "merdeka1945",
        "polri12345",
        "bhayangkara",
        "presisi123",
        "administrator",
        "admin12345",
        "tigapilar123",
    }
)
# Letters and digits that cannot be confused when read aloud or copied by hand (no 0/o, 1/l/i).
_GENERATED_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _weak(reason_en: str, reason_id: str) -> Invalid:
    return Invalid("user.weak_password", reason_en, reason_id)


def validate_password(password: str, username: str | None = None) -> None:
    """Refuse passwords that are too short, too long, common, or built from the username."""
    if len(password) < MIN_LENGTH:
        raise _weak(
            f"Password must have at least {MIN_LENGTH} characters.",
            f"Kata sandi minimal {MIN_LENGTH} karakter.",
        )
    if len(password) > MAX_LENGTH:
        raise _weak(
            f"Password must have at most {MAX_LENGTH} characters.",
            f"Kata sandi maksimal {MAX_LENGTH} karakter.",
        )
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        raise _weak(
            "This password is too easy to guess; choose another.",
            "Kata sandi ini terlalu mudah ditebak; pilih yang lain.",
        )
    if username and len(username) >= 3 and username.lower() in lowered:
        raise _weak(
            "The password must not contain the username.",
            "Kata sandi tidak boleh memuat nama pengguna.",
        )


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise _weak(
            f"Password must have at least {MIN_LENGTH} characters.",
            f"Kata sandi minimal {MIN_LENGTH} karakter.",
        )
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_password(groups: int = 4, group_length: int = 4) -> str:
    """A random password such as ``kq7m-x3pd-9vtr-hw2e`` (about 79 bits), easy to dictate by phone."""
    return "-".join(
        "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(group_length)) for _ in range(groups)
    )

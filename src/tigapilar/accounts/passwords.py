"""Password hashing with Argon2id (argon2-cffi), the OWASP-recommended default."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tigapilar.core.errors import Invalid

_hasher = PasswordHasher()
MIN_LENGTH = 10
# Verifying against this keeps the time of a login for an unknown user the same as for a known one.
_DUMMY_HASH = _hasher.hash("tigapilar-dummy-password")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise Invalid(
            "user.weak_password",
            f"Password must have at least {MIN_LENGTH} characters.",
            f"Kata sandi minimal {MIN_LENGTH} karakter.",
        )
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False

"""Password rules and generated passwords (no database, no hashing)."""

from __future__ import annotations

import pytest

from tigapilar.accounts.passwords import MIN_LENGTH, generate_password, validate_password
from tigapilar.core.errors import Invalid


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("short", None),
        ("x" * 300, None),
        ("password123", None),
        ("Merdeka1945", None),
        ("aaaaaaaaaaaa", None),
        ("abababababab", None),
        ("budi.santoso-2024", "budi.santoso"),
    ],
)
def test_weak_passwords_are_refused(password: str, username: str | None) -> None:
    with pytest.raises(Invalid) as caught:
        validate_password(password, username)
    assert caught.value.code == "user.weak_password"
    assert caught.value.pesan  # Indonesian text for the form


def test_reasonable_password_passes() -> None:
    validate_password("sungai mahakam pagi", "budi")


def test_generated_passwords_are_strong_and_different() -> None:
    first, second = generate_password(), generate_password()
    assert first != second
    assert len(first) >= MIN_LENGTH
    validate_password(first, "someone")
    assert not set(first) & set("01ilo")  # nothing to misread when dictated

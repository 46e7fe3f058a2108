"""The verdicts an analyst can give a claim group, and the states of its check.

Kept as codes (stored, sent in the API) with Indonesian and English labels; the order is the order
the forms show them in.
"""

from __future__ import annotations

from typing import Final

# belum_diperiksa -> sedang_diperiksa -> diputus (with a verdict)
BELUM_DIPERIKSA: Final = "belum_diperiksa"
SEDANG_DIPERIKSA: Final = "sedang_diperiksa"
DIPUTUS: Final = "diputus"
CHECK_STATES: Final = (BELUM_DIPERIKSA, SEDANG_DIPERIKSA, DIPUTUS)

VERDICTS: Final[dict[str, tuple[str, str]]] = {
    "hoaks": ("Hoaks", "Hoax"),
    "disinformasi": ("Disinformasi", "Disinformation"),
    "misinformasi": ("Misinformasi", "Misinformation"),
    "menyesatkan": ("Menyesatkan", "Misleading"),
    "fakta": ("Fakta", "True"),
    "tidak_dapat_diverifikasi": ("Tidak dapat diverifikasi", "Unverifiable"),
}
# Verdicts that call for a clarification to the villages where the claim circulates.
NEEDS_CLARIFICATION: Final = frozenset({"hoaks", "disinformasi", "misinformasi", "menyesatkan"})


def verdict_label(code: str, language: str = "id") -> str:
    indonesian, english = VERDICTS[code]
    return english if language == "en" else indonesian

"""Kinds of TPS. The one place that lists them: add a kind here and every import, filter and label
follows. Codes are stored; labels (Indonesian) are shown and also accepted in imported files."""

from __future__ import annotations

from tigapilar.core.errors import Invalid

DEFAULT_KIND = "reguler"

TPS_KINDS: dict[str, str] = {
    "reguler": "TPS reguler",
    "lapas_rutan": "Lapas/Rutan",
    "panti": "Panti sosial",
    "relokasi": "Lokasi relokasi",
    "pekerja_ikn": "Pekerja IKN",
    "lainnya": "Lokasi khusus lain",
}


def kind_label(kind: str) -> str:
    return TPS_KINDS.get(kind, kind)


def check_kind(kind: str) -> str:
    """The kind code, or Invalid with the list of known kinds (for API and CLI filters)."""
    if kind not in TPS_KINDS:
        raise Invalid(
            "tps.unknown_kind",
            f"Unknown TPS kind '{kind}'; known kinds: {', '.join(TPS_KINDS)}.",
            f"Jenis TPS '{kind}' tidak dikenal; pilihan: {', '.join(TPS_KINDS)}.",
        )
    return kind

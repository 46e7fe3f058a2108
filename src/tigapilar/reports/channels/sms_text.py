"""Measuring and fitting SMS replies: one SMS is 160 characters only in the GSM 7-bit alphabet.

A single character outside that alphabet (a curly quote, an emoji, "–") makes the whole message
UCS-2, where one SMS holds 70 characters, so a reply that looks short becomes three paid parts on
a feature phone. Every reply therefore goes through :func:`gsm_safe` and is measured in septets.
"""

from __future__ import annotations

import unicodedata

SMS_LIMIT = 160
UCS2_LIMIT = 70

# GSM 03.38: the basic table (one septet each) and the extension table (escape + char: two septets).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
# Look-alikes that phones and word processors insert; mapped before anything is dropped.
_LOOKALIKES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def septets(text: str) -> int | None:
    """Length in GSM 7-bit septets, or None when ``text`` needs UCS-2."""
    total = 0
    for ch in text:
        if ch in GSM_BASIC:
            total += 1
        elif ch in GSM_EXTENSION:
            total += 2
        else:
            return None
    return total


def fits(text: str, limit: int = SMS_LIMIT) -> bool:
    """Whether ``text`` goes out as one SMS (``limit`` septets in GSM-7; 70 characters in UCS-2)."""
    length = septets(text)
    return length <= limit if length is not None else len(text) <= min(limit, UCS2_LIMIT)


def gsm_safe(text: str) -> str:
    """``text`` in the GSM 7-bit alphabet: look-alikes replaced, accents dropped, the rest as '?'."""
    out = []
    for ch in text.translate(_LOOKALIKES):
        if ch in GSM_BASIC or ch in GSM_EXTENSION:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(c in GSM_BASIC for c in base) else "?")
    return "".join(out)


def shorten(text: str, limit: int = SMS_LIMIT) -> str:
    """``text`` cut to fit one SMS, ending in '...' when cut."""
    if fits(text, limit):
        return text
    cut = text
    while cut and not fits(cut.rstrip() + "...", limit):
        cut = cut[:-1]
    return cut.rstrip() + "..."


def fit(required: str, *optional: str, limit: int = SMS_LIMIT) -> str:
    """``required`` plus, in order, each optional sentence that still fits; cut if even it is too long."""
    text = required
    for part in optional:
        if part and fits(f"{text} {part}", limit):
            text = f"{text} {part}"
    return shorten(text, limit)


def first_fitting(*candidates: str, limit: int = SMS_LIMIT) -> str:
    """The first candidate that fits one SMS (they go from most to least informative)."""
    for candidate in candidates:
        if fits(candidate, limit):
            return candidate
    return shorten(candidates[-1], limit)


def pack(header: str, words: list[str], tail: str = "", limit: int = SMS_LIMIT) -> list[str]:
    """``header`` and ``words`` over as few SMS as needed, ``tail`` after the last word if it fits."""
    messages: list[str] = []
    current = header
    for word in words:
        candidate = f"{current} {word}"
        if fits(candidate, limit) or current == header:
            current = candidate
        else:
            messages.append(current)
            current = f"{header} {word}"
    if tail and fits(f"{current} {tail}", limit):
        current = f"{current} {tail}"
    elif tail:
        messages.append(current)
        current = tail
    messages.append(current)
    return [shorten(m, limit) for m in messages]

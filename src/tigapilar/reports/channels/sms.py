"""Coded SMS reports: the syntax village officers type on feature phones, read into a ReportDraft.

    LAPOR <kode desa> [TPS<n>] <kategori> <tingkat> <uraian>
    LAPOR 6471011001 PU 2 Pembagian amplop di RT 05
    LAPOR 64.71.01.1001 TPS3 KR 3 Saksi diusir dari TPS
    INFO | BANTUAN [kode]      the syntax and the category codes (or what one code means)
    STATUS [nomor]             the status of one of the sender's reports (the latest without a number)

It is lenient, because every resend costs an officer credit and time where there is one bar of
signal:

* case and extra spaces do not matter; ``#``, ``,``, ``;``, ``*`` and ``:`` also separate words
  (many Indonesian SMS services use ``#``);
* the keyword may be mistyped (LAPOT, LPR) or left out when the SMS starts with a desa code, a
  TPS, a category code or the name of one of the sender's villages;
* the desa code may be written with or without dots (10 digits, read as 2.2.2.4); an officer
  assigned to one village only may leave it out, and any officer may write a village's name instead;
* ``TPS<n>`` is optional (TPS3, TPS003, TPS-3; ``TPS 3`` only when a category and a level follow,
  since TPS is also a category code);
* the category (a short code from the taxonomy, ``categories.toml`` ``sms``, or the category's own
  code) and the level (1..n or its label, e.g. TINGGI) may come in either order.

An undotted 10-digit code is read as Kemendagri 2.2.2.4 although BPS desa codes are 10 digits too
(imports never guess, see :mod:`tigapilar.regions.codes`): here the village must also be one of the
sender's own and the confirmation names it, so a BPS code is caught rather than misfiled.

Everything here is pure (no database): the caller passes the taxonomy and the sender's villages.
Problems carry codes ``sms.*``; what the core checks (village in the sender's area, TPS exists,
time) is left to :func:`tigapilar.reports.draft.check_draft`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from lokal.phone import parse_phone
from rapidfuzz import fuzz, process

from tigapilar.reports.channels.sms_text import SMS_LIMIT, fit, fits, pack
from tigapilar.reports.draft import Problem, ReportDraft
from tigapilar.reports.taxonomy import CategoryConfig, Taxonomy

REPORT_WORDS = frozenset({"LAPOR", "LAPORAN", "LAPORKAN", "LPR", "LAP"})
HELP_WORDS = frozenset({"INFO", "BANTUAN", "BANTU", "HELP", "MENU", "FORMAT", "CARA", "?"})
STATUS_WORDS = frozenset({"STATUS", "CEK", "STS"})
# Spellings compared with a mistyped first word (the short aliases would match too much).
_KEYWORDS = {"LAPOR": "report", "LAPORAN": "report", "BANTUAN": "help", "STATUS": "status"}
# rapidfuzz ratio (0-100) from which a typo is taken as meaning a keyword or suggesting a code:
# UANK~UANG 75, LAPOT~LAPOR 80, while ADA~APK (a description word) scores 33.
KEYWORD_SCORE = 80
SUGGEST_SCORE = 75

_TOKEN = re.compile(r"[^\s#,;*:]+")
_GLUED_KEYWORD = re.compile(r"^(LAPORAN|LAPOR|LPR)([\d.]{6,})$", re.IGNORECASE)
_TPS = re.compile(r"^TPS[-.]?(\d{1,3})$")
_NUMBER = re.compile(r"^\d{1,3}$")
_CODE_SEPARATORS = re.compile(r"[.\-/]")
DESA_DIGITS = 10
_PUNCTUATION = ".-()!?'\"[]"


@dataclass(frozen=True)
class Village:
    """One of the sender's assigned villages: dotted code and name."""

    code: str
    name: str


def undotted(code: str) -> str:
    """``64.71.01.1001`` as officers type it: ``6471011001``."""
    return code.replace(".", "")


def dotted(digits: str) -> str:
    """Ten digits as a Kemendagri desa code, 2.2.2.4."""
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def normalise_text(text: str) -> str:
    """The SMS as compared and hashed: NFC, one space between words, no leading or trailing space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def normalise_phone(raw: str | None) -> str | None:
    """An Indonesian mobile number as +62..., or None (short codes, names, foreign or bad numbers).

    The same rule as ``organisation.officers._normalise`` applies when officers are saved (kept
    here rather than shared, so that module stays as it is); gateways may also prefix ``tel:``.
    """
    value = (raw or "").strip()
    if value.lower().startswith("tel:"):
        value = value[4:]
    info = parse_phone(value) if value else None
    return info.e164 if info and info.valid and info.type == "mobile" and info.e164 else None


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: a resend that differs only in spacing is the same content."""
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()


def external_id_for(sender: str, message_id: str | None, text: str) -> str:
    """The submission key: the gateway's message id when it sends one, else the text's hash.

    Without a gateway id, the same sender sending the very same text again is taken as a resend
    of one report (which is what a resend usually is); two real incidents practically never share
    every word of their description.
    """
    message_id = (message_id or "").strip()
    if len(message_id) > 100:  # keep the key within its column whatever a gateway sends
        message_id = hashlib.sha256(message_id.encode()).hexdigest()
    return f"{sender}:{message_id or content_hash(text)}"


# --- what an SMS asks for -------------------------------------------------------------------------


@dataclass(frozen=True)
class HelpRequest:
    """INFO / BANTUAN, optionally about one code (``INFO PU``)."""

    topic: str | None = None


@dataclass(frozen=True)
class StatusRequest:
    """STATUS [nomor]; ``report_id`` None: the sender's latest report, unless ``invalid`` was typed."""

    report_id: int | None
    invalid: str | None = None  # what was typed instead of a number


@dataclass
class ParsedReport:
    draft: ReportDraft
    category_sms: str  # the code as the sender typed it, for examples in replies


@dataclass
class Unreadable:
    """The SMS could not be read as a report; ``example`` shows the sender a correct one."""

    problems: list[Problem]
    example: str
    desa_code: str | None = None  # when a well-formed one was read: which area's analysts look


ParsedSms = HelpRequest | StatusRequest | ParsedReport | Unreadable


def parse_sms(text: str, taxonomy: Taxonomy, villages: Sequence[Village] = ()) -> ParsedSms:
    """Read an SMS; ``villages`` are the sender's (codes dotted), for defaults, names and suggestions."""
    text = normalise_text(text)
    tokens = _tokens(text)
    if not tokens:
        return HelpRequest()
    first = tokens[0].word
    if first in HELP_WORDS or tokens[0].text == "?":
        return _help(tokens)
    if first in STATUS_WORDS:
        return _status(tokens[1:])
    reader = _ReportReader(text, tokens, taxonomy, villages)
    if first in REPORT_WORDS:
        return reader.read(1)
    if reader.starts_report(0):
        return reader.read(0)  # the keyword was left out
    guess = close_keyword(first)  # a mistyped keyword: LAPOT, BANTUN, STATSU
    if guess == "report":
        return reader.read(1)
    if guess == "help":
        return _help(tokens)
    if guess == "status":
        return _status(tokens[1:])
    return reader.unreadable()


@dataclass(frozen=True)
class _Token:
    text: str  # as typed
    start: int  # where it starts in the normalised SMS: the description is everything from there

    @property
    def word(self) -> str:
        return self.text.strip(_PUNCTUATION).upper()


def _tokens(text: str) -> list[_Token]:
    tokens = [_Token(m.group(), m.start()) for m in _TOKEN.finditer(text)]
    glued = _GLUED_KEYWORD.match(tokens[0].text) if tokens else None
    if glued:  # "LAPOR6471011001": the space was forgotten
        split = tokens[0].start + len(glued.group(1))
        tokens[:1] = [_Token(glued.group(1), tokens[0].start), _Token(glued.group(2), split)]
    return tokens


def _help(tokens: list[_Token]) -> HelpRequest:
    # One word after INFO is a code to explain; a sentence ("INFO saya mau lapor") asks for the help.
    return HelpRequest(tokens[1].word if len(tokens) == 2 else None)


def _problem(field_name: str, code: str, message: str, pesan: str) -> Problem:
    return Problem(field_name, f"sms.{code}", message, pesan)


def _status(rest: list[_Token]) -> StatusRequest:
    if not rest:
        return StatusRequest(None)
    number = rest[0].word
    if number.isdigit() and len(number) <= 9:
        return StatusRequest(int(number))
    return StatusRequest(None, rest[0].text)


def close_keyword(word: str) -> str | None:
    """What a mistyped first word probably meant: ``report``, ``help``, ``status`` or None."""
    found = process.extractOne(word, list(_KEYWORDS), scorer=fuzz.ratio, score_cutoff=KEYWORD_SCORE)
    return _KEYWORDS[found[0]] if found else None


def suggest_category(word: str, taxonomy: Taxonomy) -> CategoryConfig | None:
    """The category a mistyped code most likely meant (short codes, codes and label words), or None."""
    choices: dict[str, CategoryConfig] = {}
    for category in taxonomy.categories:
        names = [*category.sms, category.code, *re.findall(r"[A-Za-z]{4,}", category.label)]
        for name in names:
            choices.setdefault(name.upper(), category)
    found = process.extractOne(word.upper(), list(choices), scorer=fuzz.ratio, score_cutoff=SUGGEST_SCORE)
    return choices[found[0]] if found else None


def sms_code(category: CategoryConfig) -> str:
    """The code officers are taught: the first short code, else the category's own code."""
    return category.sms[0] if category.sms else category.code.upper()


def example_sms(
    desa_code: str | None, category: str, severity: int, tps: int | None = None, description: str = "uraian"
) -> str:
    """``Contoh: LAPOR 6471011001 PU 2 uraian``, with what is known of the sender's SMS."""
    where = undotted(desa_code) if desa_code else "<kode desa>"
    tps_part = f" TPS{tps}" if tps is not None else ""
    return f"Contoh: LAPOR {where}{tps_part} {category} {severity} {description}"


class _ReportReader:
    """Reads ``[LAPOR] desa [TPS] kategori tingkat uraian`` left to right, noting every problem."""

    def __init__(
        self, text: str, tokens: list[_Token], taxonomy: Taxonomy, villages: Sequence[Village]
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.taxonomy = taxonomy
        self.villages = list(villages)
        self.problems: list[Problem] = []
        self.desa_code: str | None = None
        self.tps: int | None = None
        self.category: CategoryConfig | None = None
        self.category_typed: str | None = None  # the code as the sender wrote it (KR, not KEKERASAN)
        self.suggested: CategoryConfig | None = None
        self.severity: int | None = None

    def at(self, i: int) -> _Token | None:
        return self.tokens[i] if i < len(self.tokens) else None

    def read(self, i: int) -> HelpRequest | ParsedReport | Unreadable:
        """Read the report that starts at token ``i`` (after the keyword, if any)."""
        if i >= len(self.tokens):
            return HelpRequest()  # a bare "LAPOR": they are asking how
        i = self._village(i)
        i = self._tps(i)
        i = self._category_and_severity(i)
        start = self.at(i)
        description = self.text[start.start :].strip() if start else ""
        if not description:
            self.problems.append(
                _problem(
                    "description",
                    "description_required",
                    "The description of what happened is missing.",
                    "Uraian kejadian belum diisi (tulis sesudah tingkat).",
                )
            )
        if self.problems or self.category is None or self.severity is None:
            return Unreadable(self.problems, self._example(), self.desa_code)
        draft = ReportDraft(
            desa_code=self.desa_code,
            category=self.category.code,
            severity=self.severity,
            description=description,
            tps_number=self.tps,
        )
        return ParsedReport(draft, self.category_typed or sms_code(self.category))

    def _example(self) -> str:
        category = self.category or self.suggested or self.taxonomy.categories[0]
        code = (
            self.category_typed if self.category is not None and self.category_typed else sms_code(category)
        )
        desa = self.desa_code or (self.villages[0].code if self.villages else None)
        return example_sms(desa, code, self.severity or 2, self.tps)

    # -- keyword ---------------------------------------------------------------------------------

    def starts_report(self, i: int) -> bool:
        """Whether token ``i`` can only begin a report: a desa code, a TPS, a category, a village name."""
        token = self.tokens[i]
        return (
            _code_like(token.text)
            or _TPS.match(token.word) is not None
            or self.taxonomy.category_for_sms(token.word) is not None
            or self._village_name_at(i) is not None
        )

    def unreadable(self) -> Unreadable:
        first = self.tokens[0].text
        problem = _problem(
            "text",
            "unreadable",
            f"The SMS does not start with LAPOR, INFO or STATUS (it starts with '{first}').",
            "SMS tidak dikenali. Format: LAPOR <kode desa> <kategori> <tingkat> <uraian>. "
            "Kirim INFO untuk daftar kode.",
        )
        return Unreadable([problem], self._example())

    # -- where -----------------------------------------------------------------------------------

    def _village(self, i: int) -> int:
        token = self.at(i)
        if token is not None and _code_like(token.text):
            digits = _CODE_SEPARATORS.sub("", token.text)
            if digits.isdigit() and len(digits) == DESA_DIGITS:
                self.desa_code = dotted(digits)
            else:
                self.problems.append(self._bad_code(token.text, digits))
            return i + 1
        named = self._village_name_at(i)
        if named is not None:
            village, length = named
            self.desa_code = village.code
            return i + length
        if len(self.villages) == 1:
            self.desa_code = self.villages[0].code  # one village only: the code may be left out
            return i
        own = ", ".join(f"{undotted(v.code)} {v.name}" for v in self.villages)
        pesan = "Kode desa belum diisi (10 angka sesudah LAPOR)."
        if own and fits(f"{pesan} Desa Anda: {own}.", SMS_LIMIT - 50):
            pesan = f"{pesan} Desa Anda: {own}."
        self.problems.append(_problem("desa_code", "village_required", "The desa code is missing.", pesan))
        return i

    def _bad_code(self, typed: str, digits: str) -> Problem:
        pesan = f"Kode desa '{typed}' salah: harus 10 angka."
        near = _closest_village(digits, self.villages)
        if near is not None:
            pesan += f" Maksud Anda {undotted(near.code)} ({near.name})?"
        return _problem(
            "desa_code", "bad_village_code", f"'{typed}' is not a 10-digit desa/kelurahan code.", pesan
        )

    def _village_name_at(self, i: int) -> tuple[Village, int] | None:
        """One of the sender's villages written by name (longest name first), and its word count."""
        for village in sorted(self.villages, key=lambda v: -len(v.name.split())):
            words = village.name.upper().split()
            found = [t.word for t in self.tokens[i : i + len(words)]]
            if words and found == words:
                return village, len(words)
        return None

    def _tps(self, i: int) -> int:
        token = self.at(i)
        if token is None:
            return i
        joined = _TPS.match(token.word)
        if joined:
            self.tps = int(joined.group(1))
            return i + 1
        after = self.at(i + 1)
        # "TPS 3 PU 2": a TPS number only when a category and a level follow; else TPS is the category.
        if token.word == "TPS" and after is not None and _NUMBER.match(after.word) and self._pair_at(i + 2):
            self.tps = int(after.word)
            return i + 2
        return i

    # -- what and how serious --------------------------------------------------------------------

    def _pair_at(self, i: int) -> bool:
        a, b = self.at(i), self.at(i + 1)
        if a is None or b is None:
            return False
        cat_a, cat_b = self._category(a), self._category(b)
        sev_a, sev_b = self._severity(a), self._severity(b)
        return (cat_a is not None and sev_b is not None) or (sev_a is not None and cat_b is not None)

    def _category(self, token: _Token) -> CategoryConfig | None:
        return self.taxonomy.category_for_sms(token.word)

    def _take_category(self, token: _Token, category: CategoryConfig) -> None:
        self.category, self.category_typed = category, token.word

    def _severity(self, token: _Token) -> int | None:
        word = token.word
        if word.isdigit() and len(word) <= 2:
            level = int(word)
            return level if 1 <= level <= self.taxonomy.max_severity else None
        return next((s.level for s in self.taxonomy.severities if s.label.upper() == word), None)

    def _category_and_severity(self, i: int) -> int:
        """Read the category and the level in either order; returns where the description starts."""
        a, b = self.at(i), self.at(i + 1)
        if a is None:
            self.problems.append(self._category_missing())
            self.problems.append(self._severity_missing())
            return i
        cat_a, sev_a = self._category(a), self._severity(a)
        cat_b = self._category(b) if b else None
        sev_b = self._severity(b) if b else None
        if cat_a is not None and b is not None and sev_b is not None:
            self._take_category(a, cat_a)
            self.severity = sev_b
            return i + 2
        if sev_a is not None and b is not None and cat_b is not None:
            self._take_category(b, cat_b)
            self.severity = sev_a
            return i + 2
        if cat_a is not None:
            self._take_category(a, cat_a)
            return self._level_problem(b, i + 1)
        if sev_a is not None:
            self.severity = sev_a
            if b is not None and suggest_category(b.word, self.taxonomy) is not None:
                self.problems.append(self._unknown_category(b))
                return i + 2
            self.problems.append(self._category_missing())
            return i + 1
        if _is_number(a) and b is not None and cat_b is not None:
            self._take_category(b, cat_b)
            self.problems.append(self._bad_severity(a))
            return i + 2
        self.problems.append(self._unknown_category(a))
        return self._level_problem(b, i + 1)

    def _level_problem(self, token: _Token | None, i: int) -> int:
        """After a category: the level at ``token`` is missing or wrong, or fine."""
        level = self._severity(token) if token else None
        if level is not None:
            self.severity = level
            return i + 1
        if token is not None and _is_number(token):
            self.problems.append(self._bad_severity(token))
            return i + 1
        self.problems.append(self._severity_missing())
        return i

    def _levels(self) -> str:
        top, label = self.taxonomy.max_severity, self.taxonomy.severity_label
        return f"1 ({label(1).lower()}) sampai {top} ({label(top).lower()})"

    def _severity_missing(self) -> Problem:
        return _problem(
            "severity",
            "severity_required",
            f"The level (1-{self.taxonomy.max_severity}) is missing after the category.",
            f"Tingkat belum diisi: tulis angka {self._levels()} sesudah kategori.",
        )

    def _bad_severity(self, token: _Token) -> Problem:
        top = self.taxonomy.max_severity
        return _problem(
            "severity",
            "bad_severity",
            f"Level '{token.text}' is not a whole number from 1 to {top}.",
            f"Tingkat '{token.text}' salah: isi angka {self._levels()}.",
        )

    def _category_missing(self) -> Problem:
        return _problem(
            "category",
            "category_required",
            "The category code is missing.",
            "Kode kategori belum diisi (mis. "
            + " ".join(sms_code(c) for c in self.taxonomy.categories[:3])
            + "). Kirim INFO untuk daftar kode.",
        )

    def _unknown_category(self, token: _Token) -> Problem:
        near = suggest_category(token.word, self.taxonomy)
        message = f"Unknown category code '{token.text}'."
        if near is None:
            pesan = f"Kategori '{token.text}' tidak dikenal. Kirim INFO untuk daftar kode."
        else:
            self.suggested = near
            message += f" Suggested: {sms_code(near)} ({near.code})."
            pesan = f"Kategori '{token.text}' tidak dikenal. Maksud Anda {sms_code(near)} ({near.label})?"
            if not fits(pesan, SMS_LIMIT - 50):  # keep room for the example in the same SMS
                pesan = f"Kategori '{token.text}' tidak dikenal. Maksud Anda {sms_code(near)}?"
        return _problem("category", "unknown_category", message, pesan)


def _code_like(text: str) -> bool:
    """Meant as a desa code: mostly digits, at least six of them (a level or TPS number has fewer)."""
    return sum(ch.isdigit() for ch in text) >= 6


def _is_number(token: _Token) -> bool:
    return token.word.isdigit()


def _closest_village(digits: str, villages: Sequence[Village]) -> Village | None:
    by_digits = {undotted(v.code): v for v in villages}
    found = process.extractOne(digits, list(by_digits), scorer=fuzz.ratio, score_cutoff=SUGGEST_SCORE)
    return by_digits[found[0]] if found else None


# --- help -----------------------------------------------------------------------------------------


def help_messages(taxonomy: Taxonomy, desa_code: str | None = None) -> list[str]:
    """The syntax and every category code, over as few SMS as possible (two with the shipped taxonomy)."""
    first = taxonomy.categories[0]
    levels = ", ".join(f"{s.level} {s.label}" for s in taxonomy.severities)
    syntax = fit(
        "Format: LAPOR <kode desa> <kategori> <tingkat> <uraian>.",
        example_sms(desa_code, sms_code(first), 2, description="Ada kejadian di RT 05") + ".",
        f"Tingkat: {levels}.",
    )
    codes = [sms_code(c) for c in taxonomy.categories]
    codes[-1] += "."
    return [syntax, *pack("Kategori:", codes, "Arti kode: INFO <kode>. Cek laporan: STATUS <nomor>.")]


def code_help(topic: str, taxonomy: Taxonomy) -> str | None:
    """``INFO PU``: what a category code or a level means, or the closest code; None if nothing is close."""
    category = taxonomy.category_for_sms(topic)
    if category is not None:
        others = [s for s in category.sms if s.upper() != sms_code(category).upper()]
        also = f" Juga: {' '.join(others)}." if others else ""
        return fit(f"{sms_code(category)} = {category.label}.{also}")
    if topic.isdigit():
        level = next((s for s in taxonomy.severities if s.level == int(topic)), None)
        if level is not None:
            return fit(f"Tingkat {level.level} = {level.label}: {level.description}.")
    near = suggest_category(topic, taxonomy)
    if near is not None:
        return fit(f"Kode '{topic}' tidak dikenal. Maksud Anda {sms_code(near)} = {near.label}?")
    return None  # "INFO saya mau lapor": the full help serves better


@dataclass
class SmsCodeRow:
    """One row of the category card (docs/sms.md, ``tigapilar sms codes``)."""

    code: str
    also: list[str] = field(default_factory=list)
    label: str = ""
    category: str = ""


def code_rows(taxonomy: Taxonomy) -> list[SmsCodeRow]:
    rows = []
    for category in taxonomy.categories:
        main = sms_code(category)
        also = [s for s in category.sms if s.upper() != main.upper()]
        rows.append(SmsCodeRow(main, also, category.label, category.code))
    return rows


def code_table(taxonomy: Taxonomy) -> str:
    """The category codes as a Markdown table (the card in docs/sms.md is this output)."""
    lines = ["| Kode | Juga | Kategori | Kode sistem |", "|---|---|---|---|"]
    for row in code_rows(taxonomy):
        lines.append(f"| {row.code} | {' '.join(row.also) or '-'} | {row.label} | `{row.category}` |")
    return "\n".join(lines)

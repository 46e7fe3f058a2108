"""A message to tell people about, and how it reads as a webhook body and as an email."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
# (field, limit): the column sizes of storage/models/notifications.py.
_LIMITS = (("kind", 40), ("subject", 80), ("title_id", 200), ("title_en", 200), ("link", 200))


@dataclass(frozen=True)
class Message:
    """What happened, in Indonesian and English, with the place and severity the channels filter on.

    ``subject`` names what it is about (``alert:123``); with ``kind`` and the moment it is published
    it fixes the webhook delivery id, so a receiver can de-duplicate retries.
    """

    kind: str  # e.g. alert.created, alert.escalated, alert.status, alert.overdue
    subject: str  # e.g. alert:123
    area_code: str | None  # Kemendagri code of the place
    severity: int | None  # 1..4
    title_id: str
    title_en: str
    body_id: str
    body_en: str
    link: str | None = None  # a path in the web UI, e.g. /peringatan/123
    payload: dict[str, Any] = field(default_factory=dict)  # JSON-able, sent with webhooks

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise ValueError(f"message kind {self.kind!r}: lower-case words joined by dots")
        for name, limit in _LIMITS:
            value = getattr(self, name)
            if value is not None and not 0 < len(value) <= limit:
                raise ValueError(f"message {name} must be 1..{limit} characters, got {len(value)}")
        if self.link is not None and not self.link.startswith("/"):
            raise ValueError(f"message link must be a path of the web UI, got {self.link!r}")
        json.dumps(self.payload)  # fail in the caller, not in the sender hours later

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_id

    def body(self, language: str) -> str:
        return self.body_en if language == "en" else self.body_id


def utc_iso(moment: datetime) -> str:
    """``2024-11-27T04:00:00Z``: UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def webhook_body(message: Message, delivery_id: str, occurred_at: datetime) -> str:
    """The JSON body POSTed to webhooks; kept as text so that every retry sends the same bytes."""
    document = {
        "id": delivery_id,
        "kind": message.kind,
        "subject": message.subject,
        "occurred_at": utc_iso(occurred_at),
        "area_code": message.area_code,
        "severity": message.severity,
        "title_id": message.title_id,
        "title_en": message.title_en,
        "body_id": message.body_id,
        "body_en": message.body_en,
        "link": message.link,
        "payload": message.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class EmailText:
    subject: str
    text: str

    def as_json(self) -> str:
        return json.dumps({"subject": self.subject, "text": self.text}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> EmailText:
        stored = json.loads(text)
        return cls(subject=stored["subject"], text=stored["text"])


_SEVERITY = {"id": "Tingkat", "en": "Severity"}
_OPEN = {"id": "Buka di tigapilar", "en": "Open in tigapilar"}
_FOOTER = {
    "id": "Pesan otomatis dari tigapilar. Jangan membalas email ini.",
    "en": "An automatic message from tigapilar. Do not reply to this email.",
}


def email_text(message: Message, language: str, base_url: str) -> EmailText:
    """The email for one recipient, in the recipient's language (Indonesian unless English)."""
    lang = "en" if language == "en" else "id"
    title = message.title(lang)
    subject = f"[tigapilar] {title}"
    if message.severity is not None:
        subject = f"[tigapilar] [{_SEVERITY[lang]} {message.severity}] {title}"
    lines = [title, "", message.body(lang)]
    if message.link:
        lines += ["", f"{_OPEN[lang]}: {base_url}{message.link}"]
    lines += ["", "--", _FOOTER[lang]]
    return EmailText(subject=subject, text="\n".join(lines) + "\n")

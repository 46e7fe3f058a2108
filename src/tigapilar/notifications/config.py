"""What notifications go where: webhook endpoints and email rules from ``notifications.toml``, SMTP
from the environment.

No ``notifications.toml`` is shipped: without one in ``TIGAPILAR_CONFIG_DIR`` there are no webhooks
(``data/notifications.example.toml`` documents the format). Secrets are never in the file: each
endpoint names the environment variable that holds its HMAC secret (``secret_env``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from importlib import resources
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tigapilar.core.configfiles import ConfigError, parse_config
from tigapilar.core.scope import Scope
from tigapilar.core.settings import Settings

NOTIFICATIONS_FILE = "notifications.toml"
EXAMPLE_FILE = "notifications.example.toml"
_AREA = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_KIND_PATTERN = re.compile(r"^[a-z0-9_.*?\[\]-]{1,40}$")


class Retries(BaseModel):
    """How a channel retries: attempt n waits min(cap, base × 2^(n-1)), less up to 20 % jitter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(default=8, ge=1, le=50)
    backoff_base_seconds: float = Field(default=30, gt=0, le=86_400)
    backoff_cap_seconds: float = Field(default=3600, gt=0, le=7 * 86_400)
    timeout_seconds: float = Field(default=10, gt=0, le=300)

    @model_validator(mode="after")
    def _cap_above_base(self) -> Self:
        if self.backoff_cap_seconds < self.backoff_base_seconds:
            raise ValueError("backoff_cap_seconds must not be below backoff_base_seconds")
        return self


class Filters(BaseModel):
    """Which messages a channel takes: kinds (globs such as ``alert.*``) and the lowest severity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events: tuple[str, ...] = Field(default=("*",), min_length=1)
    min_severity: int = Field(default=1, ge=1, le=9)

    @field_validator("events")
    @classmethod
    def _globs(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        bad = [e for e in events if not _KIND_PATTERN.match(e)]
        if bad:
            raise ValueError(f"not an event kind or glob (e.g. alert.*): {', '.join(bad)}")
        return events

    def takes_kind(self, kind: str) -> bool:
        return any(fnmatchcase(kind, pattern) for pattern in self.events)

    def takes_severity(self, severity: int | None) -> bool:
        # A message without a severity only passes a filter that asks for none.
        return self.min_severity <= 1 if severity is None else severity >= self.min_severity


class WebhookConfig(Retries, Filters):
    """One receiver: where to POST, the variable holding its secret, what it wants, how to retry."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,59}$")
    url: str = Field(max_length=2000)
    secret_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
    # Kemendagri codes: a code covers itself and everything below it; none: every place.
    areas: tuple[str, ...] = ()

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        return _checked_url(url)

    @field_validator("areas")
    @classmethod
    def _codes(cls, areas: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in areas if not _AREA.match(a)]
        if bad:
            raise ValueError(f"not Kemendagri codes (e.g. 64.72): {', '.join(bad)}")
        return areas

    def takes(self, kind: str, area_code: str | None, severity: int | None) -> bool:
        if not (self.takes_kind(kind) and self.takes_severity(severity)):
            return False
        if not self.areas:
            return True
        return area_code is not None and Scope.of(self.areas).covers(area_code)


class EmailConfig(Retries, Filters):
    """Which messages also go by email to recipients who have an address (when SMTP is set up)."""

    max_attempts: int = Field(default=5, ge=1, le=50)
    backoff_base_seconds: float = Field(default=60, gt=0, le=86_400)
    timeout_seconds: float = Field(default=30, gt=0, le=300)


class NotificationsFile(BaseModel):
    """The contents of ``notifications.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The web address of this installation: email links become absolute with it.
    base_url: str = Field(default="", max_length=300)
    webhook: tuple[WebhookConfig, ...] = ()
    email: EmailConfig = EmailConfig()

    @field_validator("base_url")
    @classmethod
    def _base(cls, url: str) -> str:
        return _checked_url(url).rstrip("/") if url else url

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        names = [w.name for w in self.webhook]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"webhook name(s) used twice: {', '.join(repeated)}")
        return self


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    return url


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    sender: str
    starttls: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """SMTP from ``TIGAPILAR_SMTP_*``; None (email off) when no host is set."""
        if not settings.smtp_host:
            return None
        if not settings.smtp_from:
            raise ConfigError(
                "environment", [("TIGAPILAR_SMTP_FROM", "required when TIGAPILAR_SMTP_HOST is set")]
            )
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
        )


@dataclass(frozen=True)
class NotificationConfig:
    """Everything ``publish`` and ``deliver_due`` need; the default sends in-app notifications only."""

    webhooks: tuple[WebhookConfig, ...] = ()
    email: EmailConfig = field(default_factory=EmailConfig)
    smtp: SmtpConfig | None = None
    base_url: str = ""
    # Environment variable name -> HMAC secret, for the variables the endpoints name.
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    source: str = "none"

    def webhook(self, name: str) -> WebhookConfig | None:
        return next((w for w in self.webhooks if w.name == name), None)

    def secret_of(self, webhook: WebhookConfig) -> str | None:
        return self.secrets.get(webhook.secret_env) or None

    def emails_on(self) -> bool:
        return self.smtp is not None


def notification_config(
    file: NotificationsFile,
    smtp: SmtpConfig | None = None,
    environ: Mapping[str, str] | None = None,
    source: str = "inline",
) -> NotificationConfig:
    """A config from a parsed file; secrets are read from ``environ`` (default: the process's)."""
    env = os.environ if environ is None else environ
    names = {w.secret_env for w in file.webhook}
    return NotificationConfig(
        webhooks=file.webhook,
        email=file.email,
        smtp=smtp,
        base_url=file.base_url,
        secrets={name: env[name] for name in names if env.get(name)},
        source=source,
    )


def load_notification_config(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> NotificationConfig:
    """``notifications.toml`` from the config directory (none: no webhooks) and SMTP from settings.

    A bad file raises :class:`ConfigError` with every problem and its place. A secret variable that
    is not set does not: that endpoint's deliveries fail with the reason in the delivery log.
    """
    path = settings.config_dir / NOTIFICATIONS_FILE if settings.config_dir is not None else None
    if path is not None and path.is_file():
        file = parse_config(str(path), path.read_text(encoding="utf-8"), NotificationsFile)
        source = str(path)
    else:
        file, source = NotificationsFile(), "none"
    return notification_config(file, SmtpConfig.from_settings(settings), environ, source)


def example_text() -> str:
    """The documented example ``notifications.toml`` shipped with tigapilar."""
    return resources.files("tigapilar.notifications").joinpath("data", EXAMPLE_FILE).read_text("utf-8")

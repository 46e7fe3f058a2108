"""Runtime settings, read from environment variables (``TIGAPILAR_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

DEFAULT_DATA_DIR = Path("var")


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    timezone: str = "Asia/Makassar"
    default_language: str = "id"
    secure_cookies: bool = False
    # Login rate limit: at most this many failures per username+address in the window.
    login_max_failures: int = 5
    login_window_seconds: int = 300
    session_hours: int = 12
    # Directory of configuration overrides (categories, election calendar, ...); None: shipped files.
    config_dir: Path | None = None
    # Attachments (photos, files) sent with reports: per-file limit, in bytes.
    max_attachment_bytes: int = 10 * 1024 * 1024
    # Shared secret that SMS gateways send with every message (empty: the SMS webhook is off).
    sms_gateway_secret: str = ""
    # Vulnerability profiles kept live as reports are verified (each must exist as a profile file).
    risk_profiles: tuple[str, ...] = ("tps-rawan-2024", "ikp-2024")
    # Seconds between detector cycles of the embedded scheduler; 0: off (tests, or cron instead).
    # From the environment it defaults to 300, so that a served installation detects by itself.
    detector_interval_seconds: float = 0
    # The server's clock starts at this moment and runs on (the demo lives in its election's time).
    # None: the real time, as in production.
    clock_start: datetime | None = None
    # Email notifications through SMTP (empty host: no email is sent).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: bool = True
    # Daily situation reports written by the scheduler (region codes; empty: off), after this local hour.
    sitrep_areas: tuple[str, ...] = ()
    sitrep_hour: int = 6
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("TIGAPILAR_DATA_DIR", str(DEFAULT_DATA_DIR)))
        url = env.get("TIGAPILAR_DATABASE_URL") or sqlite_url(data_dir / "tigapilar.db")
        return cls(
            database_url=normalise_database_url(url),
            data_dir=data_dir,
            timezone=env.get("TIGAPILAR_TIMEZONE", "Asia/Makassar"),
            default_language=env.get("TIGAPILAR_LANGUAGE", "id"),
            secure_cookies=env.get("TIGAPILAR_SECURE_COOKIES", "").lower() in {"1", "true", "yes"},
            login_max_failures=int(env.get("TIGAPILAR_LOGIN_MAX_FAILURES", "5")),
            login_window_seconds=int(env.get("TIGAPILAR_LOGIN_WINDOW_SECONDS", "300")),
            session_hours=int(env.get("TIGAPILAR_SESSION_HOURS", "12")),
            config_dir=Path(env["TIGAPILAR_CONFIG_DIR"]) if env.get("TIGAPILAR_CONFIG_DIR") else None,
            max_attachment_bytes=int(env.get("TIGAPILAR_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))),
            sms_gateway_secret=env.get("TIGAPILAR_SMS_GATEWAY_SECRET", ""),
            risk_profiles=tuple(
                p.strip()
                for p in env.get("TIGAPILAR_RISK_PROFILES", "tps-rawan-2024,ikp-2024").split(",")
                if p.strip()
            ),
            detector_interval_seconds=float(env.get("TIGAPILAR_DETECTOR_INTERVAL", "300")),
            clock_start=_aware(env["TIGAPILAR_CLOCK_START"]) if env.get("TIGAPILAR_CLOCK_START") else None,
            smtp_host=env.get("TIGAPILAR_SMTP_HOST", ""),
            smtp_port=int(env.get("TIGAPILAR_SMTP_PORT", "587")),
            smtp_user=env.get("TIGAPILAR_SMTP_USER", ""),
            smtp_password=env.get("TIGAPILAR_SMTP_PASSWORD", ""),
            smtp_from=env.get("TIGAPILAR_SMTP_FROM", ""),
            smtp_starttls=env.get("TIGAPILAR_SMTP_STARTTLS", "1").lower() not in {"0", "false", "no"},
            sitrep_areas=tuple(
                a.strip() for a in env.get("TIGAPILAR_SITREP_AREAS", "").split(",") if a.strip()
            ),
            sitrep_hour=int(env.get("TIGAPILAR_SITREP_HOUR", "6")),
        )


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(
            f"TIGAPILAR_CLOCK_START needs a time zone, e.g. 2024-12-16T23:59+08:00, not {text!r}"
        )
    return moment


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def normalise_database_url(url: str) -> str:
    """Accept the ``postgresql://`` form people copy from docs and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

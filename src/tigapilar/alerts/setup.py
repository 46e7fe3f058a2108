"""Everything the alert functions need besides the session and the time, loaded once."""

from __future__ import annotations

from dataclasses import dataclass

from tigapilar.alerts.config import AlertsConfig, load_alerts_config
from tigapilar.core.settings import Settings
from tigapilar.elections.calendar import Calendar, load_calendar
from tigapilar.notifications.config import NotificationConfig, load_notification_config


@dataclass(frozen=True)
class AlertSetup:
    config: AlertsConfig
    notifications: NotificationConfig
    calendar: Calendar
    timezone: str


def load_setup(settings: Settings) -> AlertSetup:
    return AlertSetup(
        config=load_alerts_config(settings.config_dir),
        notifications=load_notification_config(settings),
        calendar=load_calendar(settings.config_dir, settings.timezone),
        timezone=settings.timezone,
    )

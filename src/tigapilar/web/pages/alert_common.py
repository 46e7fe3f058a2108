"""What every alert page shares: the labels an alert is shown with (in the viewer's language, times in
WITA), its own error pages and the alert navigation.

Pages read and change alerts only through :mod:`tigapilar.alerts.views`, ``workflow`` and ``metrics``,
which apply the caller's scope, the partners' blurring and the permission to act.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from tigapilar.accounts.roles import Permission
from tigapilar.alerts.setup import AlertSetup
from tigapilar.alerts.workflow import STATUS_LABELS
from tigapilar.core.errors import TigapilarError
from tigapilar.organisation.kinds import UNIT_KINDS, kind_label
from tigapilar.storage.models import Unit, User
from tigapilar.web.pages.report_common import Viewer, show

LIST = "/peringatan"


def alert_setup(request: Request) -> AlertSetup:
    setup: AlertSetup = request.app.state.alert_setup
    return setup


@dataclass(frozen=True)
class AlertLabels:
    """How the parts of an alert read for one viewer (``al`` in the templates)."""

    viewer: Viewer
    setup: AlertSetup

    @property
    def english(self) -> bool:
        return self.viewer.language == "en"

    @property
    def may_respond(self) -> bool:
        return self.viewer.principal.can(Permission.RESPOND_ALERTS)

    def status(self, status: str | None) -> str:
        if not status:
            return ""
        label, label_en = STATUS_LABELS.get(status, (status, status))
        return label_en if self.english else label

    def title(self, alert: Any) -> str:
        return str(alert.title_en if self.english else alert.title)

    def explanation(self, detection: Any) -> str:
        return str(detection.explanation_en if self.english else detection.explanation)

    def text(self, entry: Any) -> str:
        """A timeline entry's text; what people typed has no English version and is shown as typed."""
        return str((entry.text_en if self.english else None) or entry.text or "")

    def action(self, code: str | None) -> str:
        return self.setup.config.response.action_label(code, self.viewer.language) if code else ""

    def detector(self, code: str) -> str:
        return self.viewer.t(f"alerts.detector.{code}")

    def event(self, kind: str) -> str:
        return self.viewer.t(f"alerts.event.{kind}")

    def unit_kind(self, kind: str) -> str:
        for agency, kinds in UNIT_KINDS.items():
            if kind in kinds:
                return kind_label(agency, kind)
        return kind

    def minutes(self, value: float | None) -> str:
        if value is None:
            return self.viewer.t("alerts.detail.not_reached")
        return self.viewer.t("alerts.minutes", value=self.viewer.decimal(value))

    def figure(self, value: float | None) -> str:
        """A statistic or p-value: four significant digits, the decimal comma in Indonesian."""
        if value is None:
            return ""
        text = f"{value:.4g}"
        return text.replace(".", ",") if self.viewer.language == "id" else text


def own_unit(session: Session, viewer: Viewer) -> Unit | None:
    """The unit the caller's account acts for (``User.unit_id``), if any."""
    return session.scalar(
        select(Unit).join(User, User.unit_id == Unit.id).where(User.id == viewer.principal.user_id)
    )


def show_alert_page(
    request: Request,
    viewer: Viewer,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HTMLResponse:
    full = {"al": AlertLabels(viewer, alert_setup(request)), "nav_current": "alerts", **context}
    return show(request, viewer, template, full, status=status)


def alert_error_page(request: Request, viewer: Viewer, status: int, message: str) -> HTMLResponse:
    kind = {403: "forbidden", 404: "not_found", 409: "conflict"}.get(status, "invalid")
    context = {"title": viewer.t(f"reports.error.title_{kind}"), "message": message}
    return show_alert_page(request, viewer, "alerts/error.html", context, status=status)


def alert_not_found_page(request: Request, viewer: Viewer) -> HTMLResponse:
    return alert_error_page(request, viewer, 404, viewer.t("alerts.error.not_found"))


def alert_failure_page(request: Request, viewer: Viewer, error: TigapilarError) -> HTMLResponse:
    return alert_error_page(request, viewer, error.status, viewer.error_text(error))

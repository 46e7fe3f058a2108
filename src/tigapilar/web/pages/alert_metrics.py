"""Page: ``/peringatan/metrik``, how fast the alerts in the caller's scope were answered, per unit
(the alerts routed to it) and per kab/kota: medians to acknowledge and to close, open, overdue and
escalated alerts. Computed by :mod:`tigapilar.alerts.metrics` over the alerts the caller may see."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tigapilar.alerts import metrics
from tigapilar.alerts.views import AlertFilter
from tigapilar.web.deps import DbSession, Now
from tigapilar.web.pages.alert_common import LIST, show_alert_page
from tigapilar.web.pages.report_common import Viewer, guard

router = APIRouter()
KABKOTA = 2  # region level of the per-area table


@router.get(LIST + "/metrik", response_model=None)
def alert_metrics(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    everything = AlertFilter()
    context = {
        "title": viewer.t("alerts.metrics.title"),
        "nav_current": "metrics",
        "by_unit": metrics.metrics_by_unit(session, viewer.principal, everything, now),
        "by_area": metrics.metrics_by_area(session, viewer.principal, everything, KABKOTA, now),
    }
    return show_alert_page(request, viewer, "alerts/metrics.html", context)

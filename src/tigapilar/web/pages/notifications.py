"""Page: ``/notifikasi``, the caller's own in-app notifications, newest first, with "tandai dibaca"
for one (``/notifikasi/{id}/dibaca``) or all (``/notifikasi/dibaca-semua``); and the unread count
every page's header shows beside the "Peringatan" link (:func:`unread_badge`).

Only the caller's own notifications are ever read or marked (:mod:`tigapilar.notifications.inbox`):
another user's answers like one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from tigapilar.core.errors import NotFound
from tigapilar.core.pagination import PageRequest
from tigapilar.notifications import inbox
from tigapilar.storage.models import Notification
from tigapilar.web.deps import DbSession, Now
from tigapilar.web.pages.rendering import redirect
from tigapilar.web.pages.report_common import Viewer, error_page, guard, record_id, show
from tigapilar.web.pages.session import page_principal

router = APIRouter()
INBOX = "/notifikasi"
PAGE_SIZE = 25
UNREAD_ONLY = "belum"  # ?tampil=belum: unread only
FLASHES = ("dibaca", "semua")


def unread_badge(request: Request, session: DbSession, now: Now) -> None:
    """A dependency of every page: the logged-in caller's unread count, for the header's badge
    (``request.state.nav_unread``; left unset when nobody is logged in).

    It shares the page's session (FastAPI gives a request one) and ends its transaction at once, as
    the API's caller lookup does, so the page never holds one connection while waiting for another.
    """
    principal = page_principal(request, session, now)
    if principal is not None:
        request.state.nav_unread = inbox.unread_count(session, principal.user_id)
    session.commit()


def safe_link(row: Notification) -> str | None:
    """The page a notification points to: only a path of this site, never another address."""
    link = (row.link or "").strip()
    return link if link.startswith("/") and not link.startswith("//") and "\\" not in link else None


@router.get(INBOX, response_model=None)
def notifications_page(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    return _inbox(request, session, viewer)


def _inbox(request: Request, session: Session, viewer: Viewer) -> HTMLResponse:
    unread_only = request.query_params.get("tampil") == UNREAD_ONLY
    number = record_id(request.query_params.get("halaman")) or 1
    paging = PageRequest(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    page = inbox.list_notifications(session, viewer.principal.user_id, paging, True if unread_only else None)
    unread = inbox.unread_count(session, viewer.principal.user_id)
    kind = request.query_params.get("ok")
    context = {
        "title": viewer.t("notifications.title"),
        "nav_current": "notifications",
        "page": page,
        "rows": [(row, safe_link(row)) for row in page.items],
        "unread": unread,
        "unread_only": unread_only,
        "current": number,
        "pages": max(1, -(-page.total // PAGE_SIZE)),
        "page_link": lambda n: f"?tampil={UNREAD_ONLY}&halaman={n}" if unread_only else f"?halaman={n}",
        "flash": viewer.t(f"notifications.flash.{kind}") if kind in FLASHES else None,
    }
    return show(request, viewer, "notifications/list.html", context)


@router.post(INBOX + "/dibaca-semua", response_model=None)
def mark_all(request: Request, session: DbSession, now: Now) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    inbox.mark_all_read(session, viewer.principal.user_id, now)
    session.commit()
    return redirect(request, f"{INBOX}?ok=semua")


@router.post(INBOX + "/{notification_id}/dibaca", response_model=None)
def mark_one(
    request: Request, session: DbSession, now: Now, notification_id: str
) -> HTMLResponse | RedirectResponse:
    viewer = guard(request, session, now)
    if not isinstance(viewer, Viewer):
        return viewer
    found = record_id(notification_id)
    try:
        if found is None:
            raise inbox.NotificationNotFound()
        inbox.mark_read(session, viewer.principal.user_id, found, now)
    except NotFound as exc:
        return error_page(request, viewer, 404, viewer.error_text(exc))
    session.commit()
    return redirect(request, f"{INBOX}?ok=dibaca")

"""FastAPI dependencies: a database session per request, the request's clock and the authenticated caller.

CSRF: a browser sends the session cookie with any request to this site, including one forged by
another site. State-changing requests (anything but GET/HEAD/OPTIONS) authenticated *by the cookie*
must therefore come from a page of this site: their ``Origin`` header (or, when a browser leaves it
out, their ``Referer``) must name the host the request was sent to. Requests with neither header
are refused too. Bearer-token requests need no check: another site cannot make a browser add an
``Authorization`` header. The session cookie is also SameSite=Lax, which already keeps it off
cross-site POSTs in current browsers; the origin check is the defence that does not depend on that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.tokens import principal_for_token
from tigapilar.core.errors import TigapilarError
from tigapilar.core.pagination import PageRequest
from tigapilar.core.settings import Settings
from tigapilar.reports.intake import Intake
from tigapilar.storage.db import Database
from tigapilar.storage.models.base import utcnow

SESSION_COOKIE = "tigapilar_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_session(request: Request) -> Iterator[Session]:
    with get_database(request).session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_address(request: Request) -> str:
    """The client's IP (behind a proxy, uvicorn's --forwarded-allow-ips makes this the real one)."""
    return request.client.host if request.client else "unknown"


def set_session_cookie(
    response: Response, token: str, expires_at: datetime, now: datetime, settings: Settings
) -> None:
    # HttpOnly: page scripts never need it; Lax: not sent on cross-site POSTs; Secure behind HTTPS.
    # Max-Age rather than Expires: it is relative, so a phone with a wrong clock still keeps it.
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(0, int((expires_at - now).total_seconds())),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies
    )


def request_time(request: Request) -> datetime:
    """Now, from ``app.state.clock`` when one is set (tests move time without sleeping)."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utcnow()


Now = Annotated[datetime, Depends(request_time)]


def get_intake(request: Request) -> Intake:
    """The report intake pipeline shared by every channel (one per app, see ``create_app``)."""
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(get_intake)]


def credentials(request: Request) -> tuple[str | None, bool]:
    """The token sent with the request and whether it came from the session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def bearer_or_cookie_token(request: Request) -> str | None:
    return credentials(request)[0]


class CrossSiteRequestError(TigapilarError):
    def __init__(self) -> None:
        super().__init__(
            code="auth.csrf",
            message="Request refused: it did not come from a page of this site (CSRF protection).",
            pesan="Permintaan ditolak karena tidak berasal dari halaman situs ini.",
            status=403,
        )


def _host(netloc: str) -> str:
    """Lower-case host[:port] without the default ports, which browsers and proxies drop freely."""
    host = netloc.strip().lower().rsplit("@", 1)[-1]
    for default in (":80", ":443"):
        if host.endswith(default):
            return host[: -len(default)]
    return host


def check_same_origin(request: Request, *, required: bool) -> None:
    """Refuse a request whose Origin/Referer names another site; with ``required``, also one naming none."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        if required:
            raise CrossSiteRequestError()
        return
    # "null" (sandboxed frames, some redirects) gives no host and is refused like a foreign origin.
    expected = _host(request.headers.get("host", ""))
    if not expected or _host(urlsplit(source).netloc) != expected:
        raise CrossSiteRequestError()


class NotAuthenticatedError(TigapilarError):
    def __init__(self) -> None:
        super().__init__(
            code="auth.required",
            message="Log in or send a valid bearer token.",
            pesan="Silakan masuk terlebih dahulu.",
            status=401,
        )


def current_principal(request: Request, session: DbSession, now: Now) -> Principal:
    token, from_cookie = credentials(request)
    if from_cookie and request.method not in SAFE_METHODS:
        check_same_origin(request, required=True)
    principal = principal_for_token(session, token, now) if token else None
    # End the lookup's transaction: the connection goes back to the pool until the endpoint needs
    # one, so a request never holds a connection while waiting for another.
    session.commit()
    if principal is None:
        raise NotAuthenticatedError()
    return principal


Caller = Annotated[Principal, Depends(current_principal)]


def page_request(limit: int = 50, offset: int = 0) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


Paging = Annotated[PageRequest, Depends(page_request)]

"""Who is logged in on a page request: pages use the session cookie only, never a bearer token."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.tokens import principal_for_token
from tigapilar.web.deps import SESSION_COOKIE


def page_principal(request: Request, session: Session, now: datetime) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    return principal_for_token(session, token, now) if token else None

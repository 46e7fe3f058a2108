"""FastAPI dependencies: a database session per request and the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tigapilar.accounts.principal import Principal
from tigapilar.accounts.tokens import principal_for_token
from tigapilar.core.errors import TigapilarError
from tigapilar.core.pagination import PageRequest
from tigapilar.storage.db import Database

SESSION_COOKIE = "tigapilar_session"


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_session(request: Request) -> Iterator[Session]:
    with get_database(request).session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def bearer_or_cookie_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


class NotAuthenticated(TigapilarError):
    def __init__(self) -> None:
        super().__init__(
            code="auth.required",
            message="Log in or send a valid bearer token.",
            pesan="Silakan masuk terlebih dahulu.",
            status=401,
        )


def current_principal(request: Request, session: DbSession) -> Principal:
    token = bearer_or_cookie_token(request)
    principal = principal_for_token(session, token) if token else None
    if principal is None:
        raise NotAuthenticated()
    return principal


Caller = Annotated[Principal, Depends(current_principal)]


def page_request(limit: int = 50, offset: int = 0) -> PageRequest:
    return PageRequest(limit=limit, offset=offset)


Paging = Annotated[PageRequest, Depends(page_request)]

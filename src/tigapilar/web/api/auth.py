"""API: logging in and out, "who am I", and the caller's own API tokens."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tigapilar.accounts.login import LoginLimits, RateLimitedError, authenticate
from tigapilar.accounts.profile import profile_of
from tigapilar.accounts.roles import role_label
from tigapilar.accounts.service import user_record
from tigapilar.accounts.sessions import (
    MAX_TOKEN_DAYS,
    MAX_TOKEN_NAME,
    TokenInfo,
    create_api_token,
    list_api_tokens,
    revoke_own_token,
    start_session,
)
from tigapilar.accounts.tokens import revoke_token
from tigapilar.web.api.users import AreaOut, UserOut, user_out
from tigapilar.web.deps import (
    Caller,
    DbSession,
    Now,
    check_same_origin,
    clear_session_cookie,
    client_address,
    credentials,
    get_settings,
    set_session_cookie,
)
from tigapilar.web.errors import error_response

router = APIRouter()


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class LoginOut(BaseModel):
    token: str = Field(description="The session token; also set as the HttpOnly cookie tigapilar_session.")
    expires_at: datetime
    user: UserOut


class MeOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    national: bool
    scope: list[str] = Field(description="Region codes the caller may see; empty when national.")
    areas: list[AreaOut]
    permissions: list[str]
    language: str
    officer_id: int | None


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=MAX_TOKEN_NAME)
    days: int | None = Field(default=None, ge=1, le=MAX_TOKEN_DAYS, description="Lifetime; none: no expiry.")


class TokenOut(BaseModel):
    id: int
    name: str | None
    created_at: datetime
    expires_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret: shown only now, store it safely.")


def _token_out(info: TokenInfo) -> TokenOut:
    return TokenOut(id=info.id, name=info.name, created_at=info.created_at, expires_at=info.expires_at)


@router.post("/auth/login", response_model=LoginOut)
def login(
    body: LoginIn, request: Request, response: Response, session: DbSession, now: Now
) -> LoginOut | JSONResponse:
    """Check a username and password; answer a session token and set it as an HttpOnly cookie.

    After too many failures for the username or the client address, answers 429
    ``auth.rate_limited`` with a Retry-After header, even for the right password.
    """
    # Login CSRF (logging a victim into the attacker's account) is refused when a browser says so.
    check_same_origin(request, required=False)
    settings = get_settings(request)
    limits = LoginLimits.from_settings(settings)
    try:
        user = authenticate(session, body.username, body.password, client_address(request), now, limits)
    except RateLimitedError as exc:
        return error_response(exc.status, exc.as_dict(), {"Retry-After": str(exc.retry_after)})
    previous, _ = credentials(request)
    if previous:
        revoke_token(session, previous)  # a new login never keeps an earlier session of this browser
    issued = start_session(session, user, now, settings.session_hours)
    assert issued.expires_at is not None  # sessions always expire
    set_session_cookie(response, issued.token, issued.expires_at, now, settings)
    return LoginOut(
        token=issued.token, expires_at=issued.expires_at, user=user_out(user_record(session, user.id))
    )


@router.post("/auth/logout", status_code=204)
def logout(request: Request, session: DbSession) -> Response:
    """Revoke the session (or bearer token) this request carries and clear the cookie."""
    token, from_cookie = credentials(request)
    if from_cookie:
        check_same_origin(request, required=True)
    if token:
        revoke_token(session, token)
    response = Response(status_code=204)
    clear_session_cookie(response, get_settings(request))
    return response


@router.get("/auth/me")
def me(caller: Caller, session: DbSession) -> MeOut:
    """Who the caller is: role, area scope and permissions."""
    profile = profile_of(session, caller)
    return MeOut(
        id=profile.user_id,
        username=profile.username,
        full_name=profile.full_name,
        role=profile.role.value,
        role_label=role_label(profile.role, profile.language),
        national=profile.national,
        scope=sorted(caller.scope.codes),
        areas=[AreaOut(code=a.code, name=a.name) for a in profile.areas],
        permissions=[p.value for p in profile.permissions],
        language=profile.language,
        officer_id=profile.officer_id,
    )


@router.get("/auth/tokens")
def my_tokens(caller: Caller, session: DbSession, now: Now) -> list[TokenOut]:
    """The caller's API tokens that still work (never their secrets)."""
    return [_token_out(info) for info in list_api_tokens(session, caller, now)]


@router.post("/auth/tokens", status_code=201)
def new_token(body: TokenIn, caller: Caller, session: DbSession, now: Now) -> NewTokenOut:
    """A named API token for the caller's scripts, with exactly the caller's rights."""
    issued = create_api_token(session, caller, body.name, now, body.days)
    return NewTokenOut(
        id=issued.id,
        name=issued.name,
        created_at=issued.created_at,
        expires_at=issued.expires_at,
        token=issued.token,
    )


@router.delete("/auth/tokens/{token_id}", status_code=204)
def delete_token(token_id: int, caller: Caller, session: DbSession) -> Response:
    """Revoke one of the caller's own tokens."""
    revoke_own_token(session, caller, token_id)
    return Response(status_code=204)

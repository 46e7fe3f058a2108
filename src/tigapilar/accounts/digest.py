"""HTTP Digest authentication (RFC 7616 with MD5 and qop=auth, compatible with RFC 2617) for ODK Collect.

Collect's HTTP client answers a Digest challenge on plain HTTP and only falls back to Basic over
HTTPS, so Digest is what works in the field. What is stored and why:

* ``app_user.digest_ha1`` = MD5(username:realm:password), set whenever the password is set. It is a
  password equivalent *for this realm only* (a leaked HA1 cannot log in to the web pages, which
  check the Argon2 hash), so it is kept as carefully as the password hash.
* Nonces are stateless: ``<issued unix time>.<random>.<HMAC-SHA256>``, signed with a secret kept in
  the data directory (shared by every worker process of one installation). Any process verifies
  any nonce without a table; a nonce older than :data:`NONCE_LIFETIME` is answered with
  ``stale=true``, on which clients retry with the new nonce without asking for the password.
* The nonce count is not tracked, so a captured Authorization header can be replayed for the same
  method and URI until its nonce expires. Whoever can capture it can read the traffic anyway;
  HTTPS is the answer to both (see docs/odk.md).

Failed attempts go into the same ``login_failure`` table as web logins and the same limits apply
(:mod:`tigapilar.accounts.login`), so guessing a password over Digest is no faster than on the
login page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

# The limit check is shared with the login form on purpose: one budget of guesses per user/address.
from tigapilar.accounts.login import (
    InvalidCredentialsError,
    LoginLimits,
    refuse_if_limited,
)
from tigapilar.accounts.validation import normalise_username
from tigapilar.storage.models import LoginFailure, User

log = logging.getLogger("tigapilar.digest")

REALM = "tigapilar"
NONCE_LIFETIME = timedelta(minutes=10)
# A nonce "issued" this far in the future (clock moved back, another host's clock ahead) is refused.
NONCE_CLOCK_SKEW = timedelta(minutes=1)
SECRET_FILE = "digest-nonce.key"
_USERNAME_WIDTH = 60  # login_failure.username
_ADDRESS_WIDTH = 64  # login_failure.address
# name=value pairs of an Authorization header; values are tokens or quoted strings with \-escapes.
_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]+)\s*(?:,|$)')


def digest_ha1(username: str, password: str, realm: str = REALM) -> str:
    """MD5(username:realm:password), what a Digest server stores instead of the password."""
    return _md5(f"{username}:{realm}:{password}")


def _md5(text: str) -> str:
    # MD5 is what Digest with algorithm=MD5 is defined with (and all ODK Collect speaks).
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


# -- nonces ----------------------------------------------------------------------------------------


def load_secret(data_dir: Path) -> bytes:
    """The installation's nonce key, created on first use; a per-process key if it cannot be stored.

    ``os.link`` publishes the new key only if no other process did first, so every worker of an
    installation ends up with the same key and accepts the others' nonces.
    """
    path = data_dir / SECRET_FILE
    try:
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(4)}.part")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
            try:
                os.link(partial, path)
            except FileExistsError:
                pass  # another process won the race; use its key
            finally:
                partial.unlink()
        key = path.read_bytes()
        if len(key) >= 32:
            return key
        log.warning("Digest nonce key %s is too short; using a key for this process only", path)
    except OSError as exc:
        log.warning("Digest nonce key %s unusable (%s); using a key for this process only", path, exc)
    return secrets.token_bytes(32)


def make_nonce(secret: bytes, now: datetime) -> str:
    issued = str(int(now.timestamp()))
    salt = secrets.token_hex(8)
    return f"{issued}.{salt}.{_sign(secret, issued, salt)}"


def _sign(secret: bytes, issued: str, salt: str) -> str:
    return hmac.new(secret, f"{issued}.{salt}".encode(), hashlib.sha256).hexdigest()[:32]


class NonceState(StrEnum):
    VALID = "valid"
    STALE = "stale"  # ours, but expired: the client should retry with a fresh one
    FORGED = "forged"  # not issued by this installation


def nonce_state(secret: bytes, nonce: str, now: datetime) -> NonceState:
    parts = nonce.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return NonceState.FORGED
    issued, salt, mac = parts
    if not hmac.compare_digest(mac, _sign(secret, issued, salt)):
        return NonceState.FORGED
    age = now.timestamp() - int(issued)
    if age > NONCE_LIFETIME.total_seconds() or age < -NONCE_CLOCK_SKEW.total_seconds():
        return NonceState.STALE
    return NonceState.VALID


def challenge(nonce: str, *, stale: bool = False) -> str:
    """The ``WWW-Authenticate`` value that asks for Digest credentials."""
    value = f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'
    return value + ", stale=true" if stale else value


# -- the Authorization header ------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestCredentials:
    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    qop: str | None = None
    nc: str | None = None
    cnonce: str | None = None
    algorithm: str | None = None


def parse_authorization(value: str) -> DigestCredentials | None:
    """The parameters of ``Digest k=v, ...`` (without the scheme word), or None if malformed."""
    params: dict[str, str] = {}
    position = 0
    value = value.strip()
    while position < len(value):
        match = _PARAM.match(value, position)
        if match is None:
            return None
        raw = match.group(3)
        text = re.sub(r"\\(.)", r"\1", raw) if raw is not None else match.group(2)
        params[match.group(1).lower()] = text
        position = match.end()
    try:
        return DigestCredentials(
            username=params["username"],
            realm=params["realm"],
            nonce=params["nonce"],
            uri=params["uri"],
            response=params["response"].lower(),
            qop=params.get("qop"),
            nc=params.get("nc"),
            cnonce=params.get("cnonce"),
            algorithm=params.get("algorithm"),
        )
    except KeyError:
        return None


def expected_response(ha1: str, method: str, credentials: DigestCredentials) -> str:
    """RFC 7616 3.4.1 for qop=auth: KD(HA1, nonce:nc:cnonce:qop:MD5(method:uri))."""
    ha2 = _md5(f"{method}:{credentials.uri}")
    return _md5(f"{ha1}:{credentials.nonce}:{credentials.nc}:{credentials.cnonce}:{credentials.qop}:{ha2}")


def uri_matches(credentials_uri: str, path: str, query: str) -> bool:
    """Does the signed ``uri`` name this request? (Collect may send the absolute URL.)"""
    target = urlsplit(credentials_uri)
    return unquote(target.path) == path and target.query == query


class StaleNonceError(Exception):
    """The credentials were made with an expired nonce; answer with a fresh challenge, stale=true."""


def authenticate_digest(
    session: Session,
    credentials: DigestCredentials,
    *,
    method: str,
    path: str,
    query: str,
    address: str,
    now: datetime,
    secret: bytes,
    limits: LoginLimits,
) -> User:
    """The active user these Digest credentials prove, for this method and request target.

    Raises StaleNonceError (not a failure: nothing is recorded), RateLimitedError, or
    InvalidCredentialsError (recorded and committed, as for the login form).
    """
    name = normalise_username(credentials.username)[:_USERNAME_WIDTH]
    address = (address or "unknown")[:_ADDRESS_WIDTH]
    state = nonce_state(secret, credentials.nonce, now)
    if state == NonceState.STALE:
        raise StaleNonceError()
    refuse_if_limited(session, name, address, now, limits)
    user = session.scalar(select(User).where(User.username == name))
    well_formed = (
        state == NonceState.VALID
        and credentials.realm == REALM
        and (credentials.algorithm or "MD5").upper() == "MD5"
        # qop=auth is required: without it (RFC 2069) the client adds no nonce of its own.
        and credentials.qop == "auth"
        and bool(credentials.nc)
        and bool(credentials.cnonce)
        and uri_matches(credentials.uri, path, query)
    )
    proven = (
        well_formed
        and user is not None
        and user.active
        and user.digest_ha1 is not None
        # The HA1 was computed with the stored (lower-case) username: the client must send the same.
        and credentials.username == user.username
        and hmac.compare_digest(expected_response(user.digest_ha1, method, credentials), credentials.response)
    )
    if not proven or user is None:
        session.add(LoginFailure(username=name, address=address, at=now))
        session.execute(delete(LoginFailure).where(LoginFailure.at < now - limits.window))
        session.commit()
        raise InvalidCredentialsError()
    session.execute(delete(LoginFailure).where(LoginFailure.username == name))
    return user

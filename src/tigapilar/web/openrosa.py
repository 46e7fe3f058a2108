"""OpenRosa 1.0 for ODK Collect, under ``/odk`` (the server URL an officer types into Collect).

* ``GET  /odk/formList``                           the form list (xformsList)
* ``GET  /odk/forms/{id}/form.xml``                the XForm
* ``GET  /odk/forms/{id}/manifest``                its media files: ``desa.csv``, per caller
* ``GET  /odk/forms/{id}/media/desa.csv``          the villages the caller may report for
* ``HEAD /odk/submission`` (and GET)               204 + the size Collect should keep each post under
* ``POST /odk/submission``                         multipart: ``xml_submission_file`` + attachments

Every answer, errors included, carries ``X-OpenRosa-Version: 1.0`` and ``Date`` (the route class
below guarantees it) and errors come as an ``OpenRosaResponse`` whose Indonesian message Collect
shows. Authentication: HTTP Digest (what Collect uses over plain HTTP), Basic (only sensible behind
HTTPS) and bearer tokens for scripts. What happens to a submission is in
:mod:`tigapilar.reports.channels.odk.receive`; docs/odk.md explains it all for operators.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect

from tigapilar.accounts.digest import (
    StaleNonceError,
    authenticate_digest,
    challenge,
    digest_ha1,
    load_secret,
    make_nonce,
    parse_authorization,
)
from tigapilar.accounts.login import InvalidCredentialsError, LoginLimits, RateLimitedError, authenticate
from tigapilar.accounts.principal import Principal
from tigapilar.accounts.roles import Permission
from tigapilar.accounts.tokens import principal_for_token, principal_for_user
from tigapilar.core.errors import TigapilarError
from tigapilar.core.settings import Settings
from tigapilar.reports.attachments import IncomingFile
from tigapilar.reports.channels.odk import documents, receive
from tigapilar.reports.channels.odk.form import VILLAGES_MEDIA, OdkForm, odk_form
from tigapilar.reports.channels.odk.submission import MAX_XML_BYTES
from tigapilar.reports.channels.odk.villages import odk_villages, villages_csv
from tigapilar.reports.draft import Problem
from tigapilar.web.deps import client_address, get_database, get_intake, get_settings, request_time

log = logging.getLogger("tigapilar.odk")

OPENROSA_VERSION = "1.0"
XML_TYPE = "text/xml; charset=utf-8"  # Collect checks for "text/xml" before it reads a form or list
SUBMISSION_PART = "xml_submission_file"
INCOMPLETE_PART = "*isIncomplete*"
# Collect adds a part per file; 100 attachments per post is its own ceiling.
MAX_PARTS = 200
# A post bigger than this is refused without being read further. Collect keeps each post under the
# advertised size unless a single file is bigger; up to this, such a file still gets a useful
# answer ("attachment too large, kept for review") instead of a bare 413 it would retry forever.
REQUEST_LIMIT_FACTOR = 4
_SECRET_STATE = "odk_digest_secret"


def accept_content_length(settings: Settings) -> int:
    """What Collect is told to keep each post under: one largest attachment plus the XML."""
    return settings.max_attachment_bytes + MAX_XML_BYTES


def request_limit(settings: Settings) -> int:
    return REQUEST_LIMIT_FACTOR * accept_content_length(settings)


# -- responses ----------------------------------------------------------------------------------------


class OpenRosaError(Exception):
    """An answer other than success, rendered as an OpenRosaResponse with an Indonesian message."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


def message_response(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    nature = "submit_success" if status in (201, 202) else "error"
    response = Response(documents.response(message, nature), status_code=status, media_type=XML_TYPE)
    response.headers["Content-Language"] = "id"
    for name, value in headers or []:
        response.headers.append(name, value)
    return response


def _xml(document: bytes) -> Response:
    return Response(document, media_type=XML_TYPE)


def _stamp(request: Request, response: Response) -> Response:
    response.headers["X-OpenRosa-Version"] = OPENROSA_VERSION
    response.headers["Date"] = format_datetime(request_time(request).astimezone(UTC), usegmt=True)
    accept = accept_content_length(get_settings(request))
    response.headers["X-OpenRosa-Accept-Content-Length"] = str(accept)
    return response


class OpenRosaRoute(APIRoute):
    """Turns every outcome of an endpoint, failures included, into an OpenRosa response.

    The app's JSON error handlers would answer errors without the OpenRosa headers, which Collect
    reads as "not an OpenRosa server"; so errors are rendered here, before they get that far.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def openrosa_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except OpenRosaError as exc:
                response = message_response(exc.status, exc.message, exc.headers)
            except RateLimitedError as exc:
                headers = [("Retry-After", str(exc.retry_after))]
                response = message_response(429, exc.pesan, headers)
            except TigapilarError as exc:
                response = message_response(exc.status, exc.pesan or exc.message)
            except RequestValidationError:
                response = message_response(400, "Permintaan tidak valid.")
            except HTTPException as exc:
                headers = list((exc.headers or {}).items())
                response = message_response(exc.status_code, "Permintaan tidak dapat dilayani.", headers)
            except ClientDisconnect:
                response = message_response(400, "Sambungan terputus sebelum kiriman selesai.")
            except Exception:
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                response = message_response(
                    500, "Terjadi kesalahan di server; sudah dicatat. Coba lagi nanti."
                )
            return _stamp(request, response)

        return openrosa_handler


openrosa_router = APIRouter(prefix="/odk", include_in_schema=False, route_class=OpenRosaRoute)


# -- authentication -----------------------------------------------------------------------------------


def _secret(request: Request) -> bytes:
    secret: bytes | None = getattr(request.app.state, _SECRET_STATE, None)
    if secret is None:
        secret = load_secret(get_settings(request).data_dir)
        setattr(request.app.state, _SECRET_STATE, secret)
    return secret


def _unauthorized(request: Request, *, stale: bool = False, wrong: bool = False) -> OpenRosaError:
    """401 offering Digest first (Collect's choice over HTTP) and Basic (Collect uses it over HTTPS)."""
    nonce = make_nonce(_secret(request), request_time(request))
    headers = [
        ("WWW-Authenticate", challenge(nonce, stale=stale)),
        ("WWW-Authenticate", 'Basic realm="tigapilar", charset="UTF-8"'),
    ]
    message = (
        "Nama pengguna atau kata sandi salah."
        if wrong
        else "Silakan masuk: isi nama pengguna dan kata sandi tigapilar di pengaturan server ODK Collect."
    )
    return OpenRosaError(401, message, headers)


def _basic_credentials(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def caller(request: Request) -> Principal:
    """The authenticated sender of an OpenRosa request (Digest, Basic or Bearer), or a 401 challenge."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    scheme = scheme.lower()
    settings = get_settings(request)
    now = request_time(request)
    address = client_address(request)
    limits = LoginLimits.from_settings(settings)
    with get_database(request).session() as session:
        if scheme == "bearer" and value.strip():
            principal = principal_for_token(session, value.strip(), now)
            if principal is None:
                raise _unauthorized(request, wrong=True)
            return principal
        if scheme == "digest":
            credentials = parse_authorization(value)
            if credentials is None:
                raise _unauthorized(request)
            try:
                user = authenticate_digest(
                    session,
                    credentials,
                    method=request.method,
                    path=request.url.path,
                    query=request.url.query,
                    address=address,
                    now=now,
                    secret=_secret(request),
                    limits=limits,
                )
            except StaleNonceError:
                raise _unauthorized(request, stale=True) from None
            except InvalidCredentialsError:
                raise _unauthorized(request, wrong=True) from None
            return principal_for_user(session, user)
        basic = _basic_credentials(value) if scheme == "basic" else None
        if basic is None:
            raise _unauthorized(request)
        try:
            user = authenticate(session, basic[0], basic[1], address, now, limits)
        except InvalidCredentialsError:
            raise _unauthorized(request, wrong=True) from None
        # An account made before Digest existed gets its HA1 from the first Basic login over HTTPS.
        ha1 = digest_ha1(user.username, basic[1])
        if user.digest_ha1 != ha1:
            user.digest_ha1 = ha1
        return principal_for_user(session, user)


def _reporter(request: Request) -> Principal:
    principal = caller(request)
    principal.require(Permission.SUBMIT_REPORTS)
    return principal


def _form(request: Request, form_id: str | None = None) -> OdkForm:
    form = odk_form(get_settings(request).config_dir)
    if form_id is not None and form_id != form.form_id:
        raise OpenRosaError(404, f"Formulir '{form_id}' tidak ada di server ini.")
    return form


# -- forms --------------------------------------------------------------------------------------------


@openrosa_router.get("/formList", name="odk_form_list")
def form_list(request: Request, form_id: Annotated[str | None, Query(alias="formID")] = None) -> Response:
    _reporter(request)
    form = _form(request)
    listed = []
    if form_id in (None, form.form_id):
        download = str(request.url_for("odk_form_xml", form_id=form.form_id))
        manifest = str(request.url_for("odk_manifest", form_id=form.form_id))
        listed.append((form, download, manifest))
    return _xml(documents.form_list(listed))


@openrosa_router.get("/forms/{form_id}/form.xml", name="odk_form_xml")
def form_xml(request: Request, form_id: str) -> Response:
    _reporter(request)
    return _xml(_form(request, form_id).xml)


def _villages(request: Request, principal: Principal) -> bytes:
    with get_database(request).session() as session:
        return villages_csv(odk_villages(session, principal))


@openrosa_router.get("/forms/{form_id}/manifest", name="odk_manifest")
def form_manifest(request: Request, form_id: str) -> Response:
    principal = _reporter(request)
    form = _form(request, form_id)
    url = str(request.url_for("odk_media", form_id=form.form_id, filename=VILLAGES_MEDIA))
    return _xml(documents.manifest([documents.MediaFile(VILLAGES_MEDIA, _villages(request, principal), url)]))


@openrosa_router.get("/forms/{form_id}/media/{filename}", name="odk_media")
def form_media(request: Request, form_id: str, filename: str) -> Response:
    principal = _reporter(request)
    form = _form(request, form_id)
    if filename not in form.media:
        raise OpenRosaError(404, f"Berkas '{filename}' tidak ada.")
    return Response(_villages(request, principal), media_type="text/csv; charset=utf-8")


# -- submissions --------------------------------------------------------------------------------------


@openrosa_router.api_route("/submission", methods=["HEAD", "GET"], name="odk_submission_check")
def submission_check(request: Request) -> Response:
    """Collect asks here first: for the credentials, and for the size to keep each post under."""
    _reporter(request)
    return Response(status_code=204)


@openrosa_router.post("/submission", name="odk_submission")
async def submission(request: Request) -> Response:
    principal = await run_in_threadpool(_reporter, request)
    settings = get_settings(request)
    intake = get_intake(request)
    address = client_address(request)
    try:
        upload = await read_upload(request, settings)
    except UploadRefused as refused:
        reply = await run_in_threadpool(
            receive.refuse, intake, principal, refused.problem, body=refused.xml, remote_addr=address
        )
    else:
        form = await run_in_threadpool(_form, request)  # the first call converts the form: not on the loop
        reply = await run_in_threadpool(receive.receive, intake, principal, form, upload, remote_addr=address)
    return message_response(reply.status, reply.message)


@openrosa_router.api_route(
    "/{rest:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], name="odk_unknown"
)
def unknown(rest: str) -> Response:
    """Anything else under /odk still answers as OpenRosa (Collect shows the message)."""
    if rest in {"formList", "submission"}:
        raise OpenRosaError(405, "Metode tidak diizinkan.")
    raise OpenRosaError(404, "Alamat tidak dikenal server tigapilar.")


# -- reading the POST body -----------------------------------------------------------------------------


class UploadRefused(Exception):
    """The body could not be unpacked; ``xml`` is the part of the submission that arrived, if any."""

    def __init__(self, problem: Problem, xml: bytes = b"") -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.xml = xml


class _TooLarge(Exception):
    pass


def _too_large(limit: int) -> UploadRefused:
    megabytes = limit // (1024 * 1024)
    return UploadRefused(
        Problem(
            "request",
            "odk.request_too_large",
            f"The submission is larger than {limit} bytes; it was not read.",
            f"Kiriman lebih dari {megabytes} MB; kecilkan atau hapus lampiran yang besar lalu kirim lagi.",
        )
    )


def _bad_request(message: str, pesan: str) -> UploadRefused:
    return UploadRefused(Problem("request", "odk.bad_request", message, pesan))


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """The body, chunk by chunk (chunked transfer encoding included), stopping beyond ``limit``."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise _TooLarge()
        yield chunk


async def read_upload(request: Request, settings: Settings) -> receive.Upload:
    """The instance XML and attachments of one POST, within the size limits; raises UploadRefused."""
    limit = request_limit(settings)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "multipart/form-data":
            return await _read_multipart(request.headers, _capped(request.stream(), limit), settings)
        if kind in {"text/xml", "application/xml"}:
            # Lenient: a script may post the bare XML (no attachments). One byte over the XML limit
            # is enough for the reader to refuse it as too large.
            chunks = [chunk async for chunk in _capped(request.stream(), MAX_XML_BYTES + 1)]
            return receive.Upload(b"".join(chunks))
    except _TooLarge:
        raise _too_large(limit) from None
    raise _bad_request(
        f"Expected multipart/form-data with a {SUBMISSION_PART} part, got '{kind or 'nothing'}'.",
        "Kiriman tidak berformat ODK (multipart/form-data).",
    )


async def _read_multipart(
    headers: Headers, stream: AsyncIterator[bytes], settings: Settings
) -> receive.Upload:
    parser = MultiPartParser(
        headers,
        stream,  # type: ignore[arg-type]  # an async generator; Starlette annotates the exact class
        max_files=MAX_PARTS,
        max_fields=MAX_PARTS,
        max_part_size=MAX_XML_BYTES + 1,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise _bad_request(f"Broken multipart body ({exc}).", "Kiriman rusak; kirim ulang.") from None
    xml: bytes | None = None
    files: list[IncomingFile] = []
    incomplete = False
    try:
        for name, value in form.multi_items():
            if name == SUBMISSION_PART:
                # One byte beyond the limit tells the reader it is too large, without holding more.
                if isinstance(value, UploadFile):
                    xml = await value.read(MAX_XML_BYTES + 1)
                else:
                    xml = value.encode("utf-8")[: MAX_XML_BYTES + 1]
            elif name == INCOMPLETE_PART:
                incomplete = isinstance(value, str) and value.strip().lower() == "yes"
            elif isinstance(value, UploadFile):
                # Likewise one byte beyond the per-file limit: the intake refuses it and keeps no bytes.
                data = await value.read(settings.max_attachment_bytes + 1)
                files.append(IncomingFile(value.filename or name, value.content_type or "", data))
    finally:
        await form.close()
    if xml is None:
        raise _bad_request(
            f"The multipart body has no {SUBMISSION_PART} part.",
            "Kiriman tidak memuat data laporan (xml_submission_file).",
        )
    return receive.Upload(xml, files, incomplete)

"""API: the SMS gateway webhook, ``POST /api/v1/sms/inbound`` (coded SMS reports, see docs/sms.md).

Gateways differ in everything, so the webhook reads form-encoded, multipart or JSON bodies with the
field names the common ones post (SMSSync, Twilio, Telerivet, RapidPro/TextIt, Frontline, Kannel
or a modem script); fields may also come in the query string, the body wins.

Security: every request must carry the shared secret (``TIGAPILAR_SMS_GATEWAY_SECRET``) in the
``X-Tigapilar-Secret`` header, a ``secret`` field or a ``secret`` query parameter, compared in
constant time; with no secret configured the webhook is off (503). Requests without the right
secret are **not journaled**: they are not from our gateway, and journaling them would let anyone
on the internet fill the review queue with forged reports. They are logged (address only) and the
gateway, which sees the 401/403, keeps the message and retries. The secret itself is removed from
the body before it is journaled, so it never sits in the database.

Any authenticated SMS gets 200 and a reply, even when the text was wrong: the reply is how the
officer learns what to fix, and a non-2xx status would make the gateway post it again.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import AsyncGenerator, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote_plus, urlencode
from uuid import uuid4
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser

from tigapilar.core.errors import TigapilarError
from tigapilar.reports.channels.sms_inbound import InboundSms, SmsReply, receive_sms
from tigapilar.web.deps import client_address, get_intake, get_settings

log = logging.getLogger("tigapilar.sms")
router = APIRouter()

# An SMS payload is a few hundred bytes; this only stops someone streaming megabytes at the webhook.
MAX_BODY_BYTES = 64 * 1024
SENDER_FIELDS = ("from", "From", "sender", "phone", "msisdn", "from_number")
TEXT_FIELDS = ("message", "Body", "text", "content", "body")
ID_FIELDS = ("message_id", "MessageSid", "id", "sms_id")
# SMSSync: ms since the epoch; Telerivet: seconds; others: seconds, ms or ISO 8601.
TIME_FIELDS = ("sent_timestamp", "timestamp", "sent_at", "time_created")
SECRET_FIELD = "secret"
SECRET_HEADER = "X-Tigapilar-Secret"
FORMAT_PARAM = "format"
FORM_TYPE = "application/x-www-form-urlencoded"
_EPOCH_NUMBER = re.compile(r"^\d{9,14}(\.\d+)?$")
_MS_THRESHOLD = 100_000_000_000  # a number above this is milliseconds (seconds reach it in 5138)


class ReplyFormat(StrEnum):
    JSON = "json"
    TWIML = "twiml"  # Twilio
    SMSSYNC = "smssync"


def _error(code: str, status: int, message: str, pesan: str) -> TigapilarError:
    return TigapilarError(code=code, message=message, pesan=pesan, status=status)


def sms_disabled() -> TigapilarError:
    return _error(
        "sms.disabled",
        503,
        "The SMS webhook is off: set TIGAPILAR_SMS_GATEWAY_SECRET to turn it on.",
        "Layanan SMS belum diaktifkan di server.",
    )


_FIELDS_DOC = {
    "from / From / sender / phone / msisdn / from_number": "the sender's number",
    "message / Body / text / content / body": "the SMS text",
    "message_id / MessageSid / id / sms_id": "the gateway's message id (makes retries idempotent)",
    "sent_timestamp / timestamp / sent_at / time_created": "when it was sent (epoch s or ms, ISO 8601)",
    "secret": "the shared secret (or the X-Tigapilar-Secret header, or ?secret=)",
}


@router.post(
    "/sms/inbound",
    summary="Receive one SMS from a gateway and answer the sender",
    response_model=None,
    responses={
        200: {"description": "The SMS was journaled; the reply to send back, in the requested format."},
        401: {"description": "No shared secret (sms.secret_required)."},
        403: {"description": "Wrong shared secret (sms.bad_secret)."},
        413: {"description": "Body larger than 64 KiB (sms.too_large)."},
        422: {"description": "No sender field in the payload (sms.no_sender); it was journaled."},
        503: {"description": "No secret configured: the webhook is off (sms.disabled)."},
    },
    openapi_extra={
        "requestBody": {
            "description": "Form-encoded, multipart or JSON. Fields: "
            + "; ".join(f"`{k}`: {v}" for k, v in _FIELDS_DOC.items()),
            "content": {
                FORM_TYPE: {"schema": {"type": "object", "additionalProperties": {"type": "string"}}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def inbound_sms(
    request: Request, reply_format: Annotated[ReplyFormat, Query(alias=FORMAT_PARAM)] = ReplyFormat.JSON
) -> Response:
    """Journal the SMS, read it, create the report through the shared intake, and reply.

    Reply formats: ``json`` (default) ``{"reply", "messages", "to", "report_id", "outcome",
    "inbound_id"}``; ``twiml`` for Twilio; ``smssync`` for SMSSync's task format.
    """
    settings = get_settings(request)
    if not settings.sms_gateway_secret:
        raise sms_disabled()
    body = await _read_body(request)
    content_type = request.headers.get("content-type", "")
    body_fields = await _body_fields(body, content_type)
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in (FORMAT_PARAM, SECRET_FIELD)]
    _authenticate(
        request,
        settings.sms_gateway_secret,
        request.headers.get(SECRET_HEADER),
        _first(body_fields, SECRET_FIELD),
        request.query_params.get(SECRET_FIELD),
    )
    fields = _merge(query, body_fields)
    journal_body, journal_type = _without_secret(body, content_type, body_fields, query)
    sms = InboundSms(
        sender=_pick(fields, SENDER_FIELDS) or "",
        text=_pick(fields, TEXT_FIELDS) or "",
        body=journal_body,
        content_type=journal_type,
        message_id=_pick(fields, ID_FIELDS),
        sent_at=parse_sent_time(_pick(fields, TIME_FIELDS), ZoneInfo(settings.timezone)),
        remote_addr=client_address(request),
    )
    reply = await run_in_threadpool(receive_sms, get_intake(request), sms)
    if any(p.code == "sms.no_sender" for p in reply.problems):
        # A gateway set up with other field names: say so loudly (the payload is journaled).
        raise _error(
            "sms.no_sender",
            422,
            f"No sender number in the payload; send it as one of: {', '.join(SENDER_FIELDS)}.",
            "Nomor pengirim tidak ada dalam data dari gateway SMS.",
        )
    return render(reply, reply_format)


# --- reading the request --------------------------------------------------------------------------


async def _read_body(request: Request) -> bytes:
    too_large = _error(
        "sms.too_large", 413, f"The body is larger than {MAX_BODY_BYTES} bytes.", "Data terlalu besar."
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(body: bytes, content_type: str) -> bool:
    media = _media_type(content_type)
    return media == "application/json" or media.endswith("+json") or body.lstrip().startswith(b"{")


async def _body_fields(body: bytes, content_type: str) -> list[tuple[str, str]]:
    """The body's top-level fields as text; an unreadable body has none (it is journaled anyway)."""
    media = _media_type(content_type)
    if media == "multipart/form-data":
        return await _multipart_fields(body, content_type)
    if _is_json(body, content_type):
        try:
            data = json.loads(body)
        except ValueError:
            return []
        if not isinstance(data, dict):
            return []
        return [(str(k), text) for k, v in data.items() if (text := _scalar(v)) is not None]
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    return str(value)


async def _multipart_fields(body: bytes, content_type: str) -> list[tuple[str, str]]:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(Headers({"content-type": content_type}), stream(), max_files=10, max_fields=100)
    try:
        form = await parser.parse()
    except MultiPartException:
        return []
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def _first(fields: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in fields if k == name), None)


def _merge(query: list[tuple[str, str]], body: list[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for key, value in [*body, *query]:  # body first: the first value of a name wins
        merged.setdefault(key, value)
    return merged


def _pick(fields: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    """The first of ``names`` present with a non-blank value."""
    return next((fields[n].strip() for n in names if n in fields and fields[n].strip()), None)


def _authenticate(
    request: Request, expected: str, header: str | None, field: str | None, query: str | None
) -> None:
    given = header if header is not None else field if field is not None else query
    address = client_address(request)
    if not given:
        log.warning("SMS webhook: request without the shared secret from %s", address)
        raise _error(
            "sms.secret_required",
            401,
            f"Send the gateway's shared secret in the {SECRET_HEADER} header or a 'secret' field.",
            "Kunci rahasia gateway SMS tidak dikirim.",
        )
    if not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("SMS webhook: wrong shared secret from %s", address)
        raise _error("sms.bad_secret", 403, "Wrong shared secret.", "Kunci rahasia gateway SMS salah.")


def _without_secret(
    body: bytes, content_type: str, body_fields: list[tuple[str, str]], query: list[tuple[str, str]]
) -> tuple[bytes, str | None]:
    """What to journal: the body as received, minus the secret; the query's fields if the body is empty."""
    if not body.strip() and query:
        return urlencode(query).encode(), FORM_TYPE
    if _first(body_fields, SECRET_FIELD) is None:
        return body, content_type or None
    media = _media_type(content_type)
    if media == "multipart/form-data":
        return urlencode([(k, v) for k, v in body_fields if k != SECRET_FIELD]).encode(), FORM_TYPE
    if _is_json(body, content_type):
        data = json.loads(body)
        data.pop(SECRET_FIELD, None)
        return json.dumps(data, ensure_ascii=False).encode(), content_type or "application/json"
    # Form-encoded: drop the secret's pair and keep every other byte as the gateway sent it.
    pairs = body.split(b"&")
    kept = [p for p in pairs if unquote_plus(p.split(b"=", 1)[0].decode("utf-8", "replace")) != SECRET_FIELD]
    return b"&".join(kept), content_type or None


def parse_sent_time(value: str | None, zone: ZoneInfo) -> datetime | None:
    """A gateway's sent time: epoch seconds or milliseconds, or ISO 8601 (without offset: local time)."""
    if not value:
        return None
    value = value.strip()
    try:
        if _EPOCH_NUMBER.match(value):
            number = float(value)
            return datetime.fromtimestamp(number / 1000 if number > _MS_THRESHOLD else number, UTC)
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    except (ValueError, OverflowError, OSError):
        return None  # the intake then uses the time received
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)


# --- the reply ------------------------------------------------------------------------------------


def render(reply: SmsReply, reply_format: ReplyFormat) -> Response:
    if reply_format is ReplyFormat.TWIML:
        # <Message> without "to" answers the sender; no <Message> sends nothing.
        messages = "".join(f"<Message>{escape(m)}</Message>" for m in reply.messages if reply.to)
        xml = f'<?xml version="1.0" encoding="UTF-8"?><Response>{messages}</Response>'
        return Response(xml, media_type="application/xml")
    if reply_format is ReplyFormat.SMSSYNC:
        # success true tells SMSSync the message arrived (it stops retrying); "send" queues the reply.
        payload: dict[str, Any] = {"success": True, "error": None}
        if reply.to and reply.messages:
            payload["task"] = "send"
            payload["messages"] = [
                {"to": reply.to, "message": m, "uuid": str(uuid4())} for m in reply.messages
            ]
        return JSONResponse({"payload": payload})
    return JSONResponse(
        {
            "reply": reply.text,
            "messages": reply.messages,
            "to": reply.to,
            "report_id": reply.report_id,
            "outcome": reply.outcome,
            "inbound_id": reply.inbound_id,
        }
    )

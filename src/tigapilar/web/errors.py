"""Every error leaves the API as ``{"error": {"code", "message", "pesan", "details"?}}``, never a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tigapilar.core.errors import TigapilarError

log = logging.getLogger("tigapilar.web")

_HTTP_CODES = {
    400: ("request.bad", "Permintaan tidak valid."),
    401: ("auth.required", "Silakan masuk terlebih dahulu."),
    403: ("auth.forbidden", "Anda tidak berwenang."),
    404: ("not_found", "Tidak ditemukan."),
    405: ("request.method_not_allowed", "Metode tidak diizinkan."),
    413: ("request.too_large", "Data terlalu besar."),
    429: ("auth.rate_limited", "Terlalu banyak percobaan; coba lagi nanti."),
}


def error_response(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TigapilarError)
    async def _domain(_request: Request, exc: TigapilarError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.as_dict(), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "reason": err.get("msg", "")}
            for err in exc.errors()
        ]
        return error_response(
            422,
            {
                "code": "request.invalid",
                "message": "The request has invalid fields.",
                "pesan": "Ada isian yang tidak valid.",
                "details": details,
            },
        )

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        code, pesan = _HTTP_CODES.get(exc.status_code, ("http.error", "Terjadi kesalahan."))
        return error_response(
            exc.status_code, {"code": code, "message": str(exc.detail), "pesan": pesan}, exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            {
                "code": "internal",
                "message": "Internal error; it has been logged.",
                "pesan": "Terjadi kesalahan di server; sudah dicatat.",
            },
        )

"""Every response carries one ``Date`` header, set by the app (uvicorn's own is turned off).

OpenRosa clients require ``Date`` on every answer; the OpenRosa routes set it from the request's
clock, and this middleware adds it to any response that has none, so that a server run without
uvicorn's header (``tigapilar serve`` turns it off to avoid a second one) still sends it.
"""

from __future__ import annotations

from email.utils import formatdate

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class DateHeaderMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"date" for name, _ in headers):
                    headers.append((b"date", formatdate(usegmt=True).encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_date)

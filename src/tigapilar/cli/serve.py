"""CLI: ``tigapilar serve``, the web server (API, pages) under uvicorn."""

from __future__ import annotations

import logging
import os
from zoneinfo import ZoneInfo

import click
import uvicorn
from sqlalchemy.engine import make_url

from tigapilar.cli.context import open_database, reports_errors
from tigapilar.core.settings import Settings
from tigapilar.demo.config import load_demo_config
from tigapilar.demo.risk import demo_now

log = logging.getLogger("tigapilar.serve")
APP_FACTORY = "tigapilar.web.app:create_app"


@click.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every one)."
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option("--reload", is_flag=True, help="Restart when the code changes (development only).")
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Proxies trusted to report the client's address (X-Forwarded-For); used by login rate limiting.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@click.option(
    "--demo-clock",
    "demo_clock",
    default=None,
    metavar="DEMO",
    help='Run the clock from a demo\'s "now" (e.g. kaltim: 16 Dec 2024, 23:59 WITA) instead of today.',
)
@reports_errors
def serve(
    host: str, port: int, reload: bool, forwarded_allow_ips: str, log_level: str, demo_clock: str | None
) -> None:
    """Run the web server: the JSON API under /api/v1 and the pages (login at /masuk).

    The database schema is brought up to date first. Behind HTTPS, set TIGAPILAR_SECURE_COOKIES=1.
    The detectors run every TIGAPILAR_DETECTOR_INTERVAL seconds (300; 0 turns them off).
    """
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s:     %(message)s")
    if demo_clock is not None:
        settings = Settings.from_env()
        start = demo_now(load_demo_config(demo_clock), ZoneInfo(settings.timezone))
        if start is None:
            raise click.UsageError(
                f"the demo '{demo_clock}' has no time of its own ([reports] or [attributes])"
            )
        # The app factory reads the environment in the server process, so the clock goes there.
        os.environ["TIGAPILAR_CLOCK_START"] = start.isoformat()
        log.info("Demo clock: the server's time starts at %s", start.isoformat())
    settings = Settings.from_env()
    open_database(settings).dispose()  # migrate now, so that a schema problem stops us before listening
    shown_url = make_url(settings.database_url).render_as_string(hide_password=True)
    log.info("Database ready: %s", shown_url)
    if host not in {"127.0.0.1", "localhost", "::1"} and not settings.secure_cookies:
        log.warning(
            "Listening on %s without TIGAPILAR_SECURE_COOKIES: put it behind HTTPS in production.", host
        )
    log.info("Starting tigapilar on http://%s:%d (API docs at /api/v1/docs)", host, port)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level=log_level,
        # The app sets Date itself (OpenRosa needs it on every answer); uvicorn's would be a second one.
        date_header=False,
    )


COMMANDS: list[click.Command] = [serve]

"""Browser tests: the Kaltim demo served by ``tigapilar serve`` and driven in headless Chromium.

The browser is Debian's Chromium (``/usr/bin/chromium``, or ``TIGAPILAR_CHROMIUM``) driven by
Playwright's Python API; no browser is ever downloaded (``make install-dev`` installs the Debian
package). The demo is loaded once per test session into a fresh SQLite database with
``tigapilar demo``, then served on a free port of 127.0.0.1 on the demo's own clock, with the
detector scheduler off. Every test gets a new browser context (no cookies) and logs in through the
login form, as a person would.

Without Chromium or Playwright the tests are skipped with the reason; with CI=true they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

# Never let Playwright look for (or fetch) a browser of its own.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = Path(os.environ.get("TIGAPILAR_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DEMO_PASSWORD = "demo-tigapilar-2024"
BIN = Path(sys.executable).parent
# As the machine notes say: no background connections (the network is closed), no first-run UI.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=id-ID",
]
INSTALL_HINT = (
    "install Debian's Chromium: `make install-dev` as root, or "
    "`sudo apt-get install -y --no-install-recommends chromium` (never `playwright install`)"
)


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _tigapilar() -> str:
    script = BIN / "tigapilar"
    return str(script) if script.exists() else "tigapilar"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: run `make install-dev` (requirements/dev.txt)")
    expect.set_options(timeout=20_000)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def live_server(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the Kaltim demo served by ``tigapilar serve`` (requires the browser first, so
    that a machine without Chromium does not load the demo for nothing)."""
    folder = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "TIGAPILAR_DATABASE_URL": f"sqlite:///{folder / 'tigapilar.db'}",
        "TIGAPILAR_DATA_DIR": str(folder / "data"),
        "TIGAPILAR_DETECTOR_INTERVAL": "0",
        "TIGAPILAR_LANGUAGE": "id",
    }
    env.pop("TIGAPILAR_CONFIG_DIR", None)
    demo = subprocess.run(
        [_tigapilar(), "demo"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert demo.returncode == 0, f"tigapilar demo failed:\n{demo.stdout}\n{demo.stderr}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [_tigapilar(), "serve", "--host", "127.0.0.1", "--port", str(port), "--demo-clock", "kaltim"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not _answers(f"{base}/masuk"):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"tigapilar serve did not answer:\n{log_path.read_text()}", pytrace=False)
                time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) with a desktop window, its base URL the demo server."""
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 1280, "height": 900},
        locale="id-ID",
        timezone_id="Asia/Makassar",
        accept_downloads=True,
    )
    # Generous: in `make test` the server, Chromium and the other test worker share two cores.
    context.set_default_timeout(30_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def login(page: Page) -> Callable[[str], Page]:
    """Log in through the form at /masuk as a demo account; returns the page after the redirect."""

    def log_in(username: str) -> Page:
        page.goto("/")
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_url(lambda url: "/masuk" not in url)
        return page

    return log_in


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    """Save a full-page screenshot of the page under tests/e2e/screenshots/NAME.png (written on
    every run, not committed)."""

    def save(name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save

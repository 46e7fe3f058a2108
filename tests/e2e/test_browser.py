"""The demo in a real browser, through the pages only (click, fill, read what is shown): a new
user's first screen, filtering reports, verifying a report, answering the open alert, and, once they
land, the map (/peta) and the situation report's PDF (/situasi).

Screenshots are saved on every run to tests/e2e/screenshots/ (not committed; reference copies are in
docs/images/)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.routing import Match

from tigapilar.core.settings import Settings, sqlite_url
from tigapilar.web.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or, with CI=true, fail) with the reason
    expect = None

pytestmark = pytest.mark.e2e

Login = Callable[[str], "Page"]
Shot = Callable[[str], Path]


def _served(*paths: str) -> dict[str, bool]:
    """Whether the app has a page at each path (False: it answers 404), read off a freshly built app."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=sqlite_url(Path(folder) / "probe.db"), data_dir=Path(folder))
        app = create_app(settings)
        app.state.database.dispose()
    found = {}
    for path in paths:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
        found[path] = any(route.matches(scope)[0] is not Match.NONE for route in app.routes)
    return found


SERVED = _served("/peta", "/situasi")


def test_first_screen_after_login(login: Login, screenshot: Shot) -> None:
    page = login("kapolresta.samarinda")
    # Whatever the first page after login is (/beranda until the map /peta becomes the landing
    # page), it is in Indonesian, shows the signed-in header with its navigation, and has a title.
    assert expect is not None
    page.wait_for_load_state("networkidle")
    shot = screenshot("first-screen")
    assert shot.stat().st_size > 10_000
    expect(page.locator("html")).to_have_attribute("lang", "id")
    inbox = page.get_by_role("navigation", name="Peringatan dan notifikasi")
    expect(inbox.get_by_role("link", name="Peringatan", exact=True)).to_be_visible()
    expect(inbox.get_by_role("link", name=re.compile(r"notifikasi belum dibaca"))).to_be_attached()
    expect(page.get_by_role("navigation", name="Bahasa").locator("strong")).to_have_text("ID")
    expect(page.locator("main h1")).to_be_visible()
    # The account's own words: Indonesian, not English.
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(Reports|Alerts|Sign in|Log out)\b", text), text[:500]


def test_filter_reports_by_category(login: Login, screenshot: Shot) -> None:
    assert expect is not None
    page = login("kapolresta.samarinda")
    page.goto("/laporan")
    total = page.locator("p.muted", has_text=re.compile(r"^\d[\d.]* laporan$"))
    before = _count(total.inner_text())
    page.get_by_label("Kategori").select_option(label="Politik uang")
    page.get_by_role("button", name="Saring").click()
    expect(page).to_have_url(re.compile(r"category=politik_uang"))
    after = _count(total.inner_text())
    assert 0 < after < before
    categories = page.locator("table.reports tbody tr td:nth-child(3)").all_inner_texts()
    assert len(categories) == min(after, 25)
    assert set(categories) == {"Politik uang"}
    expect(page.get_by_label("Kategori")).to_have_value("politik_uang")
    screenshot("reports-filtered")


def test_analyst_verifies_a_report_from_the_queue(login: Login) -> None:
    assert expect is not None
    page = login("analis.polda")
    page.goto("/laporan")
    page.get_by_role("navigation", name="Menu laporan").get_by_role("link", name="Antrean verifikasi").click()
    expect(page.get_by_role("heading", name="Antrean verifikasi")).to_be_visible()
    first = page.locator("table.reports tbody tr").first
    link = first.locator("a[href*='/laporan/']").first
    report_id = re.search(r"#(\d+)", link.inner_text())
    assert report_id is not None
    number = report_id.group(1)
    first.get_by_role("checkbox").check()
    page.get_by_label("Catatan").fill("Dicek ke lapangan oleh uji peramban.")
    page.get_by_role("button", name="Verifikasi terpilih").click()
    expect(page.get_by_role("status")).to_contain_text("1 dari 1 laporan berhasil diproses")
    # Gone from the queue, and verified on its own page with the history line.
    expect(page.locator(f"table.reports a[href$='/laporan/{number}']")).to_have_count(0)
    page.get_by_role("status").get_by_role("link", name=f"#{number}").click()
    expect(page.get_by_role("heading", name=f"Laporan #{number}")).to_be_visible()
    expect(page.locator(".heading .status")).to_have_text("Terverifikasi")
    expect(page.locator("ol.history")).to_contain_text("Baru → Terverifikasi")
    expect(page.locator("ol.history")).to_contain_text("Dicek ke lapangan oleh uji peramban.")


def test_unit_answers_the_open_alert(login: Login, screenshot: Shot) -> None:
    assert expect is not None
    page = login("kapolsek.sepaku")
    page.locator("header.bar").get_by_role("link", name="Peringatan", exact=True).click()
    expect(page.get_by_role("heading", name="Peringatan dini")).to_be_visible()
    screenshot("alerts")
    # Open alerts come first: the burst around Sepaku, handled on site.
    row = page.locator("table.alerts tbody tr").first
    expect(row.locator(".status")).to_have_text("Di lokasi")
    row.locator("a[href*='/peringatan/']").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Peringatan #\d+$"))
    expect(heading).to_be_visible()
    number = heading.inner_text().split("#")[1]

    page.get_by_label("Catatan").fill("Massa dibubarkan dengan persuasif; situasi kondusif.")
    page.get_by_role("button", name="Sudah ditangani").click()
    expect(page.get_by_role("status")).to_have_text(f"Status peringatan #{number} diperbarui.")
    expect(page.locator(".heading .status")).to_have_text("Ditangani")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Di lokasi → Ditangani")
    expect(timeline).to_contain_text("Massa dibubarkan dengan persuasif; situasi kondusif.")

    page.get_by_label("Jenis tindakan").select_option(index=1)
    kind = page.get_by_label("Jenis tindakan").locator("option:checked").inner_text()
    page.get_by_label("Uraian tindakan").fill("Patroli gabungan bersama Koramil Sepaku sampai pukul 02.00.")
    page.get_by_role("button", name="Catat tindakan").click()
    expect(page.get_by_role("status")).to_have_text(f"Tindakan pada peringatan #{number} dicatat.")
    expect(timeline.locator("li").last).to_contain_text(f"Tindakan: {kind}")
    expect(timeline).to_contain_text("Patroli gabungan bersama Koramil Sepaku sampai pukul 02.00.")
    screenshot("alert-detail")


@pytest.mark.skipif(not SERVED["/peta"], reason="/peta answers 404: the map page has not landed yet")
def test_map_shows_the_demo(login: Login, screenshot: Shot) -> None:
    assert expect is not None
    page = login("kapolresta.samarinda")
    page.goto("/peta")
    expect(page.locator(".leaflet-container")).to_be_visible()
    # Region shapes (SVG paths or canvas) and markers are drawn over the base layer.
    shapes = page.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas, .leaflet-marker-icon")
    expect(shapes.first).to_be_attached()
    assert shapes.count() > 0
    screenshot("map")


@pytest.mark.skipif(
    not SERVED["/situasi"], reason="/situasi answers 404: the situation report page has not landed yet"
)
def test_situation_report_pdf_downloads(login: Login) -> None:
    assert expect is not None
    page = login("kapolresta.samarinda")
    page.goto("/situasi")
    link = page.get_by_role("link", name="Unduh PDF")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href is not None
    answer = page.request.get(href)
    assert answer.ok and answer.headers["content-type"].startswith("application/pdf")
    with page.expect_download() as waiting:
        link.click()
    saved = waiting.value.path()
    assert saved.read_bytes().startswith(b"%PDF")


def _count(text: str) -> int:
    return int(text.split()[0].replace(".", ""))

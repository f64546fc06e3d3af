"""`veille web` in a real browser (Debian's Chromium, driven by Playwright) on the demo's
warehouse: the journeys of a community manager, a viewer and an analyst. A screenshot of
each screen is saved under the tests' output folder (printed) and checked not blank."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.test_demo import run_demo
from tests.web.server import PASSWORD, add_test_users, serve_web

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is missing: `make test` installs it where the machine allows "
        "(apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

FRENCH_MONTH = re.compile(r"\d{1,2} (janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)\.? ")


@pytest.fixture(scope="module")
def demo_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("web-demo")
    result = run_demo(home)
    assert result.returncode == 0, result.stdout + result.stderr
    add_test_users(home)
    with serve_web(home, home / "demo" / "veille.duckdb") as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screens_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "web-screens"
    folder.mkdir(exist_ok=True)
    print(f"screenshots of veille web: {folder}")
    return folder


def log_in(browser: Browser, base_url: str, name: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(f"{base_url}/")
    assert page.url.startswith(f"{base_url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def figure(page: Page, name: str) -> int:
    text = page.inner_text(f"#figure-{name} .value")
    return int(re.sub(r"\D", "", text))


def shoot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50, f"{path} looks blank"
    return path


def test_every_screen_in_french_with_a_screenshot(demo_web: str, browser: Browser, screens_dir):
    page = log_in(browser, demo_web, "zoe")
    headings = {
        "/": "Fibrelia",
        "/inbox": "Mentions de Fibrelia",
        "/communities": "Qui parle de Fibrelia",
        "/topics": "De quoi on parle quand on cite Fibrelia",
        "/moderation": "File de modération",
        "/alerts": "Alertes de Fibrelia",
        "/sources": "Sources : leurs dernières collectes",
    }
    for path, heading in headings.items():
        page.goto(f"{demo_web}{path}")
        assert heading in page.inner_text("h1")
        name = path.strip("/") or "overview"
        shoot(page, screens_dir, name)
    page.goto(f"{demo_web}/")
    assert page.inner_text("nav a[aria-current]") == "Synthèse"
    assert FRENCH_MONTH.search(page.inner_text("h1")), page.inner_text("h1")
    assert "Tonalité nette" in page.inner_text("main")
    # The other language is one click away, and kept across screens.
    page.click("text=English")
    assert page.inner_text("nav a[aria-current]") == "Overview"
    page.click("nav >> text=Mentions")
    assert "Mentions of Fibrelia" in page.inner_text("h1")
    shoot(page, screens_dir, "inbox-english")
    page.close()


def test_a_viewer_cannot_correct(demo_web: str, browser: Browser):
    page = log_in(browser, demo_web, "vera")
    page.goto(f"{demo_web}/inbox?sentiment=negative")
    assert page.locator("li.mention").count() > 0
    assert page.locator("button[name=single]").count() == 0  # no action shown
    token = page.get_attribute("form[action='/logout'] input[name=csrf]", "value")
    mention = page.get_attribute("li.mention", "data-mention")
    # The server refuses it all the same.
    answer = page.request.post(
        f"{demo_web}/actions",
        form={"csrf": token or "", "single": f"correct-positive:{mention}", "brand": "Fibrelia",
              "back": "/inbox"},
    )  # fmt: skip
    assert answer.status == 403
    page.close()


def test_an_analyst_corrects_a_negative_post_and_the_overview_follows(
    demo_web: str, browser: Browser, screens_dir
):
    page = log_in(browser, demo_web, "zoe")
    negative_before = figure(page, "negative")
    page.click("nav >> text=Mentions")
    page.select_option("form.filters select[name=sentiment]", "negative")
    page.click("form.filters button[type=submit]")
    assert "sentiment=negative" in page.url
    first = page.locator("li.mention").first
    mention = first.get_attribute("data-mention")
    assert "négatif" in first.inner_text()
    first.locator("button[value^='correct-positive:']").click()
    page.wait_for_load_state()
    # Gone from the negative posts at once, and from the overview's count.
    assert page.locator(f"li[data-mention='{mention}']").count() == 0
    page.goto(f"{demo_web}/inbox?q=&status=")
    corrected = page.locator(f"li[data-mention='{mention}']")
    if corrected.count():
        assert "corrigée" in corrected.inner_text()
    page.click("nav >> text=Synthèse")
    assert figure(page, "negative") == negative_before - 1
    shoot(page, screens_dir, "overview-after-correction")
    page.close()


def test_bulk_not_about_this_brand_removes_posts_from_the_views(demo_web: str, browser: Browser):
    page = log_in(browser, demo_web, "zoe")
    before = figure(page, "mentions")
    page.click("nav >> text=Mentions")
    boxes = page.locator("li.mention input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("button[name=action][value=not_about]")
    page.wait_for_load_state()
    page.click("nav >> text=Synthèse")
    assert figure(page, "mentions") == before - 2
    page.close()


def test_moderation_and_alerts_show_the_demos_flagged_post_and_alert(
    demo_web: str, browser: Browser
):
    page = log_in(browser, demo_web, "zoe")
    page.click("nav >> text=Modération")
    # Its author is pseudonymised (the demo's brands.yaml privacy:): found by its text.
    flagged = page.locator("li.mention", has_text="pathetic idiots whining about Fibrelia")
    assert flagged.count() == 1 and "injurieux" in flagged.inner_text()
    flagged.locator("button[name=single]").click()
    page.wait_for_load_state()
    handled = page.locator("li.mention", has_text="pathetic idiots whining about Fibrelia")
    assert handled.count() == 0
    page.click("nav >> text=Alertes")
    alert = page.locator("tr.alert").first
    assert "Fibrelia" in alert.inner_text()
    with page.expect_popup() as popup:
        alert.locator("a", has_text="tel qu’envoyé").click()
    email = popup.value
    email.wait_for_load_state()
    assert "Fibrelia" in email.inner_text("body")
    email.close()
    alert.locator("button", has_text="Fausse alerte").click()
    page.wait_for_load_state()
    assert "fausse alerte" in page.locator("tr.alert").first.inner_text()
    page.close()

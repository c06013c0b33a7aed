"""The station's browser tests: a real clinic (hub + simulated rooms, `roomcontrol.cli.demo.Clinic`) on loopback and
Debian's chromium, headless, driven by Playwright's sync API. Skipped, saying why, where /usr/bin/chromium is
missing (CI installs it: scripts/system-deps.sh)."""

from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("ROOMCONTROL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 15000  # the bound of every wait on the page (a room's first state, an act's answer)


def chromium_or_skip() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"{CHROMIUM} is missing: the station's browser tests need Debian's chromium "
                    "(apt-get install chromium; CI installs it)")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser():
    path = chromium_or_skip()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, timeout=30000)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, f"the page threw: {errors}"

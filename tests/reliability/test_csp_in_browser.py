"""The Content-Security-Policy breaks nothing: Debian's headless Chromium reports no violation on any page.

Chromium logs every blocked script, style, image, font, connection or frame to the console
("Refused to ... because it violates the following Content Security Policy directive"); the
test opens each kind of page, lets its scripts run (YASGUI runs a query, Swagger UI renders
the API), and fails on any such message. A page that frames /view/* from another origin
checks that framing is allowed there and nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import start_service, stop_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip("needs Debian's chromium and chromium-driver", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium")

from selenium.webdriver.chrome.service import Service as DriverService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def base_url(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    service = start_service(built_store, tmp_path_factory.mktemp("csp") / "service.log", query_workers="2",
                            sparql_workers="1", log_level="WARNING")
    try:
        yield service.url
    finally:
        stop_service(service)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--window-size=1280,1000",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-csp')}"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=DriverService(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def violations(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]


def test_the_editor_runs_a_query_under_the_policy(browser, base_url: str) -> None:
    violations(browser)
    browser.get(base_url + "/query")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: d.execute_script(
        "return !!(window.yasgui && window.yasgui.getTab() && window.yasgui.getTab().getYasqe())"))
    browser.execute_script("window.yasgui.getTab().getYasqe().setValue('SELECT * WHERE { ?s ?p ?o } LIMIT 3');"
                           "window.yasgui.getTab().getYasqe().query();")
    wait.until(lambda d: d.execute_script("return document.querySelectorAll('.yasr table tbody tr').length") >= 3)
    assert violations(browser) == []


def test_swagger_ui_renders_under_the_policy(browser, base_url: str) -> None:
    violations(browser)
    browser.get(base_url + "/docs")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: d.execute_script("return document.querySelectorAll('.opblock').length") > 5)
    summary = browser.find_element(By.CSS_SELECTOR, ".opblock .opblock-summary-control, .opblock .opblock-summary")
    browser.execute_script("arguments[0].scrollIntoView()", summary)
    summary.click()
    wait.until(lambda d: d.execute_script("return document.querySelectorAll('.opblock.is-open').length") > 0)
    assert violations(browser) == []


@pytest.mark.parametrize("path", ["/", "/queries", "/search?q=puglia",
                                  "/id/organisation/apulia-creative-cluster-association", "/nothing-here"])
def test_pages_load_under_the_policy(browser, base_url: str, path: str) -> None:
    violations(browser)
    browser.get(base_url + path)
    time.sleep(0.5)  # the site's script runs after load (deferred)
    assert violations(browser) == []


def test_only_the_views_may_be_framed(browser, base_url: str, tmp_path: Path) -> None:
    # An origin of its own for the embedding page: file:// framing an http:// page.
    page = tmp_path / "embed.html"
    page.write_text(f'<iframe id="view" src="{base_url}/view/network/regions" width="600" height="400"></iframe>'
                    f'<iframe id="home" src="{base_url}/" width="600" height="400"></iframe>')
    violations(browser)
    browser.get(page.as_uri())
    time.sleep(3)
    messages = violations(browser)
    refused_home = [m for m in messages if "frame-ancestors" in m and f"{base_url}/'" in m]
    refused_view = [m for m in messages if "frame-ancestors" in m and "/view/" in m]
    assert refused_home, messages  # the home page refuses to be framed
    assert refused_view == []  # the embeddable view does not

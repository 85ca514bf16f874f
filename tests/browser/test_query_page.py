"""The SPARQL editor and /docs in a real browser: Debian's headless Chromium against a real server.

The service runs in a subprocess (uvicorn on a free loopback port). Chromium is driven with
Selenium through /usr/bin/chromedriver, so nothing is downloaded. Besides running a query and
reading its rows, the test records every request the browser makes (Chrome's performance log)
and fails if one leaves the server: that proves "no asset from a CDN" at run time, which a scan
of the bundles cannot.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

if not CHROMIUM.exists():
    pytest.skip(f"needs Debian's Chromium at {CHROMIUM}: apt-get install -y chromium chromium-driver", allow_module_level=True)
if not CHROMEDRIVER.exists():
    pytest.skip(f"needs {CHROMEDRIVER}: apt-get install -y chromium-driver", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="needs the selenium package (pip install selenium)")

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

APULIA_LABEL = "Apulia Creative Cluster Association"
QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX ckg: <https://w3id.org/clusterkg/ontology#>
SELECT DISTINCT ?organisation ?name WHERE {
  ?organisation a ckg:ClusterOrganisation ; skos:prefLabel ?name .
  FILTER(LANGMATCHES(LANG(?name), "en"))
}
ORDER BY ?name"""

# The socket is bound here and handed to uvicorn, so no other process can take the port.
_LAUNCH = """
import socket, sys
import uvicorn
from clusterkg.api.app import create_app

sock = socket.socket(fileno=int(sys.argv[1]))
uvicorn.Server(uvicorn.Config(create_app(), log_level="warning")).run(sockets=[sock])
"""


@pytest.fixture(scope="module")
def base_url(built_store: Path) -> Iterator[str]:
    """A real server over the built store on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    environment = dict(os.environ, CLUSTERKG_STORE=str(built_store), CLUSTERKG_QUERY_WORKERS="2")
    process = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(sock.fileno())], pass_fds=[sock.fileno()], env=environment)
    sock.close()
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the test server exited with code {process.returncode}")
            try:
                if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not answer within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a fresh profile, logging every network request."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    """The URLs of the requests the page made since the last call (Network.requestWillBeSent)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def assert_only_same_origin(urls: list[str], base_url: str) -> None:
    foreign = [u for u in urls if not (u.startswith(base_url + "/") or u.startswith(("data:", "blob:")))]
    assert not foreign, f"the page requested other hosts: {foreign}"


def png_is_blank(data: bytes) -> bool:
    """True if every pixel of a PNG has the same colour (decoded with zlib; no imaging library).

    Each scanline is undone from its PNG filter (Sub, Up, Average, Paeth) so that a uniform
    image is recognised whatever filters the encoder chose.
    """
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, [], b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride, bpp = width * channels * depth // 8, max(1, channels * depth // 8)
    raw = zlib.decompress(b"".join(chunks))
    previous = bytearray(stride)
    first_pixel = None
    for row in range(height):
        kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        if first_pixel is None:
            first_pixel = bytes(line[:bpp])
        if bytes(line) != first_pixel * (stride // bpp):
            return False
        previous = line
    return True


def test_png_is_blank_recognises_blank_and_drawn_images() -> None:
    def png(rows: list[bytes], width: int) -> bytes:
        def chunk(kind: bytes, body: bytes) -> bytes:
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        raw = b"".join(b"\x00" + r for r in rows)
        header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

    white = bytes([255, 255, 255]) * 4
    assert png_is_blank(png([white, white], 4))
    assert not png_is_blank(png([white, bytes([255, 255, 255, 0, 0, 0]) + bytes([255]) * 6], 4))


def test_query_page_runs_a_query(browser: webdriver.Chrome, base_url: str, tmp_path: Path) -> None:
    requested_urls(browser)  # start the log afresh
    browser.get(base_url + "/query")
    wait = WebDriverWait(browser, 30)
    ready = "return !!(window.yasgui && window.yasgui.getTab() && window.yasgui.getTab().getYasqe())"
    wait.until(lambda d: d.execute_script(ready))

    prefilled = browser.execute_script("return window.yasgui.getTab().getYasqe().getValue()")
    assert "PREFIX ckg: <https://w3id.org/clusterkg/ontology#>" in prefilled
    assert browser.execute_script("return window.yasgui.getTab().getEndpoint()") == base_url + "/sparql"
    examples = browser.find_elements(By.CSS_SELECTOR, "#examples option")
    assert len(examples) > 1, "the catalogue's queries are offered as examples"

    browser.execute_script("const yasqe = window.yasgui.getTab().getYasqe(); yasqe.setValue(arguments[0]); yasqe.query();", QUERY)
    try:
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable tbody tr td")) > 0)
    except TimeoutException:
        errors = browser.find_elements(By.CSS_SELECTOR, ".yasr .errorResult, .yasr_response_chip")
        pytest.fail(f"no result rows appeared; YASR shows: {[e.text for e in errors]}")
    table = browser.find_element(By.CSS_SELECTOR, ".yasr table.dataTable").text
    assert APULIA_LABEL in table
    link = browser.find_element(By.CSS_SELECTOR, ".yasr table.dataTable a[title$='apulia-creative-cluster-association']")
    assert link.get_attribute("href") == base_url + "/id/organisation/apulia-creative-cluster-association"

    screenshot = tmp_path / "query-page.png"
    browser.save_screenshot(str(screenshot))
    keep = os.environ.get("CLUSTERKG_SCREENSHOT_DIR")
    if keep:
        shutil.copy(screenshot, Path(keep) / "query-page.png")
    assert screenshot.stat().st_size > 10_000
    assert not png_is_blank(screenshot.read_bytes()), "the screenshot is blank"

    assert_only_same_origin(requested_urls(browser), base_url)
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, f"the page logged errors: {severe}"


def test_example_from_the_catalogue_opens_in_a_new_tab(browser: webdriver.Chrome, base_url: str) -> None:
    browser.get(base_url + "/query")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!(window.yasgui && window.yasgui.getTab())"))
    tabs_before = browser.execute_script("return Object.keys(window.yasgui._tabs).length")
    select = browser.find_element(By.ID, "examples")
    option = select.find_elements(By.TAG_NAME, "option")[1]
    title = option.text
    option.click()
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return Object.keys(window.yasgui._tabs).length") > tabs_before)
    value = browser.execute_script("return window.yasgui.getTab().getYasqe().getValue()")
    assert title in value and "SELECT" in value


def test_docs_render_without_other_hosts(browser: webdriver.Chrome, base_url: str) -> None:
    requested_urls(browser)
    browser.get(base_url + "/docs")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"))
    assert "clusterkg" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info").text
    assert_only_same_origin(requested_urls(browser), base_url)


def test_entity_page_search_box(browser: webdriver.Chrome, base_url: str) -> None:
    requested_urls(browser)
    browser.get(base_url + "/")
    box = browser.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.send_keys("puglia creativa")
    box.submit()
    WebDriverWait(browser, 20).until(lambda d: "/search" in d.current_url)
    browser.find_element(By.LINK_TEXT, APULIA_LABEL).click()
    WebDriverWait(browser, 20).until(lambda d: d.current_url.endswith("/id/organisation/apulia-creative-cluster-association"))
    assert browser.find_element(By.TAG_NAME, "h1").text == APULIA_LABEL
    assert_only_same_origin(requested_urls(browser), base_url)

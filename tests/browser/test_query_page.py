"""The SPARQL editor and /docs in a real browser: Debian's headless Chromium against a real server.

The server and the browser are conftest's (``live_server``, ``chromium``). Besides running a query and
reading its rows, the test records every request the browser makes (Chrome's performance log)
and fails if one leaves the server: that proves "no asset from a CDN" at run time, which a scan
of the bundles cannot.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest

pytest.importorskip("selenium.webdriver", reason="needs the selenium package (pip install selenium)")

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from .conftest import requested_urls  # noqa: E402

APULIA_LABEL = "Apulia Creative Cluster Association"
QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX ckg: <https://w3id.org/clusterkg/ontology#>
SELECT DISTINCT ?organisation ?name WHERE {
  ?organisation a ckg:ClusterOrganisation ; skos:prefLabel ?name .
  FILTER(LANGMATCHES(LANG(?name), "en"))
}
ORDER BY ?name"""

def assert_only_same_origin(urls: list[str], live_server: str) -> None:
    foreign = [u for u in urls if not (u.startswith(live_server + "/") or u.startswith(("data:", "blob:")))]
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


def test_query_page_runs_a_query(chromium, live_server: str, tmp_path: Path) -> None:
    requested_urls(chromium)  # start the log afresh
    chromium.get(live_server + "/query")
    wait = WebDriverWait(chromium, 30)
    ready = "return !!(window.yasgui && window.yasgui.getTab() && window.yasgui.getTab().getYasqe())"
    wait.until(lambda d: d.execute_script(ready))

    prefilled = chromium.execute_script("return window.yasgui.getTab().getYasqe().getValue()")
    assert "PREFIX ckg: <https://w3id.org/clusterkg/ontology#>" in prefilled
    assert chromium.execute_script("return window.yasgui.getTab().getEndpoint()") == live_server + "/sparql"
    examples = chromium.find_elements(By.CSS_SELECTOR, "#examples option")
    assert len(examples) > 1, "the catalogue's queries are offered as examples"

    chromium.execute_script("const yasqe = window.yasgui.getTab().getYasqe(); yasqe.setValue(arguments[0]); yasqe.query();", QUERY)
    try:
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable tbody tr td")) > 0)
    except TimeoutException:
        errors = chromium.find_elements(By.CSS_SELECTOR, ".yasr .errorResult, .yasr_response_chip")
        pytest.fail(f"no result rows appeared; YASR shows: {[e.text for e in errors]}")
    table = chromium.find_element(By.CSS_SELECTOR, ".yasr table.dataTable").text
    assert APULIA_LABEL in table
    link = chromium.find_element(By.CSS_SELECTOR, ".yasr table.dataTable a[title$='apulia-creative-cluster-association']")
    assert link.get_attribute("href") == live_server + "/id/organisation/apulia-creative-cluster-association"

    screenshot = tmp_path / "query-page.png"
    chromium.save_screenshot(str(screenshot))
    keep = os.environ.get("CLUSTERKG_SCREENSHOT_DIR")
    if keep:
        shutil.copy(screenshot, Path(keep) / "query-page.png")
    assert screenshot.stat().st_size > 10_000
    assert not png_is_blank(screenshot.read_bytes()), "the screenshot is blank"

    assert_only_same_origin(requested_urls(chromium), live_server)
    severe = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, f"the page logged errors: {severe}"


def test_example_from_the_catalogue_opens_in_a_new_tab(chromium, live_server: str) -> None:
    chromium.get(live_server + "/query")
    WebDriverWait(chromium, 30).until(lambda d: d.execute_script("return !!(window.yasgui && window.yasgui.getTab())"))
    tabs_before = chromium.execute_script("return Object.keys(window.yasgui._tabs).length")
    select = chromium.find_element(By.ID, "examples")
    option = select.find_elements(By.TAG_NAME, "option")[1]
    title = option.text
    option.click()
    WebDriverWait(chromium, 10).until(lambda d: d.execute_script("return Object.keys(window.yasgui._tabs).length") > tabs_before)
    value = chromium.execute_script("return window.yasgui.getTab().getYasqe().getValue()")
    assert title in value and "SELECT" in value


def test_docs_render_without_other_hosts(chromium, live_server: str) -> None:
    requested_urls(chromium)
    chromium.get(live_server + "/docs")
    WebDriverWait(chromium, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"))
    assert "clusterkg" in chromium.find_element(By.CSS_SELECTOR, ".swagger-ui .info").text
    assert_only_same_origin(requested_urls(chromium), live_server)


def test_entity_page_search_box(chromium, live_server: str) -> None:
    requested_urls(chromium)
    chromium.get(live_server + "/")
    box = chromium.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.send_keys("puglia creativa")
    box.submit()
    WebDriverWait(chromium, 20).until(lambda d: "/search" in d.current_url)
    chromium.find_element(By.LINK_TEXT, APULIA_LABEL).click()
    WebDriverWait(chromium, 20).until(lambda d: d.current_url.endswith("/id/organisation/apulia-creative-cluster-association"))
    assert chromium.find_element(By.TAG_NAME, "h1").text == APULIA_LABEL
    assert_only_same_origin(requested_urls(chromium), live_server)

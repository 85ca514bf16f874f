"""An embedded network view in a real browser: another site frames /view/network/coparticipation.

A second tiny HTTP server on another loopback port (another origin) serves a static page with
an <iframe> of the view; headless Chromium loads it, the view lays the network out and settles,
and the test checks that the canvas holds a drawing (pixels of more than one colour), saves a
screenshot, and that no request left the two loopback servers.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import shutil
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

EMBEDDING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A site that embeds a clusterkg network</title></head>
<body style="margin:0;font-family:sans-serif">
<h1 style="font-size:16px;margin:8px">Our partners</h1>
<iframe id="network" src="{src}" width="1100" height="760" style="border:1px solid #ccc" title="clusterkg network"></iframe>
</body></html>
"""


@pytest.fixture(scope="module")
def embedding_site(tmp_path_factory: pytest.TempPathFactory, live_server: str) -> Iterator[str]:
    """A static site on its own loopback port whose page frames the coparticipation view."""
    folder = tmp_path_factory.mktemp("embedding-site")
    (folder / "index.html").write_text(EMBEDDING_PAGE.format(src=live_server + "/view/network/coparticipation"), encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of raw pixel bytes) of an 8-bit PNG, decoded with zlib (no imaging library)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, [], b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8, "only 8-bit PNGs are decoded here"
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
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
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def colours(data: bytes, step: int = 3) -> set[bytes]:
    """The distinct colours of a PNG, sampling every ``step``-th pixel of every ``step``-th row."""
    width, height, rows = png_pixels(data)
    bpp = len(rows[0]) // width if rows else 1
    return {row[x * bpp:(x + 1) * bpp] for row in rows[::step] for x in range(0, width, step)}


def test_colours_tells_a_blank_image_from_a_drawing() -> None:
    def png(rows: list[bytes], width: int) -> bytes:
        def chunk(kind: bytes, body: bytes) -> bytes:
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + r for r in rows))) + chunk(b"IEND", b"")

    white = bytes([255, 255, 255]) * 3
    assert len(colours(png([white] * 3, 3), step=1)) == 1
    assert len(colours(png([white, bytes([255, 255, 255, 0, 0, 0, 255, 255, 255]), white], 3), step=1)) == 2


def test_embedded_view_draws_the_network(chromium, live_server: str, embedding_site: str, browser_requests,
                                         tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser_requests(chromium)  # start the request log afresh
    chromium.get(embedding_site + "/index.html")
    frame = WebDriverWait(chromium, 30).until(lambda d: d.find_element(By.ID, "network"))
    chromium.switch_to.frame(frame)
    try:
        WebDriverWait(chromium, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#mynetwork canvas"))
        WebDriverWait(chromium, 60).until(lambda d: d.execute_script("return document.body.getAttribute('data-ready')") == "true")
        assert "Who works with whom" in chromium.find_element(By.ID, "ckg-head").text
        assert "cluster organisation" in chromium.find_element(By.ID, "ckg-legend").text
        drawn = chromium.execute_script("return document.querySelector('#mynetwork canvas').toDataURL('image/png')")
        physics = chromium.execute_script("return network.physics.physicsEnabled")
        node_count = chromium.execute_script("return nodes.length")
    finally:
        chromium.switch_to.default_content()

    canvas = base64.b64decode(drawn.split(",", 1)[1])
    assert len(colours(canvas)) > 1, "the network canvas is blank"
    assert physics is False, "physics goes off once the layout has settled"
    assert node_count == 13

    screenshot = tmp_path / "embedded-network.png"
    frame.screenshot(str(screenshot))
    keep = os.environ.get("CLUSTERKG_SCREENSHOT_DIR")
    if keep:
        shutil.copy(screenshot, Path(keep) / "embedded-network.png")
    assert len(colours(screenshot.read_bytes(), step=4)) > 1, "the screenshot of the frame is blank"

    requests = browser_requests(chromium)
    assert any(url.startswith(live_server + "/view/network/coparticipation") for url in requests)
    foreign = [u for u in requests if not u.startswith((live_server + "/", embedding_site + "/", "data:", "blob:", "about:"))]
    assert not foreign, f"the embedded view requested other hosts: {foreign}"
    severe = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]]
    assert not severe, f"the pages logged errors: {severe}"

"""Shared by the page tests: Debian's headless Chromium (no driver download) and a real server.

``live_server`` starts the service in a subprocess (uvicorn on a free loopback port) over the
store built once per session; ``chromium`` is a Selenium-driven headless Chromium with a fresh
profile that logs every request, so a test can prove nothing left the machine.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,1000",
)

# The socket is bound here and handed to uvicorn, so no other process can take the port.
_LAUNCH = """
import socket, sys
import uvicorn
from clusterkg.api.app import create_app

sock = socket.socket(fileno=int(sys.argv[1]))
uvicorn.Server(uvicorn.Config(create_app(), log_level="warning")).run(sockets=[sock])
"""


@pytest.fixture(scope="session")
def live_server(built_store: Path) -> Iterator[str]:
    """The base URL of the service over the built store, on a free loopback port."""
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
                if httpx.get(url + "/api/networks", timeout=5).status_code == 200:
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


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory):
    """Headless Chromium (Debian's, through /usr/bin/chromedriver), logging every network request."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(f"needs Debian's Chromium: apt-get install -y chromium chromium-driver ({CHROMIUM}, {CHROMEDRIVER})")
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs the selenium package")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver) -> list[str]:  # noqa: ANN001 - a selenium WebDriver
    """The URLs the browser requested since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture
def browser_requests():
    """``browser_requests(driver)``: the URLs requested since the last call."""
    return requested_urls

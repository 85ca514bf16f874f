"""Home page, SPARQL editor, catalogue pages, offline /docs, and no asset from another host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from clusterkg.api.app import create_app
from clusterkg.api.ui import INSTALL_HINT, STATIC_MOUNTS, assets_installed
from clusterkg.catalogue import load_catalogue
from clusterkg.config import Settings
from clusterkg.iris import sparql_prefixes

ORIGIN = "http://testserver"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    if not assets_installed():
        missing = [str(folder) for folder in STATIC_MOUNTS.values() if not folder.is_dir()]
        pytest.fail(f"front-end assets missing ({', '.join(missing)}): run '{INSTALL_HINT}' in the project folder")
    with TestClient(create_app(Settings(store=built_store)), base_url=ORIGIN) as client:
        yield client


def test_home_page_says_what_the_graph_holds(client: TestClient) -> None:
    response = client.get("/", headers=HTML)
    assert response.status_code == 200
    text = response.text
    assert "NUTS region" in text and "cluster organisation" in text  # counts per class
    assert 'href="/graph/000-chimera-action-plan"' in text  # named graphs...
    assert "data/curated/000-chimera-action-plan.ttl" in text  # ...where they were loaded from
    assert 'href="/source/seed-000-chimera-action-plan"' in text  # ...and their source documents
    assert re.search(r"built \d{4}-\d{2}-\d{2}T", text)  # last build time, from the catalog graph
    for feature in [
        "/query", "/sparql", "/api/queries", "/queries", "/docs", "/dumps/clusterkg.nq", "/dumps/clusterkg.ttl",
        "/dumps/clusterkg.jsonld", "/.well-known/void", "/api/search", "/ontology", "/dataset",
    ]:
        assert re.search(rf'href="{re.escape(feature)}[?"]', text), f"the home page does not link {feature}"


def test_home_page_lists_the_catalogue(client: TestClient) -> None:
    text = client.get("/", headers=HTML).text
    for query in load_catalogue():
        assert f'href="/queries/{query.name}"' in text


def test_query_editor(client: TestClient) -> None:
    response = client.get("/query", headers=HTML)
    assert response.status_code == 200
    text = response.text
    assert 'src="/static/yasgui/yasgui.min.js"' in text
    assert 'href="/static/yasgui/yasgui.min.css"' in text
    assert "PREFIX ckg: \\u003chttps://w3id.org/clusterkg/ontology#\\u003e" in text or sparql_prefixes().splitlines()[0] in text
    assert '"endpoint": "/sparql"' in text
    for query in load_catalogue():
        assert query.title.replace("'", "&#39;") in text or query.title in text
    for path, media in [
        ("/static/yasgui/yasgui.min.js", "javascript"),
        ("/static/yasgui/yasgui.min.css", "text/css"),
        ("/static/ckg/query.js", "javascript"),
        ("/static/ckg/clusterkg.css", "text/css"),
    ]:
        asset = client.get(path)
        assert asset.status_code == 200 and media in asset.headers["content-type"], path


def test_catalogue_pages(client: TestClient) -> None:
    listing = client.get("/queries", headers=HTML)
    assert listing.status_code == 200
    for query in load_catalogue():
        page = client.get(f"/queries/{query.name}", headers=HTML)
        assert page.status_code == 200, query.name
        assert query.title.replace("'", "&#39;") in page.text or query.title in page.text
        assert f'data-api="/api/queries/{query.name}"' in page.text
        for parameter in query.parameters:
            assert f'name="{parameter.name}"' in page.text
        assert "SELECT" in page.text
    assert client.get("/queries/no_such_query", headers=HTML).status_code == 404


def test_catalogue_query_page_keeps_values_from_the_url(client: TestClient) -> None:
    query = next((q for q in load_catalogue() if q.parameters), None)
    if query is None:
        pytest.skip("no catalogue query has parameters")
    parameter = query.parameters[0]
    page = client.get(f"/queries/{query.name}", params={parameter.name: parameter.example}, headers=HTML)
    assert f'value="{parameter.example}"' in page.text


def test_docs_are_served_offline(client: TestClient) -> None:
    response = client.get("/docs", headers=HTML)
    assert response.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in response.text
    assert "/static/swagger/swagger-ui.css" in response.text
    assert '"validatorUrl": null' in response.text
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404


# ---------------------------------------------------------------- no asset from another host


class _References(HTMLParser):
    """Every URL a page references: (tag, attribute, url, rel)."""

    URL_ATTRIBUTES = {"src", "href", "action", "poster", "data", "formaction", "srcset", "background", "manifest"}

    def __init__(self) -> None:
        super().__init__()
        self.references: list[tuple[str, str, str, str]] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = (values.get("rel") or "").lower()
        for name, value in attrs:
            if value is None:
                continue
            if name in self.URL_ATTRIBUTES:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
                self.references += [(tag, name, url, rel) for url in urls]
            if name == "style":
                self.references += [(tag, "style", url, rel) for url in css_urls(value)]
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:
            self.references += [("style", "url", url, "") for url in css_urls(data)]


def css_urls(css: str) -> list[str]:
    """The targets of url(...) and @import in CSS."""
    found = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css)
    found += re.findall(r"@import\s+['\"]([^'\"]+)['\"]", css)
    return [url.strip() for url in found]


def same_origin(url: str, page: str) -> bool:
    """Relative, same-origin, data:, fragment or javascript-free mailto are fine; another host is not."""
    if url.startswith(("data:", "#", "mailto:")):
        return True
    absolute = urljoin(ORIGIN + page, url)
    return urlsplit(absolute).netloc == urlsplit(ORIGIN).netloc and urlsplit(absolute).scheme in ("http", "https")


# Hosts a bundle would fetch from if it loaded anything at run time (fonts, CDNs, vocabulary services).
_REMOTE_LOADS = re.compile(
    r"(?:cdn\.jsdelivr|unpkg\.com|cdnjs\.|googleapis\.com|gstatic\.com|fonts\.|bootstrapcdn|"
    r"code\.jquery\.com|use\.fontawesome|kit\.fontawesome|prefix\.cc/popular)",
)


def _pages(client: TestClient) -> list[str]:
    query = next(iter(load_catalogue()), None)
    pages = ["/", "/query", "/docs", "/queries", "/search?q=puglia", "/ontology",
             "/id/organisation/apulia-creative-cluster-association", "/region/ITF4", "/graph/catalog"]
    if query is not None:
        pages.append(f"/queries/{query.name}")
    return pages


def test_no_page_loads_anything_from_another_host(client: TestClient) -> None:
    """Every src/href/url(...) of every page, and of the CSS and JS they load, stays on this host.

    Links (<a>) to the documents the data cites are navigation, not assets: they must be marked
    rel="external" to be allowed. The browser test checks the requests a real browser makes.
    """
    loaded: set[str] = set()
    for page in _pages(client):
        response = client.get(page, headers=HTML)
        assert response.status_code == 200, page
        parser = _References()
        parser.feed(response.text)
        for tag, attribute, url, rel in parser.references:
            if tag == "a" and "external" in rel.split():
                continue
            assert same_origin(url, page), f"{page}: <{tag} {attribute}={url!r}> points to another host"
            if (tag == "script" and attribute == "src") or (tag == "link" and "stylesheet" in rel):
                loaded.add(urljoin(page, url))
    assert {"/static/yasgui/yasgui.min.js", "/static/swagger/swagger-ui-bundle.js", "/static/ckg/clusterkg.css"} <= loaded
    for asset in sorted(loaded):
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = response.text
        for url in css_urls(body):
            assert same_origin(url, asset), f"{asset}: url({url}) points to another host"
        remote = _REMOTE_LOADS.search(body)
        assert remote is None, f"{asset} names a remote host it would load from: {remote.group(0) if remote else ''}"
        mapping = re.search(r"sourceMappingURL=(\S+)", body)
        if mapping:
            assert same_origin(mapping.group(1), asset), f"{asset}: source map on another host"

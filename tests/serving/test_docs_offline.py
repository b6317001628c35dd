"""/docs and /redoc work without internet: every script, stylesheet and icon they reference is served by the app
itself (from the fastapi-offline package), not by a CDN."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest


class _AssetRefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def _asset_urls(html: str) -> list[str]:
    parser = _AssetRefs()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize(("page", "kinds"), [("/docs", {".js", ".css"}), ("/redoc", {".js"})])
def test_docs_pages_reference_only_local_assets_that_are_served(client, page, kinds):
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.search(r"(https?:)?//[\w.-]+\.[a-z]{2,}", html), "the page names a host outside the app"

    urls = _asset_urls(html)
    assert {u[u.rfind("."):] for u in urls} >= kinds, urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        if url.endswith((".js", ".css")):
            assert len(asset.content) > 50_000, (url, len(asset.content))  # the real bundle, not a stub
            expected = "javascript" if url.endswith(".js") else "text/css"
            assert expected in asset.headers["content-type"], (url, asset.headers["content-type"])


def test_swagger_ui_bundle_renders_openapi_3_1(client):
    """Our spec is OpenAPI 3.1; Swagger UI 4 refuses it, so the served bundle must be Swagger UI 5 (OAS 3.1 aware)."""
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    script = next(u for u in _asset_urls(client.get("/docs").text) if u.endswith("swagger-ui-bundle.js"))
    assert "isOAS31" in client.get(script).text

"""The console function: its page's policy and references, its static files, and the vendored libraries as
pinned (what the page does in a browser is tests/e2e/test_console.py)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from html.parser import HTMLParser
from types import ModuleType
from typing import Any

import pytest
from researcher_pro.core.config import get_settings

from tests.harness import ROOT

CONSOLE = ROOT / "functions" / "console"
VENDOR = CONSOLE / "static" / "vendor"
EVENTS = ROOT / "infra" / "events" / "console"


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("RP_WS_URL", 'wss://ws.example.com/prod?"><script>')
    get_settings.cache_clear()
    spec = importlib.util.spec_from_file_location("console_function", CONSOLE / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    get_settings.cache_clear()
    return module


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self.found and self.found[-1][0] == "script":
            self.script_text += data.strip()


def get(console: ModuleType, name: str | None = None) -> dict[str, Any]:
    """The function's answer to its sample event (infra/events/console), for the page or the file `name`."""
    event = json.loads((EVENTS / ("console.json" if name is None else "static.json")).read_text())
    if name is not None:
        event["pathParameters"]["name"] = name
    return dict(console.handler(event, None))


def test_the_page_runs_only_its_own_files_under_a_nonce_and_trusted_types(console: ModuleType) -> None:
    page = get(console)
    policy = page["headers"]["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([\w-]+)'", policy).group(1)  # type: ignore[union-attr]
    assert f"style-src 'nonce-{nonce}'" in policy and "unsafe" not in policy
    assert "require-trusted-types-for 'script'; trusted-types dompurify" in policy
    assert "connect-src 'self' wss://ws.example.com;" in policy
    assert get(console)["headers"]["content-security-policy"] != policy  # a fresh nonce each time

    elements = Elements()
    elements.feed(page["body"])
    assert elements.script_text == ""  # no inline script
    assert not any("style" in attrs or any(a.startswith("on") for a in attrs) for _, attrs in elements.found)
    assert ("meta", {"name": "rp-ws-url", "content": 'wss://ws.example.com/prod?"><script>'}) in elements.found
    loaded = [(tag, attrs) for tag, attrs in elements.found if tag == "script" or attrs.get("rel") == "stylesheet"]
    assert [attrs.get("src") or attrs.get("href") for _, attrs in loaded] == [
        console.ASSETS[name].url for name in ("console.css", "marked.umd.js", "purify.min.js", "console.js")
    ]
    assert all(attrs["nonce"] == nonce for _, attrs in loaded)


def test_static_files_are_served_with_their_type_and_cached_by_their_content_hash(console: ModuleType) -> None:
    for name, media_type in [("console.js", "text/javascript"), ("console.css", "text/css"), ("purify.min.js", "")]:
        served = get(console, name)
        path = CONSOLE / "static" / name if (CONSOLE / "static" / name).exists() else VENDOR / name
        body = path.read_text(encoding="utf-8")
        assert served["statusCode"] == 200 and served["body"] == body
        assert served["headers"]["content-type"].startswith(media_type or "text/javascript")
        assert served["headers"]["cache-control"] == "public, max-age=31536000, immutable"
        assert served["headers"]["x-content-type-options"] == "nosniff"
        assert console.ASSETS[name].url.endswith(f"?v={hashlib.sha256(body.encode()).hexdigest()[:16]}")


@pytest.mark.parametrize("name", ["app.py", "console.html", "vendor.json", "marked.LICENSE", "..", "nope.js"])
def test_anything_else_is_not_found(console: ModuleType, name: str) -> None:
    missing = get(console, name)
    assert missing["statusCode"] == 404
    assert missing["headers"]["content-type"] == "application/problem+json"
    assert json.loads(missing["body"])["status"] == 404


def test_the_vendored_libraries_are_the_pinned_files_with_their_licences() -> None:
    manifest = json.loads((VENDOR / "vendor.json").read_text())
    listed = {served for package in manifest.values() for served in package["files"]}
    assert listed == {path.name for path in VENDOR.iterdir()} - {"vendor.json"}
    for name, package in manifest.items():
        assert package["integrity"].startswith("sha512-") and package["version"] in package["tarball"]
        assert any("LICENSE" in served for served in package["files"]), name
        for served, file in package["files"].items():
            assert hashlib.sha256((VENDOR / served).read_bytes()).hexdigest() == file["sha256"], served

"""The console page's browser libraries, vendored into functions/console/static/vendor and served from our own
origin (the page's Content-Security-Policy allows no other). vendor.json there pins each package's version,
the npm registry's integrity hash of its tarball, and the SHA-256 of every file taken from it;
tests/unit/test_console.py checks the files against it.

To update, name the new versions (what a package contributes is its `files` in vendor.json):

    .venv/bin/python infra/tools/console_vendor.py marked@18.3.0 dompurify@3.5.1

It fetches each tarball from the npm registry, refuses it unless it matches the registry's integrity hash,
writes the files and rewrites vendor.json. Read the packages' release notes first; then run the console's
browser test (tests/e2e/test_console.py).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parents[2] / "functions" / "console" / "static" / "vendor"
MANIFEST = VENDOR / "vendor.json"
REGISTRY = "https://registry.npmjs.org"


def fetch(url: str) -> bytes:
    if not url.startswith(f"{REGISTRY}/"):
        raise SystemExit(f"refusing to fetch {url}: not the npm registry")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the registry's https URL, checked above
        return bytes(response.read())


def verified_tarball(name: str, version: str) -> tuple[dict[str, Any], bytes]:
    release = json.loads(fetch(f"{REGISTRY}/{name}/{version}"))
    dist = release["dist"]
    tarball = fetch(dist["tarball"])
    algorithm, _, expected = dist["integrity"].partition("-")
    if algorithm != "sha512" or base64.b64encode(hashlib.sha512(tarball).digest()).decode() != expected:
        raise SystemExit(f"{name}@{version}: the tarball does not match the registry's integrity {dist['integrity']}")
    return release, tarball


def update(manifest: dict[str, Any], name: str, version: str) -> None:
    entry = manifest.get(name)
    if entry is None:
        raise SystemExit(f"{name} is not in {MANIFEST.name}: add it there with the files it contributes")
    release, tarball = verified_tarball(name, version)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for served, file in entry["files"].items():
            try:
                member = archive.extractfile(file["from"])
            except KeyError:
                member = None
            if member is None:
                raise SystemExit(f"{name}@{version} has no file {file['from']}")
            body = member.read()
            (VENDOR / served).write_bytes(body)
            file["sha256"] = hashlib.sha256(body).hexdigest()
    entry.update(
        version=version,
        license=release.get("license", entry.get("license")),
        tarball=release["dist"]["tarball"],
        integrity=release["dist"]["integrity"],
    )


def main(specs: list[str]) -> None:
    if not specs or any("@" not in spec.lstrip("@") for spec in specs):
        raise SystemExit(__doc__)
    manifest = json.loads(MANIFEST.read_text())
    for spec in specs:
        name, _, version = spec.rpartition("@")
        update(manifest, name, version)
        print(f"{name} {version}")
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

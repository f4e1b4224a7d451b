"""Sources are numbered once, in the order first retrieved, deduplicated by normalised URL."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from researcher_pro.core.citations import normalise_url
from researcher_pro.providers.base import Retrieved


class SourceRegistry:
    """Numbers sources 1, 2, 3… in the order first retrieved."""

    def __init__(self) -> None:
        self._by_key: dict[str, int] = {}
        self.sources: list[dict[str, Any]] = []

    def add(self, source: Retrieved) -> int:
        key = normalise_url(source.url)
        if key in self._by_key:
            return self._by_key[key]
        n = len(self.sources) + 1
        self._by_key[key] = n
        self.sources.append({"n": n, **asdict(source)})
        return n

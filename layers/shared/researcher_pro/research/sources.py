"""Sources are numbered once, in the order first retrieved, deduplicated by normalised URL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from researcher_pro.core.citations import normalise_url
from researcher_pro.providers.base import Retrieved


class SourceRegistry:
    """Numbers sources 1, 2, 3… in the order first retrieved; a source keeps its number for the whole run,
    whichever round finds it again."""

    def __init__(self, known: Sequence[dict[str, Any]] = ()) -> None:
        self._by_key: dict[str, int] = {}
        self.sources: list[dict[str, Any]] = []
        for source in known:
            self._by_key[normalise_url(str(source["url"]))] = int(source["n"])
            self.sources.append(source)

    def add(self, source: Retrieved) -> int:
        key = normalise_url(source.url)
        if key in self._by_key:
            return self._by_key[key]
        n = len(self.sources) + 1
        self._by_key[key] = n
        self.sources.append({"n": n, **asdict(source)})
        return n

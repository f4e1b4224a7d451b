"""What `rp` prints: rendered for a person on a terminal, plain for a pipe, JSON for a script."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from researcher_pro_client.models import Research, Source


class Output:
    def __init__(self) -> None:
        self.out = Console(highlight=False)
        self.err = Console(stderr=True, highlight=False)
        # A pipe gets whole lines: wrapping is for a person's terminal.
        self.out.soft_wrap = not self.out.is_terminal
        self.err.soft_wrap = not self.err.is_terminal

    @property
    def terminal(self) -> bool:
        """Whether a person is watching: progress, prompts and rendered Markdown are for them only."""
        return self.out.is_terminal

    @property
    def interactive(self) -> bool:
        return self.err.is_terminal and sys.stdin.isatty()

    def json(self, value: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> None:
        if isinstance(value, BaseModel):
            data: Any = value.model_dump(mode="json", by_alias=True)
        elif isinstance(value, dict):
            data = value
        else:
            data = [item.model_dump(mode="json", by_alias=True) for item in value]
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def line(self, text: str) -> None:
        """A plain line on stdout, never reinterpreted as markup (and its tabs kept, for `cut`)."""
        if self.terminal:
            self.out.print(Text(text))
        else:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def note(self, text: str) -> None:
        """A message for the person, on stderr (stdout stays what a script reads)."""
        self.err.print(Text(text))

    def error(self, text: str) -> None:
        # One line, whatever the message holds: a script greps it, a person reads it.
        self.err.print(Text("rp: " + " ".join(text.split())), style="red" if self.err.is_terminal else None)

    def markdown(self, text: str) -> None:
        if self.terminal:
            self.out.print(Markdown(text))
        else:
            sys.stdout.write(text.rstrip("\n") + "\n")

    def table(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        if self.terminal:
            table = Table(*columns, show_edge=False, header_style="bold")
            for row in rows:
                table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
            self.out.print(table)
        else:
            for row in rows:
                sys.stdout.write("\t".join("" if cell is None else str(cell) for cell in row) + "\n")

    def research(self, research: Research) -> None:
        """A finished run: its answer as Markdown, then its sources, numbered as the answer cites them."""
        self.markdown(research.answer or f"_No answer: the run {research.status}._")
        if not research.sources:
            return
        self.out.print()
        self.out.print(Text("Sources", style="bold") if self.terminal else Text("Sources"))
        for source in research.sources:
            self.out.print(_source_line(source, styled=self.terminal))


def _source_line(source: Source, styled: bool) -> Text:
    line = Text(f"[{source.n}] ", style="bold" if styled else "")
    line.append(source.title or source.url)
    where = source.url if source.url.startswith(("http://", "https://")) else f"{source.origin}: {source.url}"
    line.append(f"  {where}", style="dim" if styled else "")
    return line

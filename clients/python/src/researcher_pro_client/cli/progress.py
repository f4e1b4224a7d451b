"""A live progress bar for a research run, fed by its events: stage, round, percentage and cost so far."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn

from researcher_pro_client.models import ResearchEvent


def describe(event: ResearchEvent) -> str:
    """`search · round 2/3`: where the run is (rounds come with deep research; older servers send none)."""
    stage = event.stage or event.type.removeprefix("research.")
    round_, of = event.round, event.of
    if isinstance(round_, int):
        return f"{stage} · round {round_}/{of}" if isinstance(of, int) else f"{stage} · round {round_}"
    return stage


class RunProgress:
    """The bar is drawn on stderr, so stdout carries only the answer."""

    def __init__(self, console: Console, research_id: str) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[cost]}"),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[message]}"),
            console=console,
            transient=True,
        )
        self._cost = "$0.0000"
        self._task: TaskID = self._progress.add_task("queued", total=100, cost=self._cost, message=research_id)

    def update(self, event: ResearchEvent, cost_usd: float | None) -> None:
        if cost_usd is not None:
            self._cost = f"${cost_usd:.4f}"
        self._progress.update(
            self._task,
            description=describe(event),
            completed=event.progress * 100,
            cost=self._cost,
            message=event.message,
        )

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

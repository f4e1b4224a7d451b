"""A watch's runs: recorded before their research is started (with the research id chosen up front), then
started idempotently.

A recorded run sits in the scheduler's due index until its start is confirmed, so whatever dies between
recording and starting (the API function, the scheduler), the scheduler finishes the start on a later
tick: every recorded run gets exactly one research.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from researcher_pro.core.clock import epoch_rfc3339
from researcher_pro.core.errors import DomainError
from researcher_pro.core.ids import RESEARCH
from researcher_pro.core.observability import logger
from researcher_pro.watches.repository import WatchRepository

if TYPE_CHECKING:
    from researcher_pro.research.service import ResearchService
    from researcher_pro.watches.models import RunTrigger


class WatchRuns:
    def __init__(
        self, repo: WatchRepository, research: Callable[[], ResearchService], start_grace_seconds: int
    ) -> None:
        self._repo = repo
        # Called when a run starts: the scheduler's container builds research (and pydantic) only then.
        self._research = research
        self._grace = start_grace_seconds

    def new_run(self, watch: dict[str, Any], trigger: RunTrigger, now: float) -> dict[str, Any]:
        """A run of `watch` to record now, with its research id chosen up front."""
        return {
            "watch_id": watch["id"],
            "research_id": RESEARCH.new(),
            "trigger": trigger,
            "started_at": epoch_rfc3339(now),
            # The research parameters as they were when the run was due, so a resumed start runs exactly them.
            "request": watch["request"],
        }

    def resume_at(self, now: float) -> int:
        """When the scheduler starts a recorded run whose start was not confirmed by then."""
        return int(now) + self._grace

    def start(self, tenant: str, run: dict[str, Any]) -> None:
        """Start (or finish starting) the research of a recorded run; idempotent on its research id."""
        from pydantic import ValidationError

        from researcher_pro.research.models import ResearchRequest
        from researcher_pro.watches.models import first_error

        watch_id = run["watch_id"]
        error = None
        try:
            request = ResearchRequest.model_validate_json(run["request"])
            self._research().start(tenant, request, watch_id=watch_id, research_id=run["research_id"])
        except ValidationError as invalid:
            error = {"code": "invalid_request", "message": first_error(invalid)}
        except DomainError as refused:  # e.g. its template is gone: the run fails, later runs still try
            error = {"code": refused.code, "message": refused.detail}
        if error:
            logger.warning("a watch run could not start", extra={"watch_id": watch_id, **error})
        self._repo.run_started(tenant, watch_id, run, error)

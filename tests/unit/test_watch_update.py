"""A watch's PATCH body is derived from the research request, so the two can never drift apart."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from researcher_pro.research.models import ResearchRequest
from researcher_pro.watches.models import WatchUpdate


def test_every_research_parameter_can_be_changed_and_nothing_is_required() -> None:
    assert set(ResearchRequest.model_fields) <= set(WatchUpdate.model_fields)
    assert WatchUpdate.model_validate({}).model_dump(exclude_unset=True) == {}


@pytest.mark.parametrize(
    "change",
    [
        {"template_id": "not an id!"},
        {"variables": {f"v{i}": i for i in range(61)}},
        {"domains": ["not a domain"]},
        {"max_cost_usd": 0},
        {"sources": []},
        {"query": ""},
        {"depth": "bottomless"},
    ],
)
def test_a_change_a_research_request_would_refuse_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ResearchRequest.model_validate({"query": "q", **change} if "query" not in change else change)
    with pytest.raises(ValidationError):
        WatchUpdate.model_validate(change)

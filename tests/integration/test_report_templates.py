"""A template's sections shape the report, against moto server: the template service, the research and
the report runner, wired as the functions wire them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from researcher_pro.core.config import get_settings
from researcher_pro.core.errors import InvalidInput
from researcher_pro.documents.models import DocumentCreate
from researcher_pro.reports.models import ReportRequest
from researcher_pro.research.models import ResearchRequest
from researcher_pro.tasks.messages import TaskMessage
from researcher_pro.tasks.steps import StepTask
from researcher_pro.templates.models import TemplateInput

from infra.local.template import Stack

TENANT = "templated"
SECTIONS = [
    {"title": "Market size", "instructions": "How big the market is in {{ region }}, in units and in money."},
    {"title": "Efficiency", "instructions": "How the efficiency holds up at minus temperatures."},
    {"title": "Open questions", "instructions": "What the sources leave unanswered."},
]
TEMPLATE = {
    "name": "Market brief",
    "variables": {"region": {"type": "string", "default": "Europe"}},
    "prompt": "The heat pump market in {{ region }}",
    "sections": SECTIONS,
}


def run_all_steps(runner: StepTask, task_id: str, kind: str) -> None:
    """Each step the task's record names next, as the worker would receive them, until the task ends."""
    while (record := runner.repo.get(TENANT, task_id)) is not None and record["status"] in ("queued", "running"):
        step = record["step"]
        message = TaskMessage(task_id=task_id, tenant=TENANT, kind=kind, step=step)  # type: ignore[arg-type]
        assert runner.run_step(message, remaining_seconds=60, owner=f"test:{step}", receive_count=1) == "done"
    assert record is not None and record["status"] == "succeeded", record


Container = SimpleNamespace


@pytest.fixture
def container(stack: Stack) -> Container:
    """The services these tests drive, wired as the functions wire them."""
    from researcher_pro.documents.wiring import document_service
    from researcher_pro.reports.wiring import report_service, report_task
    from researcher_pro.research.wiring import research_pipeline, research_service
    from researcher_pro.tasks.wiring import task_repository
    from researcher_pro.templates.wiring import template_service

    settings = get_settings()
    return Container(
        templates=template_service(settings),
        documents=document_service(settings),
        research=research_service(settings, ()),
        pipeline=research_pipeline(settings, ()),
        reports=report_service(settings),
        report_task=report_task(settings, ()),
        report_repo=task_repository(settings, "report"),
    )


def market_template(container: Container) -> str:
    """A tenant's template at version 2 (the first version had no sections)."""
    first = container.templates.create(TENANT, TemplateInput.model_validate({**TEMPLATE, "sections": []}))
    return container.templates.update(TENANT, first.id, TemplateInput.model_validate(TEMPLATE)).id


def test_a_templates_sections_and_version_shape_the_report(container: Container) -> None:
    container.documents.create(
        TENANT,
        DocumentCreate(
            title="Heat pump market",
            text="The heat pump market sold three million units in Europe last year. Cold-climate heat pumps "
            "keep an efficiency of 2 at minus 15 degrees.",
        ),
    )
    research = container.research.start(TENANT, ResearchRequest(query="heat pump market efficiency", depth="quick"))
    run_all_steps(container.pipeline, research.id, "research")

    template_id = market_template(container)
    report = container.reports.start(
        TENANT, ReportRequest(research_id=research.id, template_id=template_id, format="markdown")
    )
    assert report.template_id == template_id and report.template_version == 2
    run_all_steps(container.report_task, report.id, "report")

    done = container.reports.get(TENANT, report.id)
    assert done.status == "succeeded" and done.template_version == 2
    assert done.sections == [s["title"] for s in SECTIONS]
    content = done.content or ""
    positions = [content.index(f"\n## {s['title']}\n") for s in SECTIONS] + [content.index("\n## Sources\n")]
    assert positions == sorted(positions)
    assert "three million units in Europe last year [1]." in content
    assert "efficiency of 2 at minus 15 degrees [1]." in content
    assert "No finding speaks to \u201cOpen questions\u201d directly" in content


def test_an_unknown_or_foreign_template_is_422_naming_it(container: Container) -> None:
    research = container.research.start(TENANT, ResearchRequest(query="anything", depth="quick"))
    run_all_steps(container.pipeline, research.id, "research")
    before = container.report_repo.list_page(TENANT, 100, None, None)[0]
    with pytest.raises(InvalidInput, match="template_id: no template tpl_other"):
        container.reports.start(TENANT, ReportRequest(research_id=research.id, template_id="tpl_other"))
    foreign = container.templates.create("another-tenant", TemplateInput.model_validate(TEMPLATE)).id
    with pytest.raises(InvalidInput, match=f"template_id: no template {foreign}"):
        container.reports.start(TENANT, ReportRequest(research_id=research.id, template_id=foreign))
    assert container.report_repo.list_page(TENANT, 100, None, None)[0] == before


def test_a_report_on_a_templated_research_takes_the_sections_it_rendered(container: Container) -> None:
    template_id = market_template(container)
    research = container.research.start(
        TENANT,
        ResearchRequest.model_validate(
            {"template_id": template_id, "variables": {"region": "Norway"}, "depth": "quick"}
        ),
    )
    run_all_steps(container.pipeline, research.id, "research")
    report = container.reports.start(TENANT, ReportRequest(research_id=research.id, format="json"))
    assert report.template_id == template_id and report.template_version == 2
    run_all_steps(container.report_task, report.id, "report")
    done = container.reports.get(TENANT, report.id)
    assert done.sections == [s["title"] for s in SECTIONS]

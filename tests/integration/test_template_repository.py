"""Template versions are immutable and numbered without gaps or duplicates, even under concurrent writers."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from researcher_pro.templates.repository import TemplateRepository

from infra.local.template import Stack
from tests.integration.conftest import TEST_CURSORS


def version(template_id: str, number: int, prompt: str) -> dict[str, Any]:
    return {
        "id": template_id,
        "name": "t",
        "description": "",
        "variables": {"a": {"type": "number", "default": 2.5}},
        "prompt": prompt,
        "sections": [{"title": "S", "instructions": ""}],
        "version": number,
        "created_at": "2026-11-26T10:00:00.000Z",
        "updated_at": f"2026-11-26T10:00:0{number}.000Z",
    }


def test_a_version_is_written_once_and_the_head_follows_the_latest(stack: Stack) -> None:
    repo = TemplateRepository(stack.physical_name("DataTable"), TEST_CURSORS)
    template_id = f"tpl_{uuid.uuid4().hex}"
    repo.create("t", version(template_id, 1, "first"))
    assert repo.add_version("t", version(template_id, 2, "second"))
    # A writer that read the head at version 1 loses: version 2 exists and the head has moved on.
    assert not repo.add_version("t", version(template_id, 2, "stale"))
    assert repo.get("t", template_id)["prompt"] == "second"
    assert repo.get_version("t", template_id, 1)["prompt"] == "first"
    assert repo.get_version("t", template_id, 2)["variables"] == {"a": {"type": "number", "default": 2.5}}
    assert repo.get("other-tenant", template_id) is None


def test_concurrent_writers_get_distinct_consecutive_versions(stack: Stack) -> None:
    repo = TemplateRepository(stack.physical_name("DataTable"), TEST_CURSORS)
    template_id = f"tpl_{uuid.uuid4().hex}"
    repo.create("t", version(template_id, 1, "first"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        won = list(pool.map(lambda i: repo.add_version("t", version(template_id, 2, f"writer {i}")), range(4)))
    assert won.count(True) == 1
    versions, _ = repo.versions_page("t", template_id, 10, None)
    assert [v["version"] for v in versions] == [2, 1]
    assert repo.get("t", template_id)["prompt"] == versions[0]["prompt"]


def test_delete_removes_every_version_and_no_version_can_follow(stack: Stack) -> None:
    repo = TemplateRepository(stack.physical_name("DataTable"), TEST_CURSORS)
    template_id = f"tpl_{uuid.uuid4().hex}"
    repo.create("t", version(template_id, 1, "first"))
    for number in range(2, 5):
        assert repo.add_version("t", version(template_id, number, f"v{number}"))
    assert repo.delete("t", template_id)
    assert repo.get("t", template_id) is None and repo.get_version("t", template_id, 1) is None
    assert repo.versions_page("t", template_id, 10, None) == ([], None)
    assert not repo.add_version("t", version(template_id, 5, "after delete"))
    assert not repo.delete("t", template_id)

"""`python -m benchmarks.run <section>` replaces that section's figures and leaves the others as measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import run


@pytest.fixture
def sections(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    measured: list[str] = []

    def section(name: str) -> Any:
        def measure() -> dict[str, Any]:
            measured.append(name)
            return {"runs": len(measured), "target": {"met": name == "first"}}

        return measure

    monkeypatch.setattr(run, "RESULTS", tmp_path / "results.json")
    monkeypatch.setattr(run, "SECTIONS", {"first": section("first"), "second": section("second")})
    monkeypatch.setattr(run, "summary", lambda results: [])
    return measured


def test_a_section_run_alone_replaces_only_its_own_figures(sections: list[str]) -> None:
    assert run.main([]) == 0
    before = json.loads(run.RESULTS.read_text())

    assert run.main(["second"]) == 0
    after = json.loads(run.RESULTS.read_text())

    assert sections == ["first", "second", "second"]
    assert after["first"] == before["first"]
    assert after["second"]["runs"] == 3
    for name in ("first", "second"):
        assert set(after[name]) >= {"measured_at", "load_average", "elapsed_s"}
        assert set(after[name]["load_average"]) == {"start", "end"}
    # No stamp for the whole file: it would describe only the last section run.
    assert not {"timestamp", "load_average", "elapsed_s"} & set(after)
    assert after["targets_met"] == {"first": True, "second": False}


def test_an_unknown_section_changes_nothing(sections: list[str]) -> None:
    assert run.main(["nonesuch"]) == 2
    assert sections == []
    assert not run.RESULTS.exists()

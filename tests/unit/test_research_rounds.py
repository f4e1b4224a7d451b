"""The research loop's rules, each on its own: when a round may start, where a step leads, why the loop
stopped, what the rounds add up to, and how a source keeps its number from round to round."""

from __future__ import annotations

from typing import Any

import pytest
from researcher_pro.providers.base import Retrieved
from researcher_pro.research.pipeline import room_for_another_round, state_of, step_after, stop_reason
from researcher_pro.research.sources import SourceRegistry

NOW = 1_800_000_000.0


def room(**given: Any) -> str | None:
    values: dict[str, Any] = {
        "spent": 0.01,
        "rounds_done": 1,
        "reserve": 0.01,
        "budget": None,
        "started": NOW - 10,
        "seconds": None,
        "now": NOW,
    }
    return room_for_another_round(**(values | given))


def test_another_round_fits_when_neither_budget_nor_deadline_is_near() -> None:
    assert room() is None
    assert room(budget=0.05) is None  # 0.01 spent + 0.01 a round + 0.01 for the answer
    assert room(seconds=120) is None  # 10 s a round: another and the answer end by 40 s


def test_the_budget_stops_the_loop_when_another_round_would_leave_too_little_for_the_answer() -> None:
    assert room(budget=0.025) == "budget"
    # Rounds so far set the pace: two rounds for 0.02 spent cost 0.01 each.
    assert room(spent=0.02, rounds_done=2, budget=0.035) == "budget"
    assert room(spent=0.02, rounds_done=2, budget=0.045) is None


def test_the_deadline_stops_the_loop_when_another_round_and_the_answer_would_pass_it() -> None:
    # 10 s into the run, one round done: another round and the answer end at about 30 s.
    assert room(seconds=29) == "deadline"
    assert room(seconds=30) is None


@pytest.mark.parametrize(
    ("step", "output", "after"),
    [
        ("plan", {}, "search.1"),
        ("search.1", {"to_read": [3, 4]}, "read.1"),
        ("search.2", {"to_read": []}, "analyze.2"),  # nothing new on the web to read
        ("read.1", {}, "analyze.1"),
        ("analyze.1", {"round_limit": 2}, "reflect.1"),
        ("analyze.2", {"round_limit": 2}, "synthesize"),  # the depth's round limit
        ("reflect.1", {"follow_ups": ["q"]}, "search.2"),
        ("reflect.1", {"stop": "complete", "follow_ups": []}, "synthesize"),  # nothing missing
        ("reflect.2", {"stop": "deadline", "follow_ups": []}, "synthesize"),
        ("search.3", {"stop": "budget", "to_read": []}, "synthesize"),
        ("synthesize", {}, None),
    ],
)
def test_each_step_leads_to_the_next(step: str, output: dict[str, Any], after: str | None) -> None:
    assert step_after(step, output) == after


def search(queries: list[str], *sources: int) -> dict[str, Any]:
    return {
        "queries": queries,
        "sources": [{"n": n, "url": f"https://example.org/{n}", "origin": "web"} for n in sources],
        "by_query": [list(sources)],
        "to_read": list(sources),
    }


def analysis(*texts: str, cut: bool = False) -> dict[str, Any]:
    findings = [{"text": t, "citations": [1], "quote": t} for t in texts]
    return {
        "findings": findings,
        "unverified": 1,
        "dropped_citations": 2,
        "round_limit": 4,
        **({"cut": cut} if cut else {}),
    }


def test_the_rounds_add_up_and_say_why_they_stopped() -> None:
    checkpoints = {
        "search.1": search(["a", "b"], 1, 2),
        "read.1": {"read": {"1": "https://example.org/1"}, "failed": {"2": "timeout"}},
        "analyze.1": analysis("One."),
        "reflect.1": {"follow_ups": ["c"]},
        "search.2": search(["c"], 3),
        "analyze.2": analysis("Two.", "Three."),
        "reflect.2": {"stop": "complete", "follow_ups": []},
    }
    state = state_of(checkpoints)
    assert [s["n"] for s in state.sources] == [1, 2, 3]
    assert [f["text"] for f in state.findings] == ["One.", "Two.", "Three."]
    assert state.searched == ["a", "b", "c"] and state.read == {1: "https://example.org/1"}
    assert (state.rounds_done, state.unverified, state.dropped_citations) == (2, 2, 4)
    assert stop_reason(checkpoints, state.rounds_done) == "complete"
    # Without a stop, the loop ran out of rounds.
    del checkpoints["reflect.2"]
    assert stop_reason(checkpoints, 2) == "rounds"


def test_a_round_the_budget_cut_short_is_not_counted() -> None:
    checkpoints = {
        "search.1": search(["a"], 1),
        "analyze.1": analysis("One."),
        "reflect.1": {"follow_ups": ["b"]},
        "search.2": search(["b"], 2),
        "analyze.2": {**analysis(cut=True), "stop": "budget"},
    }
    state = state_of(checkpoints)
    assert state.rounds_done == 1 and stop_reason(checkpoints, state.rounds_done) == "budget"


def retrieved(url: str) -> Retrieved:
    return Retrieved(url=url, title=url, snippet="", content="")


def test_a_source_keeps_its_number_whichever_round_finds_it_again() -> None:
    first = SourceRegistry()
    assert [first.add(retrieved(u)) for u in ("https://a.org/x", "https://b.org/y", "https://a.org/x")] == [1, 2, 1]
    # The next round starts from what the last found: the same pages, however written, keep their numbers.
    second = SourceRegistry(first.sources)
    again = [
        "http://www.a.org/x/",
        "https://B.org/y?utm_source=feed#top",
        "https://a.org:443/x",
        "https://c.org/z",
    ]
    assert [second.add(retrieved(u)) for u in again] == [1, 2, 1, 3]
    assert [s["url"] for s in second.sources] == ["https://a.org/x", "https://b.org/y", "https://c.org/z"]

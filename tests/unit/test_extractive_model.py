"""The faithful extractive fake model: driven by the schema's property names, quoting only what it was
given, citing only the numbers it was given, and following the leads a careful model would follow."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.fakes.extractive_model import ExtractiveModel, SchemaError, find_leads, parse_prompt
from tests.fakes.web_corpus import (
    ARTICLES,
    BODEN_LEAD,
    DEFROST_LEAD,
    FACTS,
    GRID_LEAD,
    KALLAX_FACT,
    KALLAX_LEAD,
    QUESTION,
    SURVEY_LEAD,
)

STRING = {"type": "string"}
INTEGER = {"type": "integer"}


def strict(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        **extra,
    }


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def ask(schema: dict[str, Any], user: str, system: str = "You are careful.") -> dict[str, Any]:
    return ExtractiveModel().respond(schema, [{"role": "system", "content": system}, {"role": "user", "content": user}])


def article(key: str) -> str:
    return next(a.text for a in ARTICLES if a.key == key)


def sources_prompt(question: str, keys: list[str]) -> str:
    listing = "\n\n".join(f"[{i}] Page {i} (https://example.org/{i})\n{article(k)}" for i, k in enumerate(keys, 1))
    return f"Question: {question}\n\nSources:\n{listing}"


FINDINGS = strict(
    {"findings": array(strict({"text": STRING, "quote": STRING, "source": INTEGER, "citations": array(INTEGER)}))}
)


def test_plan_writes_the_requested_number_of_sub_questions_and_a_brief() -> None:
    schema = strict({"sub_questions": array(STRING), "brief": array(STRING)})
    plan = ask(schema, f"Query: {QUESTION}\n\nWrite exactly 5 sub-questions.")
    assert len(plan["sub_questions"]) == 5
    assert len(set(plan["sub_questions"])) == 5
    assert all(q.startswith("heat pumps cope with cold climates: ") for q in plan["sub_questions"])
    assert len(plan["brief"]) >= 4
    assert ask(schema, f"Query: {QUESTION}\n\nWrite exactly 5 sub-questions.") == plan  # deterministic


def test_plan_fills_object_items_and_a_string_brief() -> None:
    schema = strict({"sub_questions": array(strict({"question": STRING, "facet": STRING})), "brief": STRING})
    plan = ask(schema, f"Question: {QUESTION}\nPlan 2 sub-questions.")
    assert [q["facet"] for q in plan["sub_questions"]] == ["efficiency and performance", "costs"]
    assert plan["brief"].startswith("A complete answer about heat pumps cope with cold climates covers:")


def test_extracted_quotes_are_verbatim_and_cite_their_own_passage() -> None:
    keys = ["association/articles/field-data-far-north", "lab/explainers/efficiency-at-low-temperatures"]
    user = sources_prompt("heat pumps cope with cold climates: efficiency and performance", keys)
    findings = ask(FINDINGS, user)["findings"]

    assert findings
    passages = re.split(r"^\[\d+\] .*$", user, flags=re.MULTILINE)[1:]
    for finding in findings:
        assert finding["quote"] in user
        assert finding["quote"] in passages[finding["source"] - 1]
        assert finding["citations"] == [finding["source"]]
        assert finding["text"] == finding["quote"]
        assert "Page" not in finding["quote"] and "https://" not in finding["quote"]
    quotes = [f["quote"] for f in findings]
    assert KALLAX_LEAD in quotes
    assert not any("cookie" in q.lower() or "newsletter" in q.lower() for q in quotes)
    assert len([f for f in findings if f["source"] == 1]) <= 4


def test_extraction_follows_refs_and_tagged_passages() -> None:
    schema = {
        "type": "object",
        "properties": {"findings": {"type": "array", "items": {"$ref": "#/$defs/Finding"}}},
        "required": ["findings"],
        "additionalProperties": False,
        "$defs": {"Finding": strict({"claim": STRING, "quote": STRING, "source_number": INTEGER})},
    }
    text = article("stats/datasets/hp-cold-22")
    user = f'Question: HP-COLD-22 results\n\n<source n="7" title="dataset">\n{text}\n</source>'
    findings = ask(schema, user)["findings"]
    assert findings
    assert all(f["source_number"] == 7 and f["quote"] in text for f in findings)
    assert any("consumed 8 percent" in f["quote"] for f in findings)


def test_nothing_relevant_means_no_findings() -> None:
    dryers = article("association/articles/heat-pump-dryers")
    user = f"Question: tariffs on imported steel\n\nSources:\n[1] Dryers\n{dryers}"
    assert ask(FINDINGS, user)["findings"] == []


REFLECT = strict({"follow_up_queries": array(STRING), "missing": array(STRING), "done": {"type": "boolean"}})


def reflect_prompt(findings: list[str], searched: list[str], brief: list[str] | None = None) -> str:
    brief = brief if brief is not None else ["efficiency and performance", "costs"]
    return (
        f"Question: {QUESTION}\n\nBrief:\n"
        + "\n".join(f"- {b}" for b in brief)
        + "\n\nQueries so far:\n"
        + "\n".join(f"- {q}" for q in searched)
        + "\n\nFindings:\n"
        + "\n".join(f"- {f} [{i}]" for i, f in enumerate(findings, 1))
    )


def test_reflect_proposes_a_query_naming_each_study_whose_result_is_missing() -> None:
    findings = [KALLAX_LEAD, GRID_LEAD, DEFROST_LEAD, SURVEY_LEAD, "Heat pumps cost less to run than oil boilers."]
    reply = ask(REFLECT, reflect_prompt(findings, [QUESTION]))
    assert reply["follow_up_queries"] == [
        "Kallax Field Trial results",
        "Arctic Grid Operators Forum results",
        "HP-COLD-22 results",
        "Hammerfest Retrofit Survey results",
        "heat pumps cope with cold climates: efficiency and performance",
    ]
    assert reply["done"] is False
    assert "efficiency and performance" in reply["missing"]


def test_reflect_stops_asking_once_the_result_is_found_or_searched() -> None:
    found = ask(REFLECT, reflect_prompt([KALLAX_LEAD, KALLAX_FACT, "Installation costs vary."], [QUESTION]))
    assert "Kallax Field Trial results" not in found["follow_up_queries"]
    # The efficiency facet is covered by the Kallax result (coefficient of performance).
    assert found["follow_up_queries"] == []
    assert found["done"] is True

    searched = ask(REFLECT, reflect_prompt([KALLAX_LEAD], [QUESTION, "Kallax Field Trial results"], brief=[]))
    assert searched["follow_up_queries"] == []


def test_reflect_follows_the_second_hop_named_in_a_result() -> None:
    findings = [KALLAX_FACT, BODEN_LEAD]
    reply = ask(REFLECT, reflect_prompt(findings, [QUESTION, "Kallax Field Trial results"], brief=[]))
    assert reply["follow_up_queries"] == ["Boden Acoustics Panel results"]


def test_reflect_fills_object_items_and_respects_max_items() -> None:
    schema = strict(
        {
            "follow_up_queries": {
                "type": "array",
                "maxItems": 2,
                "items": strict({"query": STRING, "reason": STRING}),
            },
            "complete": {"type": "boolean"},
        }
    )
    reply = ask(schema, reflect_prompt([KALLAX_LEAD, GRID_LEAD, DEFROST_LEAD], [QUESTION]))
    assert [q["query"] for q in reply["follow_up_queries"]] == [
        "Kallax Field Trial results",
        "Arctic Grid Operators Forum results",
    ]
    assert all(q["reason"] for q in reply["follow_up_queries"])
    assert reply["complete"] is False


def test_the_corpus_names_exactly_the_planted_leads() -> None:
    named = {lead for a in ARTICLES for lead in find_leads(a.text)}
    assert named == {f.lead for f in FACTS if f.lead}


WRITE = strict({"answer": STRING})


def test_write_uses_only_the_given_findings_and_their_numbers() -> None:
    user = (
        f"Query: {QUESTION}\n\nFindings:\n- {KALLAX_FACT} [3]\n- Heat pumps keep working in the cold. [1][2]\n\n"
        "Sources:\n[1] A\n[2] B\n[3] C"
    )
    answer = ask(WRITE, user)["answer"]
    assert KALLAX_FACT.removesuffix(".") in answer
    assert set(re.findall(r"\[(\d+)\]", answer)) == {"1", "2", "3"}
    assert "[1][2]" in answer


def test_write_sections_from_the_prompts_titles() -> None:
    schema = strict({"sections": array(strict({"title": STRING, "body": STRING}))})
    user = (
        f"Query: {QUESTION}\n\nSections:\n## Efficiency\nInstructions: figures.\n\n"
        "## Costs\nInstructions: prices.\n\nFindings:\n- The measured efficiency stayed high. [1]\n"
        "- Installed costs were high. [2]\n\nSources:\n[1] A\n[2] B"
    )
    sections = ask(schema, user)["sections"]
    assert [s["title"] for s in sections] == ["Efficiency", "Costs"]
    assert "[1]" in sections[0]["body"] and "[2]" in sections[1]["body"]


def test_outline_and_section_drafts() -> None:
    outline = ask(strict({"outline": array(STRING)}), f"Query: {QUESTION}\n\nBrief:\n- costs\n- limitations")
    assert outline["outline"] == ["Costs", "Limitations"]
    draft = ask(
        strict({"paragraphs": array(STRING), "bullets": array(STRING)}),
        "Section: Costs\n\nFindings:\n- Installed costs were high. [2]\n- Efficiency was fine. [1]",
    )
    assert draft["bullets"] == ["Installed costs were high [2]."]


def test_nullable_and_unknown_properties_are_filled_by_type() -> None:
    schema = strict(
        {
            "answer": STRING,
            "confidence": {"type": "number"},
            "note": {"anyOf": [STRING, {"type": "null"}]},
            "tags": array(STRING),
            "kind": {"type": "string", "enum": ["a", "b"]},
        }
    )
    reply = ask(schema, f"Query: {QUESTION}\n\nFindings:\n- A fact. [1]")
    assert reply == {"answer": "A fact [1].", "confidence": 0, "note": None, "tags": [], "kind": "a"}


def test_an_unrecognised_schema_is_a_test_bug() -> None:
    with pytest.raises(SchemaError):
        ask(strict({"colour": STRING}), "Question: what colour?")


def test_the_prompt_parser_reads_sections_and_passages() -> None:
    prompt = parse_prompt(
        "Question: how?\n\nBrief:\n1. costs\n2. risks\n\nPrevious queries:\n- one\n\n"
        "Sources:\n[1] Title (https://a.example/x)\nFirst line.\nSecond line.\n\n[2] A one-line passage."
    )
    assert prompt.topic == "how?"
    assert prompt.brief == ["costs", "risks"]
    assert prompt.searched == ["one"]
    assert [(p.number, p.title, p.url) for p in prompt.passages] == [
        (1, "Title", "https://a.example/x"),
        (2, "", ""),
    ]
    assert prompt.passage_text(prompt.passages[0]) == "First line.\nSecond line."
    assert prompt.passage_text(prompt.passages[1]) == "A one-line passage."

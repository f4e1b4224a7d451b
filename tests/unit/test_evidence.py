"""What the model is shown of each source, and the check that what it quotes is really there."""

from __future__ import annotations

import pytest
from researcher_pro.research.analyst import MAX_LISTED_FINDINGS, most_relevant, section_output_tokens
from researcher_pro.research.evidence import best_passages, quote_is_in, shared_passages, verified

PAGE = (
    "The Aurora trial followed 212 homes for three winters.\n\n"
    "Heat pumps kept rooms at 20 \u00b0C down to \u201cminus twenty-five degrees\u201d outside, the\n"
    "report says, with a seasonal efficiency of 2.9.\n\n"
    "Installation took two days on average."
)


@pytest.mark.parametrize(
    "quote",
    [
        "Installation took two days on average.",  # exact
        "the report says, with a seasonal   efficiency of 2.9",  # re-wrapped across the line break
        'down to "minus twenty-five degrees" outside',  # straight quotes for the page's curly ones
        "down to \u00abminus twenty-five degrees\u00bb outside",  # other quotation marks, same words
    ],
)
def test_a_quote_in_the_source_is_found(quote: str) -> None:
    assert quote_is_in(quote, PAGE)


@pytest.mark.parametrize(
    "quote",
    [
        "Installation took three days on average.",  # one word changed
        "with a seasonal efficiency of 3.9",  # one digit changed
        "Installation took two days on average, and cost less.",  # more than the page says
        "two days",  # too short to be a quote at all
        "",
    ],
)
def test_a_near_miss_is_refused(quote: str) -> None:
    assert not quote_is_in(quote, PAGE)


def test_findings_whose_quote_is_not_in_the_cited_source_are_dropped_and_counted() -> None:
    texts = {1: PAGE, 2: "Another page about something else entirely, at some length."}
    findings = [
        {"text": "Trial size", "citations": [1], "quote": "The Aurora trial followed 212 homes"},
        {"text": "Misattributed", "citations": [2], "quote": "The Aurora trial followed 212 homes"},
        {"text": "Invented", "citations": [1], "quote": "The Aurora trial followed 300 homes"},
        {"text": "Unquoted", "citations": [1]},
        {"text": "Uncited", "citations": [], "quote": "The Aurora trial followed 212 homes"},
    ]
    kept, dropped = verified(findings, texts)
    assert [f["text"] for f in kept] == ["Trial size"]
    assert dropped == 4


def test_the_passages_shown_for_a_question_are_the_ones_about_it() -> None:
    texts = {
        1: PAGE,
        2: "Gas boilers remain common.\n\nTheir efficiency is below one, since burning loses heat up the flue.",
    }
    chosen = best_passages("How cold can it get before heat pumps stop keeping rooms warm?", texts, 1)
    assert len(chosen) == 1 and chosen[0].source == 1 and "minus twenty-five" in chosen[0].text


def test_no_source_floods_the_listing() -> None:
    paragraph = "Heat pumps and their efficiency, measured in passage {i}. " + "More on the same subject. " * 30
    long_page = "\n\n".join(paragraph.format(i=i) for i in range(20))
    texts = {1: long_page, 2: "Heat pumps work in the cold, says a second source, with good efficiency."}
    chosen = best_passages("heat pumps efficiency", texts, 6, per_source=3)
    assert [p.source for p in chosen].count(1) == 3
    assert any(p.source == 2 for p in chosen)


# Paragraphs long enough to be passages of their own, each on one subject.
TOPICS = {
    "defrost": "Defrost cycles melt the ice on the outdoor coil; the fan stops and warm refrigerant runs backwards.",
    "noise": "Noise from the outdoor unit carries at night; a quiet mode and a careful position help neighbours.",
    "cost": "The cost of an installation depends on the radiators, the electrical work and the grants on offer.",
    "sizing": "Sizing follows the heat loss of the house on the coldest design day, not the old boiler's rating.",
}


def page(*subjects: str) -> str:
    return "\n\n".join(" ".join([TOPICS[s]] * 6) for s in subjects)


def test_questions_of_a_round_share_out_passages_each_taking_its_best_left() -> None:
    texts = {1: page("defrost", "noise", "cost"), 2: page("sizing", "defrost")}
    questions = ["How does defrost melt ice on the outdoor coil?", "What does an installation cost, with grants?"]
    given = shared_passages(questions, [texts, texts], 2)

    keys = [p.key for passages in given for p in passages]
    assert len(keys) == len(set(keys)) == 4  # no passage twice
    assert "Defrost" in given[0][0].text or "Defrost" in given[0][1].text
    assert any("cost of an installation" in p.text for p in given[1])
    # Each question's passages are listed in source order.
    for passages in given:
        order = [(p.source, page_order(texts, p.text)) for p in passages]
        assert order == sorted(order)


def page_order(texts: dict[int, str], passage: str) -> int:
    return texts[1].find(passage[:40]) if passage[:40] in texts[1] else texts[2].find(passage[:40])


def test_a_later_round_passes_over_the_passages_analysed_before() -> None:
    texts = {1: page("defrost", "noise", "cost", "sizing")}
    question = "How does defrost melt ice on the outdoor coil?"
    first = shared_passages([question], [texts], 1)[0]
    assert "Defrost" in first[0].text

    later = shared_passages([question], [texts], 1, analysed={p.key for p in first})[0]
    assert later and later[0].key != first[0].key and "Defrost" not in later[0].text
    # Nothing left: a question whose passages were all analysed gets none (and costs no call).
    assert shared_passages([question], [{1: page("defrost")}], 3, analysed={first[0].key}) == [[]]


def test_a_section_with_more_findings_than_a_call_lists_keeps_those_on_its_subject() -> None:
    on_subject = [{"text": f"Defrost cycles on the outdoor coil, case {i}.", "citations": [1]} for i in range(10)]
    off_subject = [{"text": f"Warranty terms, case {i}.", "citations": [2]} for i in range(MAX_LISTED_FINDINGS)]
    findings = on_subject + off_subject  # the on-subject ones came first (an early round)

    listed = most_relevant(findings, "How do heat pumps cope with cold? Defrost cycles")
    assert len(listed) == MAX_LISTED_FINDINGS
    assert all(f in listed for f in on_subject)
    assert listed == [f for f in findings if f in listed]  # still in their order
    assert most_relevant(findings[:5], "anything") == findings[:5]


def test_a_section_given_more_findings_may_write_more() -> None:
    assert section_output_tokens(100) > section_output_tokens(10) > section_output_tokens(0)
    assert section_output_tokens(10 * MAX_LISTED_FINDINGS) == section_output_tokens(MAX_LISTED_FINDINGS)

"""What the model is shown of each source, and the check that what it quotes is really there."""

from __future__ import annotations

import pytest
from researcher_pro.research.evidence import best_passages, quote_is_in, verified

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

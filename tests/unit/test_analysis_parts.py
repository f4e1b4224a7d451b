"""Long texts split on paragraph boundaries, and the parts' results merged without a model."""

from __future__ import annotations

from researcher_pro.analyses.chunking import split_text
from researcher_pro.analyses.task import merge_entities, merge_sentiment


def test_paragraphs_are_packed_whole_into_parts_under_the_limit() -> None:
    paragraphs = [f"Paragraph {i} " + "word " * (30 + i % 7) for i in range(60)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text, 1000)
    assert len(parts) > 5 and all(len(p) <= 1000 for p in parts)
    assert all(p.startswith("Paragraph ") for p in parts)
    assert "\n\n".join(parts) == text  # nothing lost, nothing reordered


def test_a_paragraph_longer_than_a_part_is_cut_between_sentences_then_words() -> None:
    sentence = "This sentence has exactly eight words in it. "
    long_paragraph = (sentence * 100).strip()
    parts = split_text(f"Intro.\n\n{long_paragraph}\n\n{'x' * 2500}", 1000)
    assert all(len(p) <= 1000 for p in parts)
    assert all(p.endswith(("it.", "x", "Intro.")) for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == (f"Intro.{long_paragraph}{'x' * 2500}".replace(" ", ""))


def test_a_short_text_is_one_part() -> None:
    assert split_text("One short text.", 1000) == ["One short text."]


def test_entities_are_merged_by_name_and_typed_by_majority() -> None:
    merged = merge_entities(
        [
            [{"name": "Acme  Corp", "type": "organization"}, {"name": "Oslo", "type": "location"}],
            [{"name": "acme corp", "type": "organization"}, {"name": "Oslo", "type": "organization"}],
            [{"name": "Oslo", "type": "location"}],
        ]
    )
    assert merged == [{"name": "Oslo", "type": "location"}, {"name": "Acme Corp", "type": "organization"}]


def test_sentiment_is_the_length_weighted_mean_and_mixed_when_parts_disagree() -> None:
    agree = merge_sentiment([{"label": "positive", "score": 0.8}, {"label": "positive", "score": 0.4}], [3000, 1000])
    assert agree == {"label": "positive", "score": 0.7}
    disagree = merge_sentiment([{"label": "positive", "score": 0.8}, {"label": "negative", "score": -0.6}], [1, 1])
    assert disagree["label"] == "mixed" and disagree["score"] == 0.1
    calm = merge_sentiment([{"label": "neutral", "score": 0.1}, {"label": "positive", "score": 0.2}], [1, 1])
    assert calm == {"label": "neutral", "score": 0.15}

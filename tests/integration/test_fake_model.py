"""The faithful fake model over OpenAI's wire format, and a whole research loop run against the stand-in web
through the official SDKs: deep research can recover every planted fact, and only by following leads."""

from __future__ import annotations

import time
from collections.abc import Iterator

import openai
import pytest
from perplexity import Perplexity
from pydantic import BaseModel, Field

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.search_index import SearchIndex
from tests.fakes.web import FakeWeb, recovered
from tests.fakes.web_corpus import QUESTION
from tests.integration.test_fake_web import grouped

pytestmark = pytest.mark.filterwarnings("ignore:The `construct` method is deprecated:DeprecationWarning")


class Plan(BaseModel):
    sub_questions: list[str]
    brief: list[str] = Field(description="Facets a complete answer covers")


class Finding(BaseModel):
    text: str
    quote: str
    source: int


class Findings(BaseModel):
    findings: list[Finding]


class Reflection(BaseModel):
    follow_up_queries: list[str]
    done: bool


class Answer(BaseModel):
    answer: str


@pytest.fixture
def model(faithful_openai: FakeOpenAI) -> Iterator[FakeOpenAI]:
    faithful_openai.reset()
    yield faithful_openai
    faithful_openai.reset()


@pytest.fixture
def stand_in() -> Iterator[tuple[FakeWeb, FakePerplexity]]:
    # Without hazards: this loop has no reader of its own, only the page texts.
    web = FakeWeb(hazards=False)
    search = FakePerplexity(SearchIndex(web.search_documents()))
    yield web, search
    search.close()
    web.close()


def sdk(fake: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=f"{fake.url}/v1", max_retries=0)


def parse[T: BaseModel](client: openai.OpenAI, schema: type[T], user: str, max_tokens: int = 4000) -> T:
    completion = client.chat.completions.parse(
        model="gpt-test",
        messages=[{"role": "system", "content": "Use only the text given."}, {"role": "user", "content": user}],
        response_format=schema,
        max_completion_tokens=max_tokens,
    )
    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    return parsed


def test_the_openai_sdk_parses_every_kind_of_reply(model: FakeOpenAI) -> None:
    client = sdk(model)
    plan = parse(client, Plan, f"Query: {QUESTION}\n\nWrite exactly 3 sub-questions.")
    assert len(plan.sub_questions) == 3

    passage = "Heat pumps in cold climates keep working. Their efficiency at minus 15 degrees is about 2."
    findings = parse(client, Findings, f"Question: {QUESTION}\n\nSources:\n[4] Page (https://a.example)\n{passage}")
    assert findings.findings
    assert all(f.quote in passage and f.source == 4 for f in findings.findings)

    sent = model.calls()[-1]["body"]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert "$defs" in sent["response_format"]["json_schema"]["schema"]


def test_usage_is_counted_and_long_replies_are_cut(model: FakeOpenAI) -> None:
    client = sdk(model)
    facts = "\n".join(f"- Fact number {i} about heat pumps. [1]" for i in range(40))
    user = f"Query: {QUESTION}\n\nFindings:\n{facts}"
    completion = client.chat.completions.create(
        model="gpt-test",
        messages=[{"role": "user", "content": user}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "Answer", "schema": Answer.model_json_schema(), "strict": True},
        },
    )
    content = completion.choices[0].message.content or ""
    assert completion.usage and completion.usage.prompt_tokens == len(user) // 4
    assert completion.usage.completion_tokens == len(content) // 4
    assert completion.choices[0].finish_reason == "stop"

    with pytest.raises(openai.LengthFinishReasonError):
        parse(client, Answer, user, max_tokens=20)

    model.script.delay = 0.2
    started = time.monotonic()
    parse(client, Plan, f"Query: {QUESTION}\n\nWrite exactly 2 sub-questions.")
    assert time.monotonic() - started >= 0.2


def test_the_default_server_keeps_its_scripted_answers(fake_openai: FakeOpenAI) -> None:
    fake_openai.reset()

    class CitedFinding(BaseModel):
        text: str
        citations: list[int]

    class FindingsReport(BaseModel):
        findings: list[CitedFinding]

    report = parse(sdk(fake_openai), FindingsReport, "Question: q\n\nSources:\n[1] T (u)\ntext")
    # The scripted invented citation, for the pipeline to drop.
    assert [99] in [finding.citations for finding in report.findings]
    # A schema it has no script for gets the faithful model.
    assert parse(sdk(fake_openai), Reflection, f"Question: {QUESTION}\n\nFindings:\n- A fact. [1]").done is True


def run(
    web: FakeWeb, search: FakePerplexity, model: FakeOpenAI, sub_questions: int, max_rounds: int
) -> tuple[list[str], int]:
    """A plain research loop (plan, then rounds of search, read, analyse and reflect), with page texts
    standing in for a reader."""
    client, searcher = sdk(model), Perplexity(api_key="pplx-test", base_url=search.url, max_retries=0)
    plan = parse(client, Plan, f"Query: {QUESTION}\n\nWrite exactly {sub_questions} sub-questions.")
    queries = [QUESTION, *plan.sub_questions]
    numbers: dict[str, int] = {}
    findings: list[Finding] = []
    searched: list[str] = []
    rounds = 0
    while queries and rounds < max_rounds:
        rounds += 1
        searched += queries
        # Each page that is new this round, for every query of the round that found it (as the pipeline does).
        new: dict[str, list[str]] = {}
        known = set(numbers)
        for start in range(0, len(queries), 5):
            batch = queries[start : start + 5]
            reply = searcher.search.create(query=batch, max_results=10)
            for query, results in zip(batch, grouped(reply), strict=True):
                for result in results:
                    if result.url not in known:
                        numbers.setdefault(result.url, len(numbers) + 1)
                        new.setdefault(query, []).append(result.url)
        for query, urls in new.items():
            listing = "\n\n".join(f"[{numbers[u]}] Page ({u})\n{web.text(_canonical(web, u))}" for u in urls)
            user = f"Question: {query}\n\nSources:\n{listing}"
            for finding in parse(client, Findings, user).findings:
                assert finding.quote in user
                findings.append(finding)
        brief = "\n".join(f"- {facet}" for facet in plan.brief)
        done = "\n".join(f"- {q}" for q in searched)
        listing = "\n".join(f"- {f.text} [{f.source}]" for f in findings)
        user = f"Question: {QUESTION}\n\nBrief:\n{brief}\n\nQueries so far:\n{done}\n\nFindings:\n{listing}"
        reflection = parse(client, Reflection, user)
        queries = [q for q in reflection.follow_up_queries if q not in searched]
    listing = "\n".join(f"- {f.text} [{f.source}]" for f in findings)
    answer = parse(client, Answer, f"Query: {QUESTION}\n\nFindings:\n{listing}", max_tokens=20_000).answer
    return recovered(answer, web.facts()), rounds


def _canonical(web: FakeWeb, url: str) -> str:
    return url.replace("/guides/old-cold-climate-guide", "/guides/cold-climate-heat-pumps")


def test_deep_research_recovers_every_planted_fact_and_quick_research_cannot(
    stand_in: tuple[FakeWeb, FakePerplexity], model: FakeOpenAI
) -> None:
    web, search = stand_in
    facts = web.facts()

    deep, deep_rounds = run(web, search, model, sub_questions=5, max_rounds=4)
    assert sorted(deep) == sorted(f.id for f in facts)
    assert deep_rounds == 3  # the leads, then the lead named in a result, then nothing is missing

    quick, _ = run(web, search, model, sub_questions=1, max_rounds=1)
    assert not any(f.follow_up for f in facts if f.id in quick)

    standard, _ = run(web, search, model, sub_questions=3, max_rounds=2)
    follow_ups = {f.id for f in facts if f.follow_up}
    assert follow_ups & set(standard)
    assert "defrost-noise" not in standard  # two hops away: more rounds than standard has

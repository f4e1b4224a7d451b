"""Research under the faults AWS brings: DynamoDB refusing writes for transaction conflicts and throttling,
SQS delivering messages twice. Every run still ends, and every request the providers answered is billed
exactly once (the soak in `make bench` adds killed workers, at a larger scale)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import ONLINE_OVERRIDES
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.harness import Cloud

pytestmark = pytest.mark.e2e
Fakes = tuple[FakeOpenAI, FakePerplexity]


@pytest.fixture(scope="module")
def faulty_cloud(fake_openai: FakeOpenAI, fake_perplexity: FakePerplexity) -> Iterator[Cloud]:
    cloud = Cloud(
        {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": f"{fake_openai.url}/v1",
            "PERPLEXITY_API_KEY": "pplx-test",
            "PERPLEXITY_BASE_URL": fake_perplexity.url,
            "RP_LOCAL_PARAMETER_OVERRIDES": ONLINE_OVERRIDES,
            "RP_LOCAL_FAULT_DYNAMODB_CONFLICTS": "0.15",
            "RP_LOCAL_FAULT_DYNAMODB_THROTTLES": "0.1",
            "RP_LOCAL_FAULT_SQS_DUPLICATES": "0.3",
            "RP_LOCAL_FAULT_SEED": "7",
        }
    )
    yield cloud
    cloud.stop()


def test_every_run_ends_and_every_answered_request_is_billed_once(faulty_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    runs = [
        faulty_cloud.start({"query": f"Faults #{uuid.uuid4().hex[:6]}", "depth": depth})
        for depth in ("quick", "standard", "quick", "standard", "deep", "quick")
    ]
    finished = [faulty_cloud.wait(run["id"], timeout=120) for run in runs]
    assert [r["status"] for r in finished] == ["succeeded"] * len(runs), [r.get("error") for r in finished]
    billed = sum(r["usage"]["model_calls"] for r in finished)
    assert billed == openai.answered + perplexity.answered
    output = "".join(faulty_cloud.output)
    # The faults did happen, and were survived rather than avoided.
    assert "fault injected: dynamodb TransactionCanceledException" in output
    assert "fault injected: sqs duplicate delivery" in output
    for run in finished:
        seqs = [e["seq"] for e in faulty_cloud.events(run["id"])]
        assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate in any log

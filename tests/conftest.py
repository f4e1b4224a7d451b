"""Shared fixtures: the fake model servers, the stand-in web with its search API, and local clouds started
exactly as `make dev` starts them."""

from __future__ import annotations

import signal
from collections.abc import Generator, Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.search_index import SearchIndex
from tests.fakes.web import FakeWeb
from tests.harness import Cloud

CLOUD_LINES = 150  # of a local cloud's output, shown with a failed test that used it

# The longest files first: the two workers take files in this order (--dist loadfile --no-loadscope-reorder;
# by default xdist starts the files with the most tests), and a long one taken last leaves the other worker
# idle until it ends.
LONGEST_FIRST = (
    "tests/e2e/test_contract.py",
    "tests/e2e/test_local_cloud.py",
    "tests/clients/test_rp.py",
    "tests/e2e/test_deep_research.py",
    "tests/e2e/test_reports_online.py",
    "tests/e2e/test_faults.py",
    "tests/e2e/test_watches.py",
    "tests/e2e/test_research_online.py",
)


def pytest_configure(config: pytest.Config) -> None:
    # Run in the background (`make test &`, a detached CI shell), this process starts with Ctrl-C ignored,
    # and every process it starts would inherit that: a local cloud would not stop on SIGINT, nor `rp` ask
    # whether to cancel. A terminal gives them Ctrl-C; so do the tests.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that used a local cloud shows what the cloud printed last (its functions' logs): the one
    record of what the workers did when a run did not end as expected."""
    report = yield
    if report.failed:
        funcargs = getattr(item, "funcargs", {})
        for name, value in funcargs.items():
            if isinstance(value, Cloud):
                report.sections.append((f"local cloud {name}: last output", "".join(value.output[-CLOUD_LINES:])))
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def fake_web() -> Iterator[FakeWeb]:
    web = FakeWeb()
    yield web
    web.close()


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture(scope="session")
def fake_perplexity(fake_web: FakeWeb) -> Iterator[FakePerplexity]:
    # Its Search API (`POST /search`) searches the stand-in web.
    server = FakePerplexity(SearchIndex(fake_web.search_documents()))
    yield server
    server.close()


@pytest.fixture(scope="session")
def faithful_openai() -> Iterator[FakeOpenAI]:
    """The faithful extractive model: quotes verbatim, cites only what it was given."""
    server = FakeOpenAI(faithful=True)
    yield server
    server.close()


@pytest.fixture
def fakes(fake_openai: FakeOpenAI, fake_perplexity: FakePerplexity) -> Iterator[tuple[FakeOpenAI, FakePerplexity]]:
    fake_openai.reset()
    fake_perplexity.reset()
    yield fake_openai, fake_perplexity
    fake_openai.reset()
    fake_perplexity.reset()


ONLINE_OVERRIDES = (
    "WorkerTimeoutSeconds=10 TaskVisibilityTimeoutSeconds=12 ProviderRetrySeconds=3 "
    "StuckAfterSeconds=30 MaxStepAttempts=3"
)


@pytest.fixture(scope="session")
def online_cloud(fake_openai: FakeOpenAI, fake_perplexity: FakePerplexity) -> Iterator[Cloud]:
    cloud = Cloud(
        {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": f"{fake_openai.url}/v1",
            "PERPLEXITY_API_KEY": "pplx-test",
            "PERPLEXITY_BASE_URL": fake_perplexity.url,
            "RP_LOCAL_PARAMETER_OVERRIDES": ONLINE_OVERRIDES,
            "RP_PROVIDER_MAX_ATTEMPTS": "4",
        }
    )
    yield cloud
    cloud.stop()


@pytest.fixture(scope="session")
def offline_cloud() -> Iterator[Cloud]:
    cloud = Cloud(
        {
            # A step's worker that runs out of its 5 s just after committing the step (a cold container on a busy
            # machine) has not sent the next step's message: the task sweeper sends it after StuckAfterSeconds.
            "RP_LOCAL_PARAMETER_OVERRIDES": (
                "WorkerTimeoutSeconds=5 TaskVisibilityTimeoutSeconds=6 StuckAfterSeconds=30"
            ),
            # Webhook receivers of the tests listen on loopback; a refused delivery is tried again within seconds.
            "RP_WEBHOOK_ALLOW_LOOPBACK": "true",
            "RP_WEBHOOK_RETRY_SECONDS": "1,2,5",
        }
    )
    yield cloud
    cloud.stop()

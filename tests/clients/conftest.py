"""The SDK pointed at the session's local clouds, and documents for the offline cloud to research over."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from researcher_pro_client import Client

from tests.harness import Cloud

PRIMER = (
    "Heat pumps move heat rather than generating it. A typical air-source heat pump delivers three units of heat "
    "per unit of electricity.\n\nModern cold-climate heat pumps keep working down to minus 25 degrees Celsius, "
    "although their efficiency drops as it gets colder."
)
QUESTION = "How do heat pumps cope with cold climates?"


CONNECTIONS_TABLE = "researcher-pro-local-ConnectionsTable"


def subscribers(cloud: Cloud, research_id: str) -> set[str]:
    """The WebSocket connections subscribed to a run, as the server records them."""
    items = cloud.aws("dynamodb").scan(TableName=CONNECTIONS_TABLE)["Items"]
    # A subscription is kept in its topic's partition, `S#<tenant>#<topic>`, under its connection's id (beside the
    # task's cohort, which is not one).
    topic = f"#research:{research_id}"
    return {
        item["connection_id"]["S"]
        for item in items
        if item["pk"]["S"].startswith("S#") and item["pk"]["S"].endswith(topic) and "connection_id" in item
    }


@pytest.fixture(autouse=True)
def a_users_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK reads RP_API_URL, RP_API_KEY and RP_WS_URL from the environment, as a user's shell sets them:
    not the functions' own RP_* settings, which other tests in this process may have put there."""
    for name in [name for name in os.environ if name.startswith("RP_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def offline_sdk(offline_cloud: Cloud) -> Iterator[Client]:
    with Client(offline_cloud.url, offline_cloud.key) as rp:
        if not any(d.title == "Heat pump primer" for d in rp.documents.list(limit=100).items):
            rp.documents.create("Heat pump primer", PRIMER)
        yield rp


@pytest.fixture
def online_sdk(online_cloud: Cloud) -> Iterator[Client]:
    with Client(online_cloud.url, online_cloud.key) as rp:
        yield rp

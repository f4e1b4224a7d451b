"""`rp mcp` driven by the MCP SDK's own stdio client, against the local cloud."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from researcher_pro_client import Client

from tests.clients.conftest import QUESTION
from tests.harness import Cloud, venv_bin

pytestmark = pytest.mark.e2e

TOOLS = {
    "research",
    "start_research",
    "get_research",
    "list_research",
    "cancel_research",
    "add_document",
    "list_documents",
    "create_report",
    "analyse_text",
}


def test_an_mcp_client_researches_with_progress_and_reads_the_answer_as_a_resource(
    offline_cloud: Cloud, offline_sdk: Client
) -> None:
    shell = {k: v for k, v in os.environ.items() if not k.startswith("RP_")}
    server = StdioServerParameters(
        command=str(venv_bin("rp")),
        args=["mcp"],
        env={**shell, "RP_API_URL": offline_cloud.url, "RP_API_KEY": offline_cloud.key},
    )
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async def session() -> dict[str, Any]:
        async with stdio_client(server) as (read, write), ClientSession(read, write) as mcp:
            await mcp.initialize()
            tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
            answer = await mcp.call_tool(
                "research",
                {"query": QUESTION, "depth": "quick", "sources": ["documents"], "max_rounds": 2},
                progress_callback=on_progress,
            )
            resource = await mcp.read_resource(f"research://{(answer.structured_content or {})['id']}")
            too_long = await mcp.call_tool("research", {"query": "x" * 2001})
            missing = await mcp.call_tool("get_research", {"research_id": "res_missing"})
            analysis = await mcp.call_tool(
                "analyse_text", {"text": "Acme Corp opened a factory in Oslo.", "kinds": ["summary"]}
            )
            return {
                "tools": tools,
                "answer": answer,
                "resource": resource,
                "too_long": too_long,
                "missing": missing,
                "analysis": analysis,
            }

    got = asyncio.run(session())
    assert set(got["tools"]) == TOOLS
    assert got["tools"]["research"].input_schema["properties"]["query"]["anyOf"][0]["maxLength"] == 2000

    answer = got["answer"]
    assert not answer.is_error
    cited = answer.structured_content
    assert cited["status"] == "succeeded" and "[1]" in cited["answer"]
    assert cited["sources"][0]["title"] == "Heat pump primer" and cited["resource"] == f"research://{cited['id']}"
    # Progress as the run went: rising, ending at 100%, with the stage (and the round) in the message.
    assert [p[0] for p in progress] == sorted(p[0] for p in progress) and progress[-1][0] == 100
    assert any(message and message.startswith("plan:") for _, _, message in progress)
    assert any(message and message.startswith("search, round 1 of 2:") for _, _, message in progress)

    text = got["resource"].contents[0].text
    assert text.startswith(f"# {QUESTION}") and "[1] Heat pump primer" in text

    assert got["too_long"].is_error and "query" in got["too_long"].content[0].text
    assert got["missing"].is_error and "404 Not found: no research res_missing" in got["missing"].content[0].text
    assert got["analysis"].structured_content["result"]["summary"]

"""`rp mcp`: the API as an MCP server (stdio, or streamable HTTP), for assistants that use tools.

Tool inputs carry the API's own limits (the request models' types), so a bad argument is refused by the MCP
server with the field named, before any request. A research answer is also a resource, `research://{id}`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import BaseModel, Field

from researcher_pro_client.async_client import AsyncClient
from researcher_pro_client.config import Config
from researcher_pro_client.errors import NotFoundError, ResearcherProError
from researcher_pro_client.models import (
    MAX_DOCUMENT_BYTES,
    AnalysisKinds,
    AnalysisResult,
    AnalysisText,
    CostCap,
    Depth,
    Document,
    DocumentTitle,
    Domains,
    MaxRounds,
    Query,
    Recency,
    ReportFormat,
    Research,
    ResearchSummary,
    SourceKind,
    SourceKinds,
    SourceUrl,
    Status,
    TaskId,
    TemplateId,
    Variables,
)
from researcher_pro_client.version import __version__

RESEARCH_WAIT_SECONDS = 900.0
INSTRUCTIONS = (
    "Researcher Pro answers research questions with cited sources. `research` runs a question to its answer "
    "(it can take a minute); `start_research` and `get_research` do the same in two steps. Cite sources by "
    "their [n]. The tenant's own documents are searched when sources include 'documents'."
)


class CitedSource(BaseModel):
    n: int
    title: str
    url: str
    origin: str


class CitedAnswer(BaseModel):
    """A finished research: the answer in Markdown with [n] markers, and the sources they point at."""

    id: str
    status: Status
    answer: str | None
    sources: list[CitedSource]
    cost_usd: float
    resource: str = Field(description="Read the answer again as this resource")
    error: str | None = None


class Started(BaseModel):
    id: str
    status: Status
    resource: str


class ReportResult(BaseModel):
    id: str
    status: Status
    format: ReportFormat
    content: str | None = Field(description="The report itself, when small enough to come inline")
    download_url: str | None = Field(description="A time-limited URL of the report body")
    error: str | None = None


class AnalysisOutcome(BaseModel):
    id: str
    status: Status
    result: AnalysisResult | None
    error: str | None = None


def cited(research: Research) -> CitedAnswer:
    return CitedAnswer(
        id=research.id,
        status=research.status,
        answer=research.answer,
        sources=[CitedSource(n=s.n, title=s.title, url=s.url, origin=s.origin) for s in research.sources],
        cost_usd=research.usage.cost_usd,
        resource=f"research://{research.id}",
        error=f"{research.error.code}: {research.error.message}" if research.error else None,
    )


def as_markdown(research: Research) -> str:
    sources = "\n".join(f"[{s.n}] {s.title} <{s.url}>" for s in research.sources)
    body = research.answer or f"_No answer: the research {research.status}._"
    return (
        f"# {research.query}\n\n{body}\n\n## Sources\n\n{sources}\n" if sources else f"# {research.query}\n\n{body}\n"
    )


async def _api[T](work: Callable[[], Awaitable[T]]) -> T:
    # An API refusal is the tool's answer (its one-line problem detail), not a crash of the server.
    try:
        return await work()
    except ResearcherProError as error:
        raise ToolError(str(error)) from None


def build_server(connect: Callable[[], AsyncClient]) -> MCPServer:
    """The MCP server; `connect` gives the API client, made once, on first use, inside the server's loop."""
    clients: list[AsyncClient] = []

    def api() -> AsyncClient:
        if not clients:
            clients.append(connect())
        return clients[0]

    server: MCPServer = MCPServer(
        "researcher-pro", title="Researcher Pro", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    _research_tools(server, api)
    _content_tools(server, api)
    return server


def _research_tools(server: MCPServer, api: Callable[[], AsyncClient]) -> None:
    async def start(
        query: str | None,
        depth: Depth,
        sources: list[SourceKind] | None,
        recency: Recency | None,
        domains: list[str] | None,
        max_cost_usd: float | None,
        template_id: str | None,
        variables: dict[str, Any] | None,
        max_rounds: int | None,
    ) -> Research:
        if (query is None) == (template_id is None):
            raise ToolError("give either query or template_id (with its variables)")
        return await _api(
            lambda: api().research.create(
                query,
                depth=depth,
                sources=sources,
                recency=recency,
                domains=domains,
                max_cost_usd=max_cost_usd,
                template_id=template_id,
                variables=variables,
                max_rounds=max_rounds,
            )
        )

    @server.tool()
    async def research(
        ctx: Context,
        query: Query | None = None,
        depth: Depth = "standard",
        sources: SourceKinds | None = None,
        recency: Recency | None = None,
        domains: Domains | None = None,
        max_cost_usd: CostCap | None = None,
        template_id: TemplateId | None = None,
        variables: Variables | None = None,
        max_rounds: MaxRounds | None = None,
    ) -> CitedAnswer:
        """Research a question and return the cited answer with its numbered sources. Sends progress as the
        run plans, then searches, reads, analyses and reflects round by round, then writes. sources: ["web"]
        (default), ["documents"] or both. max_rounds: rounds at most (default: the depth's, 1, 2 or 4)."""
        started = await start(query, depth, sources, recency, domains, max_cost_usd, template_id, variables, max_rounds)
        await ctx.report_progress(0, 100, f"Started {started.id}")

        async def follow() -> Research:
            async for event in api().research.events(started.id):
                where = f"{event.stage}, round {event.round} of {event.of}" if event.round else f"{event.stage}"
                await ctx.report_progress(round(event.progress * 100, 1), 100, f"{where}: {event.message}")
            return await api().research.wait(started.id, timeout=RESEARCH_WAIT_SECONDS)

        return cited(await _api(follow))

    @server.tool()
    async def start_research(
        query: Query | None = None,
        depth: Depth = "standard",
        sources: SourceKinds | None = None,
        recency: Recency | None = None,
        domains: Domains | None = None,
        max_cost_usd: CostCap | None = None,
        template_id: TemplateId | None = None,
        variables: Variables | None = None,
        max_rounds: MaxRounds | None = None,
    ) -> Started:
        """Start a research run and return its id at once; read it later with get_research."""
        started = await start(query, depth, sources, recency, domains, max_cost_usd, template_id, variables, max_rounds)
        return Started(id=started.id, status=started.status, resource=f"research://{started.id}")

    @server.tool()
    async def get_research(research_id: TaskId) -> CitedAnswer:
        """A research run: its status and, once it has succeeded, its cited answer and sources."""
        return cited(await _api(lambda: api().research.get(research_id)))

    @server.tool()
    async def list_research(
        limit: Annotated[int, Field(ge=1, le=100)] = 20, status: Status | None = None
    ) -> list[ResearchSummary]:
        """Research runs, newest first."""
        page = await _api(lambda: api().research.list(limit=limit, status=status))
        return page.items

    @server.tool()
    async def cancel_research(research_id: TaskId) -> Started:
        """Cancel a run; it stops at its next step."""
        research = await _api(lambda: api().research.cancel(research_id))
        return Started(id=research.id, status=research.status, resource=f"research://{research.id}")

    @server.resource("research://{research_id}", name="research", mime_type="text/markdown")
    async def research_answer(research_id: str) -> str:
        """A research run's answer in Markdown, with its numbered sources."""
        try:
            return as_markdown(await api().research.get(research_id))
        except NotFoundError:
            raise ResourceNotFoundError(f"no research {research_id}") from None
        except ResearcherProError as error:
            raise ResourceError(str(error)) from None


def _content_tools(server: MCPServer, api: Callable[[], AsyncClient]) -> None:
    @server.tool()
    async def add_document(
        title: DocumentTitle, text: Annotated[str, Field(min_length=1)], source_url: SourceUrl | None = None
    ) -> Document:
        """Add a text document to the tenant's sources (research reads it when sources include "documents")."""
        if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            raise ToolError(f"text must be at most {MAX_DOCUMENT_BYTES} bytes of UTF-8")
        return await _api(lambda: api().documents.create(title, text, source_url=source_url))

    @server.tool()
    async def list_documents(limit: Annotated[int, Field(ge=1, le=100)] = 20) -> list[Document]:
        """The tenant's documents, newest first."""
        page = await _api(lambda: api().documents.list(limit=limit))
        return page.items

    @server.tool()
    async def create_report(
        research_id: TaskId, format: ReportFormat = "markdown", template_id: TaskId | None = None
    ) -> ReportResult:
        """Write a report (Markdown, HTML or JSON) of a finished research and return it."""

        async def write() -> ReportResult:
            report = await api().reports.create(research_id, template_id=template_id, format=format)
            report = await api().reports.wait(report.id)
            error = f"{report.error.code}: {report.error.message}" if report.error else None
            return ReportResult(
                id=report.id,
                status=report.status,
                format=report.format,
                content=report.content,
                download_url=report.download_url,
                error=error,
            )

        return await _api(write)

    @server.tool()
    async def analyse_text(text: AnalysisText, kinds: AnalysisKinds | None = None) -> AnalysisOutcome:
        """Analyse a text: summary, key_points, sentiment, entities and/or topics (default: summary)."""

        async def analyse() -> AnalysisOutcome:
            analysis = await api().analyses.create(text, kinds=kinds)
            analysis = await api().analyses.wait(analysis.id)
            error = f"{analysis.error.code}: {analysis.error.message}" if analysis.error else None
            return AnalysisOutcome(id=analysis.id, status=analysis.status, result=analysis.parsed_result(), error=error)

        return await _api(analyse)


def serve(
    api_url: str | None,
    api_key: str | None,
    ws_url: str | None,
    http_port: int | None = None,
    host: str = "127.0.0.1",
) -> None:
    # Configuration errors surface now, before a client has connected, not on the first tool call.
    Config.resolve(api_url, api_key, ws_url)
    server = build_server(lambda: AsyncClient(api_url, api_key, ws_url=ws_url))
    if http_port is None:
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=http_port)

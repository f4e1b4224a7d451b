"""Everything a function needs, built once per container and only when first used."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from researcher_pro.config import Settings
from researcher_pro.services.analyses import AnalysisService
from researcher_pro.services.api_keys import ApiKeyService
from researcher_pro.services.documents import DocumentService
from researcher_pro.services.idempotency import IdempotentStarts
from researcher_pro.services.rate_limits import StartLimiter
from researcher_pro.services.reports import ReportService
from researcher_pro.services.research import ResearchService
from researcher_pro.services.templates import BuiltinCatalog, TemplateService
from researcher_pro.services.usage import UsageService
from researcher_pro.storage.api_keys import ApiKeyRepository
from researcher_pro.storage.documents import DocumentRepository
from researcher_pro.storage.queue import TaskQueue
from researcher_pro.storage.rate_limits import StartCounter
from researcher_pro.storage.reports import ReportStore
from researcher_pro.storage.tasks import TaskRepository
from researcher_pro.storage.templates import TemplateRepository
from researcher_pro.storage.texts import TextStore
from researcher_pro.storage.usage import UsageRepository

if TYPE_CHECKING:
    from researcher_pro.providers.base import SearchProvider
    from researcher_pro.providers.openai_model import OpenAIStructuredModel
    from researcher_pro.providers.retry import RetryPolicy
    from researcher_pro.realtime.fanout import Fanout
    from researcher_pro.realtime.gateway import ConnectionGateway
    from researcher_pro.realtime.sinks import EventSink
    from researcher_pro.services.analysis_task import AnalysisTask
    from researcher_pro.services.analyst import Analyst
    from researcher_pro.services.pipeline import ResearchPipeline
    from researcher_pro.services.realtime import RealtimeService
    from researcher_pro.services.report_task import ReportTask
    from researcher_pro.services.report_writer import SectionWriter
    from researcher_pro.services.steps import StepTask, TaskPolicy
    from researcher_pro.services.tasks import TaskSweeper
    from researcher_pro.services.text_analysts import TextAnalyst
    from researcher_pro.services.watch_events import WatchRunNotifier
    from researcher_pro.services.watches import WatchRuns, WatchService
    from researcher_pro.services.webhooks import WebhookPolicy
    from researcher_pro.storage.cache import ResponseCache
    from researcher_pro.storage.watches import WatchRepository


class Container:
    """API functions never touch the pipeline side, so its imports (numpy, openai) wait until used."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # --- storage ---------------------------------------------------------------------------------
    @cached_property
    def research_repo(self) -> TaskRepository:
        return TaskRepository(self.settings.data_table, "research")

    @cached_property
    def analysis_repo(self) -> TaskRepository:
        return TaskRepository(self.settings.data_table, "analysis")

    @cached_property
    def texts(self) -> TextStore:
        return TextStore(self.settings.artifacts_bucket)

    @cached_property
    def document_repo(self) -> DocumentRepository:
        return DocumentRepository(self.settings.data_table, self.settings.artifacts_bucket)

    @cached_property
    def report_repo(self) -> TaskRepository:
        return TaskRepository(self.settings.data_table, "report")

    @cached_property
    def report_store(self) -> ReportStore:
        return ReportStore(self.settings.artifacts_bucket)

    @cached_property
    def queue(self) -> TaskQueue:
        return TaskQueue(self.settings.tasks_queue_url)

    # --- services --------------------------------------------------------------------------------
    @cached_property
    def api_keys(self) -> ApiKeyService:
        return ApiKeyService(ApiKeyRepository(self.settings.data_table), self.settings.auth_cache_seconds)

    @cached_property
    def idempotency(self) -> IdempotentStarts:
        return IdempotentStarts(
            self.settings.idempotency_table, self.settings.idempotency_ttl_seconds, self.start_limiter.admit
        )

    @cached_property
    def start_limiter(self) -> StartLimiter:
        return StartLimiter(StartCounter(self.settings.data_table), self.settings.starts_per_minute)

    @cached_property
    def research(self) -> ResearchService:
        return ResearchService(
            self.research_repo,
            self.queue,
            self.settings.stuck_after_seconds,
            self.settings.event_ttl_days * 86_400,
            self.sinks,
            self.templates,
        )

    @cached_property
    def analyses(self) -> AnalysisService:
        return AnalysisService(
            self.analysis_repo,
            self.research_repo,
            self.texts,
            self.queue,
            self.settings.stuck_after_seconds,
            offline=self.settings.offline_model,
        )

    @cached_property
    def templates(self) -> TemplateService:
        return TemplateService(TemplateRepository(self.settings.data_table), BuiltinCatalog())

    @cached_property
    def documents(self) -> DocumentService:
        return DocumentService(self.document_repo)

    @cached_property
    def usage(self) -> UsageService:
        return UsageService(UsageRepository(self.settings.data_table))

    @cached_property
    def reports(self) -> ReportService:
        return ReportService(
            self.report_repo,
            self.research_repo,
            self.queue,
            self.report_store,
            self.templates,
            self.settings.stuck_after_seconds,
            self.settings.report_url_ttl_seconds,
        )

    @cached_property
    def sinks(self) -> list[EventSink]:
        """Where committed progress events go after the log (the WebSocket fan-out)."""
        sinks: list[EventSink] = [self.fanout] if self.settings.ws_management_url else []
        # Turns a watch's finished research into `watch.run_completed` for the other sinks in this list.
        sinks.append(self._watch_notifier(sinks))
        return sinks

    # --- watches ---------------------------------------------------------------------------------
    @cached_property
    def watch_repo(self) -> WatchRepository:
        from researcher_pro.storage.watches import WatchRepository

        return WatchRepository(self.settings.data_table)

    @cached_property
    def watch_runs(self) -> WatchRuns:
        from researcher_pro.services.watches import WatchRuns

        return WatchRuns(self.watch_repo, self.research_repo)

    @cached_property
    def webhook_policy(self) -> WebhookPolicy:
        from researcher_pro.services.webhooks import WebhookPolicy

        return WebhookPolicy(allow_loopback=self.settings.webhook_allow_loopback)

    @cached_property
    def watches(self) -> WatchService:
        from researcher_pro.services.watches import WatchService

        return WatchService(
            self.watch_repo,
            self.watch_runs,
            self.research,
            self.webhook_policy,
            self.settings.min_schedule_seconds,
            self.settings.watch_start_grace_seconds,
        )

    def _watch_notifier(self, sinks: list[EventSink]) -> WatchRunNotifier:
        from researcher_pro.services.watch_events import WatchRunNotifier
        from researcher_pro.services.webhooks import WebhookSender

        sender = WebhookSender(
            self.webhook_policy, self.settings.webhook_timeout_seconds, self.settings.webhook_attempts
        )
        return WatchRunNotifier(self.research_repo, self.watch_repo, self.watch_runs, sender, sinks)

    # --- real time (the WebSocket API) -----------------------------------------------------------
    @cached_property
    def connection_gateway(self) -> ConnectionGateway:
        from researcher_pro.realtime.gateway import ConnectionGateway

        return ConnectionGateway(self.settings.ws_management_url)

    @cached_property
    def task_logs(self) -> dict[str, TaskRepository]:
        """Every kind's event log, for replays; the kinds share one table."""
        from researcher_pro.storage.tasks import KIND_PREFIX

        return {kind: TaskRepository(self.settings.data_table, kind) for kind in KIND_PREFIX}

    @cached_property
    def fanout(self) -> Fanout:
        from researcher_pro.realtime.fanout import Fanout
        from researcher_pro.storage.connections import ConnectionRepository

        return Fanout(
            ConnectionRepository(self.settings.connections_table),
            self.connection_gateway,
            self.task_logs,
            lease_seconds=self.settings.delivery_lease_seconds,
        )

    @cached_property
    def realtime(self) -> RealtimeService:
        from researcher_pro.services.realtime import RealtimeService
        from researcher_pro.storage.connections import ConnectionRepository

        return RealtimeService(
            self.api_keys,
            ConnectionRepository(self.settings.connections_table),
            self.fanout,
            self.connection_gateway,
            self.task_logs,
            self.settings.connection_ttl_seconds,
        )

    @cached_property
    def pipeline(self) -> ResearchPipeline:
        from researcher_pro.services.document_search import DocumentLibrary
        from researcher_pro.services.pipeline import ResearchPipeline

        return ResearchPipeline(
            repo=self.research_repo,
            queue=self.queue,
            cache=self._cache(),
            documents=DocumentLibrary(self.document_repo),
            web=self._web_search(),
            analyst=self._analyst(),
            policy=self._task_policy(),
            results_per_question=self.settings.search_results_per_question,
            sinks=self.sinks,
        )

    @cached_property
    def report_task(self) -> ReportTask:
        from researcher_pro.services.report_task import ReportTask

        return ReportTask(
            repo=self.report_repo,
            queue=self.queue,
            cache=self._cache(),
            research=self.research_repo,
            writer=self._section_writer(),
            store=self.report_store,
            policy=self._task_policy(),
            inline_limit_bytes=self.settings.report_inline_bytes,
            sinks=self.sinks,
        )

    @cached_property
    def runners(self) -> dict[str, StepTask]:
        """The worker's runner for each kind of task message."""
        return {"research": self.pipeline, "analysis": self.analysis_task, "report": self.report_task}

    @cached_property
    def analysis_task(self) -> AnalysisTask:
        from researcher_pro.services.analysis_task import AnalysisTask

        return AnalysisTask(
            repo=self.analysis_repo,
            queue=self.queue,
            cache=self._cache(),
            texts=self.texts,
            analyst=self._text_analyst(),
            policy=self._task_policy(),
            sinks=self.sinks,
        )

    @cached_property
    def sweeper(self) -> TaskSweeper:
        from researcher_pro.services.tasks import TaskSweeper

        return TaskSweeper(self.runners, self.queue, self.settings.stuck_after_seconds, self.settings.max_sweeps)

    def _task_policy(self) -> TaskPolicy:
        from researcher_pro.services.steps import TaskPolicy

        settings = self.settings
        return TaskPolicy(
            prices=settings.prices(),
            event_ttl_seconds=settings.event_ttl_days * 86_400,
            max_step_attempts=settings.max_step_attempts,
            stuck_after_seconds=settings.stuck_after_seconds,
            concurrency=settings.subquestion_concurrency,
        )

    def _cache(self) -> ResponseCache:
        from researcher_pro.storage.cache import ResponseCache

        return ResponseCache(self.settings.data_table, self.settings.cache_ttl_seconds)

    # --- providers -------------------------------------------------------------------------------
    def _policy(self) -> RetryPolicy:
        from researcher_pro.providers.retry import RetryPolicy

        return RetryPolicy(
            timeout=self.settings.provider_timeout_seconds,
            window=self.settings.provider_retry_seconds,
            max_attempts=self.settings.provider_max_attempts,
        )

    def _web_search(self) -> SearchProvider | None:
        if self.settings.offline_search:
            return None
        from researcher_pro.providers.perplexity import PerplexitySearch

        return PerplexitySearch(
            self.settings.perplexity_api_key,
            self.settings.perplexity_base_url,
            self.settings.perplexity_model,
            self.settings.perplexity_api,
            self._policy(),
        )

    def _analyst(self) -> Analyst:
        from researcher_pro.services.analyst import ExtractiveAnalyst, ModelAnalyst

        if self.settings.offline_model:
            return ExtractiveAnalyst()
        return ModelAnalyst(self._model())

    def _section_writer(self) -> SectionWriter:
        from researcher_pro.services.report_writer import ExtractiveSectionWriter, ModelSectionWriter

        if self.settings.offline_model:
            return ExtractiveSectionWriter()
        return ModelSectionWriter(self._model())

    def _text_analyst(self) -> TextAnalyst:
        from researcher_pro.services.text_analysts import ModelTextAnalyst, OfflineTextAnalyst

        if self.settings.offline_model:
            return OfflineTextAnalyst()
        return ModelTextAnalyst(self._model(), self.settings.analysis_chunk_chars)

    def _model(self) -> OpenAIStructuredModel:
        from researcher_pro.providers.openai_model import OpenAIStructuredModel

        return OpenAIStructuredModel(
            self.settings.openai_api_key, self.settings.openai_base_url, self.settings.openai_model, self._policy()
        )

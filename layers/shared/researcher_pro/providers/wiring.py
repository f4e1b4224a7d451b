"""The providers a worker calls, built from the settings: online when their keys are set, offline otherwise.

The provider modules are imported inside these functions: the openai and perplexity SDKs are heavy, and only the
worker (and the watches' webhook sender) ever calls out.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.providers.base import SearchProvider
    from researcher_pro.providers.openai_model import OpenAIStructuredModel
    from researcher_pro.providers.retry import RetryPolicy


@cache
def retry_policy(settings: Settings) -> RetryPolicy:
    from researcher_pro.providers.retry import RetryPolicy

    return RetryPolicy(
        timeout=settings.provider_timeout_seconds,
        window=settings.provider_retry_seconds,
        max_attempts=settings.provider_max_attempts,
    )


@cache
def web_search(settings: Settings) -> SearchProvider | None:
    """Perplexity's Search API, or None when there is no key (research then searches the tenant's documents)."""
    if settings.offline_search:
        return None
    from researcher_pro.providers.perplexity import PerplexitySearch

    return PerplexitySearch(settings.perplexity_api_key, settings.perplexity_base_url, retry_policy(settings))


@cache
def language_model(settings: Settings) -> OpenAIStructuredModel | None:
    """OpenAI (or a compatible server), or None when there is no key (the offline analysts take over)."""
    if settings.offline_model:
        return None
    from researcher_pro.providers.openai_model import OpenAIStructuredModel

    return OpenAIStructuredModel(
        settings.openai_api_key, settings.openai_base_url, settings.openai_model, retry_policy(settings)
    )

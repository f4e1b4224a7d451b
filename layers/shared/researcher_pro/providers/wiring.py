"""The providers a worker calls, built from the settings: online when they are configured, offline otherwise.

The provider modules are imported inside these functions: the openai and perplexity SDKs, httpx and the page
reader's extractors are heavy, and only the worker (and the watches' webhook sender) ever calls out. The keys
are read from the provider keys secret when the worker first builds its providers (settings name the secret;
only the worker's do).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.providers.base import SearchProvider
    from researcher_pro.providers.openai_model import OpenAIStructuredModel
    from researcher_pro.providers.reader import PageReader
    from researcher_pro.providers.retry import RetryPolicy


class ProviderKeys(NamedTuple):
    openai: str
    perplexity: str


@cache
def provider_keys(settings: Settings) -> ProviderKeys:
    """The keys from the provider keys secret; outside a deployment, the keys given in the settings."""
    if not settings.provider_keys_secret_arn:
        return ProviderKeys(settings.openai_api_key, settings.perplexity_api_key)
    from researcher_pro.core.secrets import secret_fields

    fields = secret_fields(settings.provider_keys_secret_arn)
    return ProviderKeys(str(fields.get("openai_api_key") or ""), str(fields.get("perplexity_api_key") or ""))


def _key(settings: Settings, name: str) -> str:
    key = getattr(provider_keys(settings), name)
    if not key:
        raise RuntimeError(f"{name} is configured but the provider keys secret holds no key for it")
    return str(key)


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

    return PerplexitySearch(_key(settings, "perplexity"), settings.perplexity_base_url, retry_policy(settings))


@cache
def language_model(settings: Settings) -> OpenAIStructuredModel | None:
    """OpenAI (or a compatible server), or None when there is no key (the offline analysts take over)."""
    if settings.offline_model:
        return None
    from researcher_pro.providers.openai_model import OpenAIStructuredModel

    return OpenAIStructuredModel(
        _key(settings, "openai"), settings.openai_base_url, settings.openai_model, retry_policy(settings)
    )


@cache
def page_reader(settings: Settings) -> PageReader:
    """Reads web pages for research: http(s) to public addresses only (and loopback when
    `fetch_allow_loopback`, for local testing), within the page limits."""
    from researcher_pro.core.net import AddressPolicy
    from researcher_pro.providers.reader import PageReader, ReaderLimits

    return PageReader(
        ReaderLimits(max_bytes=settings.fetch_max_bytes, timeout_seconds=settings.fetch_timeout_seconds),
        AddressPolicy(settings.fetch_allow_loopback, ("https", "http")),
    )

"""OpenAI Chat Completions with strict JSON-schema structured outputs (any OpenAI-compatible server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import openai
import pydantic

from researcher_pro.core.errors import ProviderRejected
from researcher_pro.providers.base import Answered, JsonSchemaCall, ModelCall, Report, Spend
from researcher_pro.providers.retry import Retryable, RetryPolicy, call_with_retries, parse_retry_after


class OpenAIStructuredModel:
    provider = "openai"

    def __init__(self, api_key: str, base_url: str | None, model: str, policy: RetryPolicy) -> None:
        self.model = model
        self._policy = policy
        # Made with the container (this module is imported only where models are called: the worker), so
        # its cost is paid at start rather than by a step's first call.
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0)

    def complete(self, call: ModelCall, deadline: float, spend: Spend) -> dict[str, Any]:
        return call_with_retries(
            lambda timeout, report: self._attempt(call, timeout, report),
            name=f"OpenAI {self.model}",
            policy=self._policy,
            deadline=deadline,
            spend=spend,
        )

    def complete_json(self, call: JsonSchemaCall, deadline: float, spend: Spend) -> dict[str, Any]:
        return call_with_retries(
            lambda timeout, report: self._attempt_json(call, timeout, report),
            name=f"OpenAI {self.model}",
            policy=self._policy,
            deadline=deadline,
            spend=spend,
        )

    def _attempt(self, call: ModelCall, timeout: float, report: Report) -> dict[str, Any]:
        with _provider_errors():
            # The raw response first: its usage is what we owe, even when its content then fails to parse.
            raw = self._client.chat.completions.with_raw_response.parse(
                model=self.model,
                messages=[{"role": "system", "content": call.system}, {"role": "user", "content": call.user}],
                response_format=call.schema,
                max_completion_tokens=call.max_output_tokens,
                timeout=timeout,
            )
            report(_answered(_raw_usage(raw.http_response)))
            completion = raw.parse()
        message = completion.choices[0].message
        if message.parsed is None:
            raise Retryable(f"no structured output (refusal: {message.refusal!r})", bad_output=True)
        parsed: dict[str, Any] = message.parsed.model_dump(mode="json")
        return parsed

    def _attempt_json(self, call: JsonSchemaCall, timeout: float, report: Report) -> dict[str, Any]:
        with _provider_errors():
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": call.system}, {"role": "user", "content": call.user}],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": call.name, "schema": call.schema, "strict": True},
                },
                max_completion_tokens=call.max_output_tokens,
                timeout=timeout,
            )
        report(_answered(completion.usage))
        choice = completion.choices[0]
        if choice.finish_reason in ("length", "content_filter"):
            raise Retryable(f"output cut off ({choice.finish_reason})", bad_output=True)
        if choice.message.refusal or not choice.message.content:
            raise Retryable(f"no structured output (refusal: {choice.message.refusal!r})", bad_output=True)
        try:
            data = json.loads(choice.message.content)
        except json.JSONDecodeError as error:
            raise Retryable("output is not JSON", bad_output=True) from error
        if not isinstance(data, dict):
            raise Retryable("output is not a JSON object", bad_output=True)
        return call.check(data) if call.check else data


@contextmanager
def _provider_errors() -> Iterator[None]:
    """The SDK's exceptions as the retry loop understands them: retry, give up, or bad output."""

    try:
        yield
    except openai.RateLimitError as error:
        raise Retryable("rate limited (429)", parse_retry_after(error.response.headers), throttled=True) from error
    except openai.APIStatusError as error:
        if error.status_code >= 500 or error.status_code in (408, 409):
            raise Retryable(f"HTTP {error.status_code}", parse_retry_after(error.response.headers)) from error
        raise ProviderRejected(f"OpenAI refused the request: HTTP {error.status_code}: {error.message}") from error
    except (openai.APITimeoutError, openai.APIConnectionError) as error:
        raise Retryable(type(error).__name__) from error
    except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as error:
        raise Retryable(str(error), bad_output=True) from error
    except (pydantic.ValidationError, json.JSONDecodeError) as error:
        raise Retryable("output does not match the schema", bad_output=True) from error


def _answered(usage: Any) -> Answered:
    return Answered(
        input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        output_tokens=getattr(usage, "completion_tokens", 0) or 0,
    )


def _raw_usage(response: Any) -> Any:
    """The usage of a raw completion response, whether or not its content can be parsed."""
    try:
        usage = response.json().get("usage") or {}
    except ValueError:
        usage = {}
    return SimpleNamespace(**usage)

"""OpenAI Chat Completions with strict JSON-schema structured outputs (any OpenAI-compatible server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pydantic

from researcher_pro.core.errors import ProviderRejected
from researcher_pro.providers.base import JsonSchemaCall, ModelCall, ProviderReply
from researcher_pro.providers.retry import Retryable, RetryPolicy, call_with_retries, parse_retry_after

if TYPE_CHECKING:
    import openai


class OpenAIStructuredModel:
    provider = "openai"

    def __init__(self, api_key: str, base_url: str | None, model: str, policy: RetryPolicy) -> None:
        self.model = model
        self._api_key = api_key
        self._base_url = base_url
        self._policy = policy
        self._client: openai.OpenAI | None = None

    def complete(self, call: ModelCall, deadline: float) -> ProviderReply:
        return call_with_retries(
            lambda timeout: self._attempt(call, timeout),
            name=f"OpenAI {self.model}",
            policy=self._policy,
            deadline=deadline,
        )

    def _sdk(self) -> openai.OpenAI:
        # Imported here: openai is heavy, and only the worker ever calls a model.
        if self._client is None:
            import openai

            self._client = openai.OpenAI(api_key=self._api_key, base_url=self._base_url, max_retries=0)
        return self._client

    def complete_json(self, call: JsonSchemaCall, deadline: float) -> ProviderReply:
        return call_with_retries(
            lambda timeout: self._attempt_json(call, timeout),
            name=f"OpenAI {self.model}",
            policy=self._policy,
            deadline=deadline,
        )

    def _attempt(self, call: ModelCall, timeout: float) -> ProviderReply:
        with _provider_errors():
            completion = self._sdk().chat.completions.parse(
                model=self.model,
                messages=[{"role": "system", "content": call.system}, {"role": "user", "content": call.user}],
                response_format=call.schema,
                max_completion_tokens=call.max_output_tokens,
                timeout=timeout,
            )
        message = completion.choices[0].message
        if message.parsed is None:
            raise Retryable(f"no structured output (refusal: {message.refusal!r})", bad_output=True)
        return _reply(message.parsed.model_dump(mode="json"), completion.usage)

    def _attempt_json(self, call: JsonSchemaCall, timeout: float) -> ProviderReply:
        with _provider_errors():
            completion = self._sdk().chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": call.system}, {"role": "user", "content": call.user}],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": call.name, "schema": call.schema, "strict": True},
                },
                max_completion_tokens=call.max_output_tokens,
                timeout=timeout,
            )
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
        return _reply(call.check(data) if call.check else data, completion.usage)


@contextmanager
def _provider_errors() -> Iterator[None]:
    """The SDK's exceptions as the retry loop understands them: retry, give up, or bad output."""
    import openai

    try:
        yield
    except openai.RateLimitError as error:
        raise Retryable("rate limited (429)", parse_retry_after(error.response.headers)) from error
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


def _reply(data: dict[str, Any], usage: Any) -> ProviderReply:
    return ProviderReply(
        data=data,
        input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        output_tokens=getattr(usage, "completion_tokens", 0) or 0,
    )

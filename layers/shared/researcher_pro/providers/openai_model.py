"""OpenAI Chat Completions with strict JSON-schema structured outputs (any OpenAI-compatible server)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pydantic

from researcher_pro.errors import ProviderRejected
from researcher_pro.providers.base import ModelCall, ProviderReply
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

    def _attempt(self, call: ModelCall, timeout: float) -> ProviderReply:
        import openai

        try:
            completion = self._sdk().chat.completions.parse(
                model=self.model,
                messages=[{"role": "system", "content": call.system}, {"role": "user", "content": call.user}],
                response_format=call.schema,
                max_completion_tokens=call.max_output_tokens,
                timeout=timeout,
            )
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
        message = completion.choices[0].message
        if message.parsed is None:
            raise Retryable(f"no structured output (refusal: {message.refusal!r})", bad_output=True)
        usage: Any = completion.usage
        return ProviderReply(
            data=message.parsed.model_dump(mode="json"),
            input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            output_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )

"""OpenAI Chat Completions with `response_format: json_schema` (strict), as the real API answers it.

The content follows the requested schema: plans, findings citing the numbered sources it was shown
(plus one citation of a source it never saw, which the pipeline must drop), and a cited answer, either
free-form or one body per requested section.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from tests.fakes.server import FakeServer

NEVER_RETRIEVED = 99


class FakeOpenAI(FakeServer):
    name = "openai"

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert path.endswith("/chat/completions"), path
        schema = body["response_format"]["json_schema"]
        assert schema.get("strict") is True
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        content = json.dumps(self.content_for(schema["name"], user))
        prompt_tokens = sum(len(m["content"]) for m in body["messages"]) // 4
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(content) // 4,
                "total_tokens": prompt_tokens + len(content) // 4,
            },
        }

    def malformed(self, path: str, body: dict[str, Any]) -> bytes:
        # A well-formed completion whose content is not the requested JSON.
        reply = self.answer(path, body)
        reply["choices"][0]["message"]["content"] = '{"sub_questions": ["unterminated'
        return json.dumps(reply).encode()

    @staticmethod
    def content_for(schema_name: str, user: str) -> dict[str, Any]:
        if schema_name == "ResearchPlan":
            count = int(re.search(r"exactly (\d+)", user).group(1))  # type: ignore[union-attr]
            query = user.split("\n", 1)[0].removeprefix("Query: ")
            return {"sub_questions": [f"{query} (aspect {i + 1})" for i in range(count)]}
        if schema_name == "FindingsReport":
            numbers = [int(n) for n in re.findall(r"^\[(\d+)\]", user, flags=re.MULTILINE)]
            findings = [{"text": f"Source {n} reports a relevant fact.", "citations": [n]} for n in numbers[:3]]
            findings.append({"text": "An unsupported claim.", "citations": [NEVER_RETRIEVED]})
            return {"findings": findings}
        if schema_name == "SynthesizedAnswer":
            numbers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", user)})
            cited = " ".join(f"Point {i} [{n}]." for i, n in enumerate(numbers, 1))
            return {"answer": f"## Answer\n\n{cited} A claim with an invented source [{NEVER_RETRIEVED}]."}
        if schema_name == "SectionedAnswer":
            wanted, findings = user.split("\n\nSections:\n", 1)[1].split("\n\nFindings:\n", 1)
            titles = re.findall(r"^## (.+)$", wanted, flags=re.MULTILINE)
            numbers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", findings.split("\n\nSources:\n")[0])})
            sections = [
                {
                    "title": title,
                    "body": f"On {title.lower()}: a point [{numbers[i % len(numbers)]}]." if numbers else "",
                }
                for i, title in enumerate(titles)
            ]
            if sections:
                sections[-1]["body"] += f" An invented source [{NEVER_RETRIEVED}]."
            return {"sections": sections}
        raise AssertionError(f"unexpected schema {schema_name}")

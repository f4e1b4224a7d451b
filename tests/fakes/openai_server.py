"""OpenAI Chat Completions with `response_format: json_schema` (strict), as the real API answers it.

The content follows the requested schema: plans with a brief; findings quoting the numbered sources it was
shown, plus one citing a source it never saw and one whose quote its source does not contain (the pipeline
must drop both, and count them); reflections that always find a facet missing and propose one search
never asked before (so a run goes on for all its rounds); answer sections written by the extractive model
with one invented source marker each; and report sections that quote the last source's title (so a
hostile title reaches the report through the model too).

`FakeOpenAI(faithful=True)` answers every research schema with the faithful extractive model of
tests/fakes/extractive_model.py instead (no invented citations); so does the default server for schema
names it has no scripted answer for. Replies of that model longer than `max_completion_tokens` are cut
there with `finish_reason: "length"`, as the API cuts them.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from tests.fakes.analysis_content import ANALYSIS_SCHEMAS, analysis_content
from tests.fakes.extractive_model import ExtractiveModel
from tests.fakes.server import FakeServer

NEVER_RETRIEVED = 99
SCRIPTED = frozenset({"ResearchPlan", "FindingsReport", "ReflectionReport", "SectionText", "SectionDraft"})
UNSUPPORTED_QUOTE = "A sentence that no source contains, quoted all the same."
CHARS_PER_TOKEN = 4


class FakeOpenAI(FakeServer):
    name = "openai"
    # How many of the next custom extractions ignore the caller's schema.
    off_schema_left = 0

    def off_schema_next(self, count: int = 1) -> None:
        self.off_schema_left = count

    def __init__(self, faithful: bool = False, delay: float = 0.0) -> None:
        super().__init__(delay)
        self.faithful = faithful
        self.model = ExtractiveModel()
        self.slow_when: tuple[str, float] | None = None  # (text in the user message, seconds to wait)
        # Markdown the scripted research answer ends with (formatting, hostile text): its last section's body does.
        self.answer_appendix = ""

    def reset(self) -> None:
        super().reset()
        self.off_schema_left = 0
        self.slow_when = None
        self.answer_appendix = ""

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert path.endswith("/chat/completions"), path
        schema = body["response_format"]["json_schema"]
        assert schema.get("strict") is True
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        slow = self.slow_when
        if slow and slow[0] in user:
            time.sleep(slow[1])
        finish_reason = "stop"
        if schema["name"] in ANALYSIS_SCHEMAS:
            content = json.dumps(analysis_content(schema, user, self._take_off_schema(schema["name"])))
        elif self.faithful or schema["name"] not in SCRIPTED:
            content = json.dumps(self.model.respond(schema["schema"], body["messages"]))
            limit = body.get("max_completion_tokens") or body.get("max_tokens")
            if limit and len(content) > limit * CHARS_PER_TOKEN:
                content, finish_reason = content[: limit * CHARS_PER_TOKEN], "length"
        elif schema["name"] == "SectionText":
            body_text = str(self.model.respond(schema["schema"], body["messages"])["body"])
            section_text = f"{body_text} A claim with an invented source [{NEVER_RETRIEVED}]."
            if self.answer_appendix and is_last_section(user):
                section_text += f"\n\n{self.answer_appendix}"
            content = json.dumps({"body": section_text})
        else:
            content = json.dumps(self.content_for(schema["name"], user))
        prompt_tokens = sum(len(str(m["content"])) for m in body["messages"]) // CHARS_PER_TOKEN
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
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(content) // CHARS_PER_TOKEN,
                "total_tokens": prompt_tokens + len(content) // CHARS_PER_TOKEN,
            },
        }

    def _take_off_schema(self, schema_name: str) -> bool:
        with self._lock:
            if schema_name != "CustomExtraction" or self.off_schema_left <= 0:
                return False
            self.off_schema_left -= 1
            return True

    def malformed(self, path: str, body: dict[str, Any]) -> bytes:
        # A well-formed completion whose content is not the requested JSON.
        reply = self.answer(path, body)
        reply["choices"][0]["message"]["content"] = '{"sub_questions": ["unterminated'
        return json.dumps(reply).encode()

    def content_for(self, schema_name: str, user: str) -> dict[str, Any]:
        if schema_name == "ResearchPlan":
            count = int(re.search(r"exactly (\d+)", user).group(1))  # type: ignore[union-attr]
            query = user.split("\n", 1)[0].removeprefix("Query: ")
            return {
                "sub_questions": [f"{query} (aspect {i + 1})" for i in range(count)],
                "brief": [f"aspect {i + 1}" for i in range(count)],
            }
        if schema_name == "FindingsReport":
            passages = re.findall(r"^\[(\d+)\][^\n]*\n([^\n]+)", user, flags=re.MULTILINE)
            findings = [
                {"text": f"Source {n} reports a relevant fact.", "citations": [int(n)], "quote": text.strip()}
                for n, text in passages[:3]
            ]
            findings.append({"text": "An unsupported claim.", "citations": [NEVER_RETRIEVED], "quote": "Anything."})
            if passages:
                first = int(passages[0][0])
                findings.append({"text": "A misquoted claim.", "citations": [first], "quote": UNSUPPORTED_QUOTE})
            return {"findings": findings}
        if schema_name == "ReflectionReport":
            question = re.search(r"^Question: (.*)$", user, flags=re.MULTILINE).group(1)  # type: ignore[union-attr]
            asked = user.split("Queries so far:\n", 1)[1].split("\n\n", 1)[0].splitlines()
            return {"missing": ["aspect 1"], "follow_up_queries": [f"{question} (follow-up {len(asked)})"]}
        if schema_name == "SectionDraft":
            section = re.search(r"^Section: (.*)$", user, flags=re.MULTILINE).group(1)  # type: ignore[union-attr]
            sources = re.findall(r"^\[(\d+)\] (.*) \(", user, flags=re.MULTILINE)
            cited = [f"{section} point {i} [{n}]." for i, (n, _) in enumerate(sources[:3], 1)]
            quoted = f"As {sources[-1][1]} puts it [{sources[-1][0]}]." if sources else "No sources."
            return {
                "paragraphs": [f"**{section}**: {quoted} A claim with an invented source [{NEVER_RETRIEVED}]."],
                "bullets": cited,
            }
        raise AssertionError(f"unexpected schema {schema_name}")


def is_last_section(user: str) -> bool:
    """Whether a section's prompt asks for its outline's last section (each section has a call of its own)."""
    section = re.search(r"^Section: (.*)$", user, flags=re.MULTILINE)
    outline = re.search(r"^Outline:\n((?:- .*\n?)+)", user, flags=re.MULTILINE)
    if section is None or outline is None:
        return False
    return outline.group(1).splitlines()[-1] == f"- {section.group(1)}"

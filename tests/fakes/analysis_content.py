"""What the fake OpenAI server answers to analysis requests: content that follows the requested schema,
derived from the text it was sent, so tests can tell which text reached which call.

- TextAnalysis: the requested kinds of one part (summary = the part's first sentence);
- MergedAnalysis: a merge that names every part summary it was given;
- CustomExtraction: a value generated from the strict JSON Schema in the request; `off_schema` makes
  the first property the wrong type, as a server without strict decoding might.
"""

from __future__ import annotations

import json
import re
from typing import Any

ANALYSIS_SCHEMAS = frozenset({"TextAnalysis", "MergedAnalysis", "CustomExtraction"})
NAME = re.compile(r"\b[A-Z][a-z]+(?: Corp)?\b")
NOT_NAMES = frozenset({"The", "A", "An", "It", "This", "In", "But", "Part", "And", "We"})


def analysis_content(json_schema: dict[str, Any], user: str, off_schema: bool) -> dict[str, Any]:
    name = json_schema["name"]
    schema = json_schema["schema"]
    if name == "TextAnalysis":
        return _analysis(schema, _text(user))
    if name == "MergedAnalysis":
        return _merged(schema, user)
    value = _generate(schema, schema, _text(user))
    if off_schema:
        first = next(iter(schema["properties"]))
        value[first] = 12345 if not isinstance(value[first], int) else "not a number"
    return dict(value)


def _text(user: str) -> str:
    found = re.search(r"<text>\n(.*)\n</text>", user, flags=re.DOTALL)
    return found.group(1) if found else user


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]


def _analysis(schema: dict[str, Any], text: str) -> dict[str, Any]:
    wanted = schema["properties"]
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    out: dict[str, Any] = {}
    if "summary" in wanted:
        out["summary"] = _first_sentence(text)
    if "key_points" in wanted:
        out["key_points"] = sentences[:2]
    if "sentiment" in wanted:
        lowered = text.lower()
        if "terrible" in lowered and "excellent" in lowered:
            out["sentiment"] = {"label": "mixed", "score": 0.0}
        elif "terrible" in lowered:
            out["sentiment"] = {"label": "negative", "score": -0.7}
        elif "excellent" in lowered:
            out["sentiment"] = {"label": "positive", "score": 0.8}
        else:
            out["sentiment"] = {"label": "neutral", "score": 0.0}
    if "entities" in wanted:
        names = list(dict.fromkeys(n for n in NAME.findall(text) if n not in NOT_NAMES))[:5]
        out["entities"] = [{"name": n, "type": "organization" if n.endswith("Corp") else "location"} for n in names]
    if "topics" in wanted:
        words = re.findall(r"[a-z]{7,}", text.lower())
        out["topics"] = list(dict.fromkeys(words))[:3]
    return out


def _merged(schema: dict[str, Any], user: str) -> dict[str, Any]:
    parts = json.loads(user[user.index("[") :])
    wanted = schema["properties"]
    out: dict[str, Any] = {}
    if "summary" in wanted:
        out["summary"] = f"Merged from {len(parts)} parts: " + " | ".join(p["summary"] for p in parts)
    if "key_points" in wanted:
        out["key_points"] = list(dict.fromkeys(p["key_points"][0] for p in parts if p["key_points"]))
    if "topics" in wanted:
        out["topics"] = list(dict.fromkeys(t for p in parts for t in p["topics"]))[:8]
    return out


def _generate(node: dict[str, Any], root: dict[str, Any], text: str) -> Any:
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _generate(target, root, text)
    if "anyOf" in node:
        return _generate(next(b for b in node["anyOf"] if b.get("type") != "null"), root, text)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return next(v for v in node["enum"] if v is not None)
    types = node["type"] if isinstance(node["type"], list) else [node["type"]]
    kind = next(t for t in types if t != "null")
    if kind == "object":
        return {key: _generate(sub, root, text) for key, sub in node["properties"].items()}
    if kind == "array":
        count = max(1, node.get("minItems", 1))
        return [_generate(node["items"], root, text) for _ in range(min(count, node.get("maxItems", count)))]
    if kind == "string":
        formats = {"date": "2024-05-01", "date-time": "2024-05-01T12:00:00Z", "email": "info@example.org"}
        if node.get("format") in formats:
            return formats[node["format"]]
        names = [n for n in NAME.findall(text) if n not in NOT_NAMES]
        return names[0] if names else "value"
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0) + 1)
        high = node.get("maximum", low + 10)
        return min(max(low, 1), high) if kind == "integer" else float(min(max(low, 1.5), high))
    if kind == "boolean":
        return True
    return None

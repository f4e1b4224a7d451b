"""An analysis, one step per SQS message: map (each part of the text, in parallel) → reduce (merge).

The map step's output is its checkpoint, so a crash in the reduce step never repeats the paid part
calls; a retried map step finds the calls it already paid for in the cache."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from researcher_pro.analyses.analysts import MERGED_BY_MODEL, CustomSchema, TextAnalyst
from researcher_pro.analyses.chunking import split_text
from researcher_pro.analyses.models import STANDARD_KINDS, AnalysisResult
from researcher_pro.core.json_schema import check_schema
from researcher_pro.tasks.lifecycle import TaskLifecycle
from researcher_pro.tasks.metering import Cache, Meter
from researcher_pro.tasks.queue import Queue
from researcher_pro.tasks.steps import StepResult, StepTask, TaskPolicy
from researcher_pro.tasks.texts import TextStore

MAX_ENTITIES = 100
CLEAR_LEAN = 0.25


class AnalysisTask(StepTask):
    steps = ("map", "reduce")
    progress: ClassVar[dict[str, float]] = {"map": 0.8, "reduce": 1.0}

    def __init__(
        self,
        lifecycle: TaskLifecycle,
        queue: Queue,
        cache: Cache,
        texts: TextStore,
        analyst: TextAnalyst,
        policy: TaskPolicy,
    ) -> None:
        super().__init__(lifecycle, queue, cache, policy)
        self._texts = texts
        self._analyst = analyst

    def run(self, step: str, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        if step == "map":
            return self._map(record, meter)
        return self._reduce(record, checkpoints, meter)

    def _map(self, record: dict[str, Any], meter: Meter) -> StepResult:
        text = self._texts.read(record)
        limit = self._analyst.part_chars
        parts = split_text(text, limit) if limit else [text]
        standard = [k for k in record["kinds"] if k in STANDARD_KINDS]
        custom = _custom_schema(record)
        instructions = record.get("instructions")
        jobs = [(i, "standard") for i in range(len(parts)) if standard]
        jobs += [(i, "custom") for i in range(len(parts)) if custom]

        def run_job(job: tuple[int, str]) -> dict[str, Any]:
            index, what = job
            where = (index, len(parts))
            if what == "standard":
                return self._analyst.analyse(parts[index], standard, instructions, where, meter)
            assert custom is not None
            return self._analyst.extract(parts[index], custom, instructions, where, meter)

        with ThreadPoolExecutor(max_workers=self.workers(len(jobs))) as pool:
            outputs = list(pool.map(run_job, jobs))
        results: list[dict[str, Any]] = [{"chars": len(part)} for part in parts]
        for (index, what), output in zip(jobs, outputs, strict=True):
            results[index][what] = output
        return StepResult(
            {"parts": results},
            f"Analysed the text in {len(parts)} part{'s' if len(parts) != 1 else ''}",
            {"parts": len(parts), "model_calls": meter.calls},
        )

    def _reduce(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        parts: list[dict[str, Any]] = checkpoints["map"]["parts"]
        kinds: list[str] = record["kinds"]
        instructions = record.get("instructions")
        standard = [p.get("standard") or {} for p in parts]
        if len(parts) == 1:
            result = dict(standard[0])
            if "custom" in kinds:
                result["custom"] = parts[0]["custom"]
        else:
            result = {}
            if any(k in kinds for k in MERGED_BY_MODEL):
                result.update(self._analyst.merge(standard, kinds, instructions, meter))
            if "entities" in kinds:
                result["entities"] = merge_entities([s.get("entities") or [] for s in standard])
            if "sentiment" in kinds:
                result["sentiment"] = merge_sentiment([s["sentiment"] for s in standard], [p["chars"] for p in parts])
            if "custom" in kinds:
                custom = _custom_schema(record)
                assert custom is not None
                extracts = [p["custom"] for p in parts]
                result["custom"] = self._analyst.merge_extracts(extracts, custom, instructions, meter)
        if isinstance(result.get("sentiment"), dict):
            score = float(result["sentiment"]["score"])
            result["sentiment"] = {**result["sentiment"], "score": max(-1.0, min(1.0, score))}
        shaped = AnalysisResult.model_validate({k: v for k, v in result.items() if k in kinds})
        return StepResult(
            {"result": shaped.model_dump(mode="json", exclude_none=True), "chunks": len(parts)},
            "Analysis complete",
            {"parts": len(parts), "kinds": kinds},
        )


def merge_entities(per_part: list[list[dict[str, Any]]]) -> list[dict[str, str]]:
    """One entry per name (case-insensitive), typed as most parts typed it, most mentioned first."""
    seen: dict[str, dict[str, Any]] = {}
    for entities in per_part:
        for entity in entities:
            key = " ".join(str(entity["name"]).split()).casefold()
            if not key:
                continue
            entry = seen.setdefault(key, {"name": " ".join(str(entity["name"]).split()), "types": Counter(), "n": 0})
            entry["types"][entity["type"]] += 1
            entry["n"] += 1
    ranked = sorted(seen.values(), key=lambda e: -e["n"])
    return [{"name": e["name"], "type": e["types"].most_common(1)[0][0]} for e in ranked[:MAX_ENTITIES]]


def merge_sentiment(per_part: list[dict[str, Any]], weights: list[int]) -> dict[str, Any]:
    """The length-weighted mean score; `mixed` when parts clearly lean opposite ways."""
    total = sum(weights) or 1
    score = sum(float(s["score"]) * w for s, w in zip(per_part, weights, strict=True)) / total
    labels = {s["label"] for s in per_part}
    leans_up = any(float(s["score"]) >= CLEAR_LEAN for s in per_part) or "positive" in labels
    leans_down = any(float(s["score"]) <= -CLEAR_LEAN for s in per_part) or "negative" in labels
    if "mixed" in labels or (leans_up and leans_down):
        label = "mixed"
    elif len(labels) == 1:
        label = labels.pop()
    else:
        label = "positive" if score >= CLEAR_LEAN else "negative" if score <= -CLEAR_LEAN else "neutral"
    return {"label": label, "score": round(max(-1.0, min(1.0, score)), 4)}


def _custom_schema(record: dict[str, Any]) -> CustomSchema | None:
    if "custom" not in record["kinds"] or not record.get("schema_json"):
        return None
    original = json.loads(record["schema_json"])
    return CustomSchema(original, check_schema(original))

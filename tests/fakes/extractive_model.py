"""A faithful, extractive stand-in for a careful language model, answering OpenAI Chat Completions requests
with `response_format: {"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}`.

It never invents anything: every claim it writes is a sentence copied verbatim from the text it was sent,
and every [n] it writes is a source number it was given. It is deterministic (same request, same reply).
tests/fakes/openai_server.py serves it (`FakeOpenAI(faithful=True)`, and for schema names it has no
scripted answer of its own).

## What it does is chosen by the schema's property names, not by the schema's name

`$ref`s into `$defs`/`definitions` are followed and nullable (`anyOf [..., null]`) properties unwrapped.
The first rule that matches wins:

1. extract: an array property whose items have a `quote` property, or an array property named `findings`
   -> one item per relevant sentence of the given passages: `quote` is the sentence, copied verbatim;
   `text`/`claim`/`finding`/`statement` repeat it; integer `source`/`source_number`/`source_id`/`n`/`number`
   or integer-array `citations`/`sources`/`source_numbers` carry the number of the passage it came from.
   A sentence is relevant when it shares a content term with the question; at most PER_SOURCE per
   passage (those sharing most terms first, then those naming a study or giving a figure), MAX_FINDINGS
   in all, or the schema's maxItems.
2. reflect: a property named `follow_up_queries` (or `queries`, `next_queries`, `follow_ups`)
   -> queries for (a) every lead: a study, trial, survey, report, panel, forum, association, institute,
   centre, dataset (or a code such as HP-COLD-22) that the text names, when no finding names it together
   with a result word (RESULT_CUES: measured, found, averaged, percent, ...), as "<name> results"; then
   (b) every facet of the brief that no finding touches, as "<topic>: <facet>". Leads and facets already
   named by an earlier query are skipped. Nothing missing -> an empty list. Booleans such as `done`,
   `complete`, `sufficient` are true exactly when the list is empty; `missing`/`gaps` list what is missing.
3. plan: a property named `sub_questions` or `brief` (or `facets`)
   -> sub-questions "<topic>: <facet>" over FACETS, as many as "exactly N" / "N sub-questions" in the
   prompt asks (else the schema's minItems, else 3); the brief lists the facets a complete answer covers
   (a string, a list of strings, or an object whose list property receives them).
4. write: `answer`, `sections`, `outline`, `paragraphs`, `bullets`, `body`, `markdown` or `content`
   -> Markdown built only from the given findings, each followed by its own [n] markers; sections get
   the findings that share terms with their title (the titles come from the prompt's `## Title` lines,
   a `Section:` line, or the brief's facets).
5. structure: exactly the properties `data` and `citations` -> `data` filled from the findings by each
   top-level field's type, `citations` the sources of the findings each field used.

Anything else is filled by type (strings with the topic, numbers 0, booleans false, arrays empty, nullable
values null); a schema with none of the properties above raises, like a test that forgot to script it.

## What it reads in the prompt (the user message; the system message is not data)

Sections start with a known header on a line of its own or followed by a value, e.g. `Question: ...`:
`Query`, `Question`, `Sub-question`, `Research question`, `Topic` (the topic); `Brief`, `Facets` (one
facet a line, "- " or "1. " bullets allowed); `Sources`, `Passages`, `Evidence`, `Documents` (passages);
`Findings` (one finding a line, its [n] markers on the line; or a JSON list of objects), `Findings for this
section` (the same, chosen for the one section asked for: it writes from all of them, where under `Findings`
a section gets those that share a term with its title); `Queries so far`,
`Previous queries`, `Searched`, `Searches` (earlier queries, one a line); `Sections` (`## Title` lines);
`Section` (one title); `Outline`. Passages are blocks that start with `[n]` at the start of a line: when
the block has more lines, the first line (title, URL) is metadata and the rest is the text; a one-line
block is all text. `<source n="3">...</source>` (also `id=`, and `passage`/`document` tags), anywhere in
the prompt, works too.

Usage is counted as the API counts it, roughly: characters / 4 for the prompt and the completion. A reply
longer than `max_completion_tokens` is cut there with `finish_reason: "length"`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.text import contains_phrase, phrase, sentence_spans, terms
from tests.fakes.web_corpus import RESULT_CUES

FACETS = (
    "efficiency and performance",
    "costs",
    "limitations and risks",
    "adoption and scale",
    "wider impacts",
    "recent studies and data",
)
BRIEF_FACETS = 4
DEFAULT_SUB_QUESTIONS = 3
PER_SOURCE = 4
MAX_FINDINGS = 40
MAX_FOLLOW_UPS = 5
MIN_SENTENCE = 25

HEADERS = {
    "query": "topic",
    "question": "topic",
    "sub-question": "topic",
    "sub question": "topic",
    "subquestion": "topic",
    "research question": "topic",
    "topic": "topic",
    "brief": "brief",
    "facets": "brief",
    "sources": "passages",
    "passages": "passages",
    "evidence": "passages",
    "documents": "passages",
    "findings": "findings",
    "findings for this section": "section findings",
    "queries so far": "searched",
    "previous queries": "searched",
    "searched": "searched",
    "searches": "searched",
    "earlier queries": "searched",
    "sections": "sections",
    "section": "section",
    "outline": "outline",
}
HEADER = re.compile(r"^[ \t]*([A-Za-z][A-Za-z -]{1,30}?)[ \t]*:[ \t]*(.*)$", flags=re.MULTILINE)
PASSAGE_START = re.compile(r"^[ \t]*\[(\d+)\][ \t]?(.*)$", flags=re.MULTILINE)
TAGGED = re.compile(r"<(source|passage|document)\b[^>]*?\b(?:n|id|number)=\"?(\d+)\"?[^>]*>(.*?)</\1>", flags=re.DOTALL)
MARKER = re.compile(r"\[(\d+)\]")
URL = re.compile(r"https?://[^\s)>\]]+")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
QUESTION_WORDS = re.compile(
    r"^(?:(?:how|what|why|when|where|which|who|is|are|do|does|did|can|could|should|will|would|much|many|well)\s+)+",
    flags=re.IGNORECASE,
)
LEAD_KINDS = (
    "Trial|Study|Survey|Report|Panel|Forum|Association|Institute|Centre|Center|Dataset|Programme|Program|"
    "Project|Index|Agency|Council|Commission|Consortium|Foundation|Laboratory|Initiative|Review|Census"
)
NAME_WORD = r"(?:[A-Z][\w'\u2019-]*)"
LEAD = re.compile(
    rf"\b{NAME_WORD}(?:\s+(?:(?:of|for|and|on|the|in)\s+)?{NAME_WORD})*?\s+(?:{LEAD_KINDS})\b"
    r"|\b[A-Z]{2,}(?:-[A-Z0-9]+)+\b"
)
RESULT = re.compile(
    r"%|\b(?:" + "|".join(re.escape(cue) for cue in RESULT_CUES if cue[0].isalpha()) + r")\b", flags=re.IGNORECASE
)
LEADING_WORDS = frozenset(
    """The A An In On At By From According To For Of And Its This That These Their Our As When While Since
    After Before During Across With Reply Over Under Both Each Every""".split()  # noqa: SIM905 - a paragraph of words reads better than a column
)


@dataclass
class Passage:
    number: int
    start: int  # offsets of the passage's text in the user message
    end: int
    title: str = ""
    url: str = ""


@dataclass
class Finding:
    text: str
    markers: list[int]


@dataclass
class Prompt:
    user: str
    topic: str = ""
    brief: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    has_findings: bool = False
    # The findings were chosen for the one section asked for ("Findings for this section:"): all are used.
    findings_chosen: bool = False
    searched: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    outline: list[str] = field(default_factory=list)
    count: int | None = None

    @property
    def core(self) -> str:
        """The topic without question words or the question mark: a searchable phrase."""
        core = QUESTION_WORDS.sub("", self.topic.strip()).rstrip(" ?.!")
        return core or self.topic.strip()

    def passage_text(self, passage: Passage) -> str:
        return self.user[passage.start : passage.end]

    def sentences(self) -> Iterator[tuple[Passage, str]]:
        for passage in self.passages:
            for start, end in sentence_spans(self.passage_text(passage)):
                yield passage, self.passage_text(passage)[start:end]


class SchemaError(AssertionError):
    """A schema this model cannot recognise: the test forgot to script an answer for it."""


class ExtractiveModel:
    def respond(self, schema: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The JSON object a careful model would answer to these messages under this JSON Schema."""
        user = "\n\n".join(_content(m) for m in messages if m.get("role") == "user")
        prompt = parse_prompt(user)
        root = schema
        props = _properties(root, root)
        findings_key = _findings_property(root, props)
        if findings_key:
            return self._fill(root, root, prompt, {findings_key: lambda s: self._extract(root, s, prompt)})
        reflect_key = next(
            (k for k in ("follow_up_queries", "next_queries", "follow_ups", "queries") if k in props), None
        )
        if reflect_key:
            return self._reflect(root, prompt, reflect_key)
        if {"sub_questions", "brief", "facets"} & set(props):
            return self._plan(root, prompt)
        if {"answer", "sections", "outline", "paragraphs", "bullets", "body", "markdown", "content"} & set(props):
            return self._write(root, prompt)
        if set(props) == {"data", "citations"}:
            return self._structure(root, props, prompt)
        raise SchemaError(f"no extract/reflect/plan/write property in {sorted(props)}")

    # --- extract -------------------------------------------------------------------------------------------

    def _extract(self, root: dict[str, Any], array_schema: dict[str, Any], prompt: Prompt) -> list[Any]:
        wanted = set(terms(prompt.topic)) or set(terms(" ".join(prompt.brief)))
        chosen: list[tuple[float, int, Passage, str]] = []
        order = 0
        for passage in prompt.passages:
            scored = []
            for start, end in sentence_spans(prompt.passage_text(passage)):
                sentence = prompt.passage_text(passage)[start:end]
                overlap = len(wanted & set(terms(sentence))) if wanted else 1
                if overlap == 0 or len(sentence) < MIN_SENTENCE:
                    continue
                # Figures and named studies are what a careful reader notes first.
                score = overlap + (0.5 if re.search(r"\d", sentence) else 0.0) + (1.0 if find_leads(sentence) else 0.0)
                scored.append((score, start, sentence))
            scored.sort(key=lambda item: (-item[0], item[1]))
            for score, _, sentence in sorted(scored[:PER_SOURCE], key=lambda item: item[1]):
                chosen.append((score, order, passage, sentence))
                order += 1
        limit = min(_max_items(array_schema, MAX_FINDINGS), MAX_FINDINGS)
        if len(chosen) > limit:
            keep = sorted(chosen, key=lambda item: (-item[0], item[1]))[:limit]
            chosen = sorted(keep, key=lambda item: item[1])
        item_schema = _resolve(root, array_schema.get("items", {}))
        return [self._finding_item(root, item_schema, prompt, passage, sentence) for _, _, passage, sentence in chosen]

    def _finding_item(
        self, root: dict[str, Any], schema: dict[str, Any], prompt: Prompt, passage: Passage, sentence: str
    ) -> Any:
        if _type(schema) == "string":
            return sentence
        number = passage.number
        special: dict[str, Any] = {}
        for name, prop in _properties(root, schema).items():
            kind, inner = _type(prop), _resolve(root, prop.get("items", {}))
            lname = name.lower()
            if lname == "quote" or lname in {"text", "claim", "finding", "statement", "evidence"}:
                special[name] = sentence
            elif "url" in lname:
                special[name] = passage.url
            elif lname in {"title", "source_title"}:
                special[name] = passage.title
            elif lname in {"question", "sub_question"}:
                special[name] = prompt.topic
            elif lname in {"facet", "aspect"}:
                special[name] = _best_facet(sentence, prompt.brief or list(FACETS))
            elif kind == "array" and _type(inner) in {"integer", "number"}:
                special[name] = [number]
            elif kind == "array" and _type(inner) == "string" and ("source" in lname or "citation" in lname):
                special[name] = [str(number)]
            elif kind in {"integer", "number"} and (
                "source" in lname or "citation" in lname or lname in {"n", "number", "ref", "index"}
            ):
                special[name] = number
            elif kind == "string" and ("source" in lname or "citation" in lname):
                special[name] = str(number)
            elif kind == "number" and lname in {"confidence", "relevance", "score"}:
                special[name] = 0.8
        return self._fill(root, schema, prompt, {k: (lambda _s, v=v: v) for k, v in special.items()})

    # --- reflect -------------------------------------------------------------------------------------------

    def _reflect(self, root: dict[str, Any], prompt: Prompt, key: str) -> dict[str, Any]:
        units = [f.text for f in prompt.findings] if prompt.has_findings else [s for _, s in prompt.sentences()]
        searched = prompt.searched
        leads = []
        for name in find_leads(prompt.user):
            if any(contains_phrase(q, name) for q in searched):
                continue
            if any(contains_phrase(unit, name) and _has_result(unit) for unit in units):
                continue
            leads.append(name)
        missing = []
        for facet in prompt.brief:
            facet_terms = set(terms(facet))
            if any(facet_terms & set(terms(unit)) for unit in units):
                continue
            if any(contains_phrase(q, facet) for q in searched):
                continue
            missing.append(facet)
        wanted: list[tuple[str, str, str]] = [
            (f"{lead} results", lead, "named but its result is not in the findings") for lead in leads
        ]
        wanted += [
            (f"{prompt.core}: {facet}", facet, "a facet of the brief that no finding covers") for facet in missing
        ]
        props = _properties(root, root)
        limit = _max_items(props[key], MAX_FOLLOW_UPS)
        wanted = wanted[:limit]
        done = not wanted
        covered = [f for f in prompt.brief if f not in missing]
        values: dict[str, Any] = {}
        for name, prop in props.items():
            lname = name.lower()
            if name == key:
                values[name] = self._query_items(root, prop, prompt, wanted)
            elif lname in {"done", "complete", "is_complete", "sufficient", "enough", "stop", "should_stop"}:
                values[name] = done
            elif lname in {"continue", "should_continue", "needs_more"}:
                values[name] = not done
            elif lname in {"missing", "gaps", "missing_facets", "uncovered"}:
                values[name] = self._strings(root, prop, [*missing, *leads])
            elif lname in {"leads", "unresolved_leads"}:
                values[name] = self._strings(root, prop, leads)
            elif lname in {"covered", "covered_facets"}:
                values[name] = self._strings(root, prop, covered)
            elif lname in {"reason", "rationale", "assessment", "summary", "notes"}:
                values[name] = (
                    "Every facet of the brief is covered and every named study has its result."
                    if done
                    else "Missing: " + "; ".join(target for _, target, _ in wanted) + "."
                )
        return self._fill(root, root, prompt, {k: (lambda _s, v=v: v) for k, v in values.items()})

    def _query_items(
        self, root: dict[str, Any], array_schema: dict[str, Any], prompt: Prompt, wanted: list[tuple[str, str, str]]
    ) -> list[Any]:
        item = _resolve(root, array_schema.get("items", {}))
        if _type(item) != "object":
            return [query for query, _, _ in wanted]
        out = []
        for query, target, why in wanted:
            values: dict[str, Any] = {}
            for name in _properties(root, item):
                lname = name.lower()
                if lname in {"query", "text", "q", "search"}:
                    values[name] = query
                elif lname in {"reason", "rationale", "why", "purpose"}:
                    values[name] = why
                elif lname in {"facet", "target", "lead", "gap", "aspect"}:
                    values[name] = target
            out.append(self._fill(root, item, prompt, {k: (lambda _s, v=v: v) for k, v in values.items()}))
        return out

    # --- plan ----------------------------------------------------------------------------------------------

    def _plan(self, root: dict[str, Any], prompt: Prompt) -> dict[str, Any]:
        props = _properties(root, root)
        count = prompt.count
        if count is None and "sub_questions" in props:
            count = _resolve(root, props["sub_questions"]).get("minItems")
        count = count or DEFAULT_SUB_QUESTIONS
        facets = [FACETS[i % len(FACETS)] for i in range(max(count, BRIEF_FACETS))]
        questions = [f"{prompt.core}: {facet}" for facet in facets[:count]]
        brief = list(dict.fromkeys(facets))
        values: dict[str, Any] = {}
        for name, prop in props.items():
            if name == "sub_questions":
                values[name] = self._question_items(root, prop, prompt, questions, facets)
            elif name in {"brief", "facets"}:
                values[name] = self._brief(root, prop, prompt, brief)
        return self._fill(root, root, prompt, {k: (lambda _s, v=v: v) for k, v in values.items()})

    def _question_items(
        self,
        root: dict[str, Any],
        array_schema: dict[str, Any],
        prompt: Prompt,
        questions: list[str],
        facets: list[str],
    ) -> list[Any]:
        item = _resolve(root, array_schema.get("items", {}))
        if _type(item) != "object":
            return questions
        out = []
        for question, facet in zip(questions, facets, strict=False):
            values: dict[str, Any] = {}
            for name in _properties(root, item):
                lname = name.lower()
                if lname in {"question", "text", "query", "sub_question"}:
                    values[name] = question
                elif lname in {"facet", "aspect", "focus"}:
                    values[name] = facet
                elif lname in {"rationale", "reason", "why"}:
                    values[name] = f"Covers {facet}."
            out.append(self._fill(root, item, prompt, {k: (lambda _s, v=v: v) for k, v in values.items()}))
        return out

    def _brief(self, root: dict[str, Any], schema: dict[str, Any], prompt: Prompt, facets: list[str]) -> Any:
        schema = _resolve(root, schema)
        kind = _type(schema)
        if kind == "string":
            return f"A complete answer about {prompt.core} covers: " + "; ".join(facets) + "."
        if kind == "array":
            return self._strings(root, schema, facets)
        if kind == "object":
            values: dict[str, Any] = {}
            for name, prop in _properties(root, schema).items():
                if _type(prop) == "array":
                    values[name] = self._strings(root, prop, facets)
                elif _type(prop) == "string" and name.lower() in {"summary", "goal", "scope", "text"}:
                    values[name] = f"What is known about {prompt.core}."
            return self._fill(root, schema, prompt, {k: (lambda _s, v=v: v) for k, v in values.items()})
        return self._fill(root, schema, prompt, {})

    # --- write ---------------------------------------------------------------------------------------------

    def _write(self, root: dict[str, Any], prompt: Prompt) -> dict[str, Any]:
        findings = prompt.findings or self._findings_from_passages(prompt)
        props = _properties(root, root)
        titles = (
            prompt.sections
            or prompt.outline
            or [f.capitalize() for f in prompt.brief]
            or [
                "Summary",
                "Key findings",
                "Limitations",
            ]
        )
        single = prompt.sections[0] if len(prompt.sections) == 1 else None
        pick = None if prompt.findings_chosen else single  # whose title the findings written must share a term with
        values: dict[str, Any] = {}
        for name, prop in props.items():
            lname = name.lower()
            kind = _type(_resolve(root, prop))
            if lname in {"answer", "markdown", "content", "body"} and kind == "string":
                picked = _relevant(findings, pick) if pick else findings
                values[name] = _markdown(picked)
            elif lname == "sections" and kind == "array":
                values[name] = self._section_items(root, prop, prompt, titles, findings)
            elif lname == "outline" and kind == "array":
                values[name] = self._section_items(root, prop, prompt, titles, findings, with_bodies=False)
            elif lname == "paragraphs" and kind == "array":
                picked = _relevant(findings, pick) if pick else findings
                values[name] = [_markdown(picked)] if picked else []
            elif lname == "bullets" and kind == "array":
                picked = _relevant(findings, pick) if pick else findings
                values[name] = [_cited(f) for f in picked]
            elif lname == "title" and kind == "string":
                values[name] = single or prompt.core.capitalize()
            elif lname in {"citations", "sources"} and kind == "array":
                values[name] = sorted({n for f in findings for n in f.markers})
        return self._fill(root, root, prompt, {k: (lambda _s, v=v: v) for k, v in values.items()})

    def _section_items(
        self,
        root: dict[str, Any],
        array_schema: dict[str, Any],
        prompt: Prompt,
        titles: list[str],
        findings: list[Finding],
        with_bodies: bool = True,
    ) -> list[Any]:
        item = _resolve(root, array_schema.get("items", {}))
        if _type(item) != "object":
            return list(titles)
        groups = _group(findings, titles)
        out = []
        for title, group in zip(titles, groups, strict=True):
            values: dict[str, Any] = {}
            for name, prop in _properties(root, item).items():
                lname = name.lower()
                kind = _type(_resolve(root, prop))
                if lname in {"title", "heading", "name"}:
                    values[name] = title
                elif lname in {"body", "text", "content", "markdown"} and with_bodies:
                    values[name] = _markdown(group) if group else "The sources found do not address this."
                elif lname in {"instructions", "focus", "description", "summary"}:
                    values[name] = f"What the findings say about {title.lower()}."
                elif lname in {"citations", "sources"} and kind == "array":
                    values[name] = sorted({n for f in group for n in f.markers})
                elif lname in {"paragraphs"} and kind == "array":
                    values[name] = [_markdown(group)] if group else []
                elif lname in {"bullets"} and kind == "array":
                    values[name] = [_cited(f) for f in group]
            out.append(self._fill(root, item, prompt, {k: (lambda _s, v=v: v) for k, v in values.items()}))
        return out

    def _findings_from_passages(self, prompt: Prompt) -> list[Finding]:
        wanted = set(terms(prompt.topic))
        out = []
        for passage, sentence in prompt.sentences():
            if len(sentence) >= MIN_SENTENCE and (not wanted or wanted & set(terms(sentence))):
                out.append(Finding(sentence, [passage.number]))
        return out[:MAX_FINDINGS]

    # --- generic filling -----------------------------------------------------------------------------------

    def _strings(self, root: dict[str, Any], schema: dict[str, Any], values: list[str]) -> list[Any]:
        item = _resolve(root, _resolve(root, schema).get("items", {}))
        if _type(item) == "object":
            first_string = next((n for n, p in _properties(root, item).items() if _type(p) == "string"), None)
            return [
                self._fill(root, item, Prompt(user=""), {first_string: (lambda _s, v=v: v)} if first_string else {})
                for v in values
            ]
        return list(values)

    # --- structure -----------------------------------------------------------------------------------------

    def _structure(self, root: dict[str, Any], props: dict[str, Any], prompt: Prompt) -> dict[str, Any]:
        """`data` filled from the findings by each top-level field's type, and `citations` naming, per field, the
        sources of the findings it used: text and lists of text take the findings' own words, a number the
        first figure a finding states, a boolean whether there are findings at all."""
        data_schema = _resolve(root, props["data"])
        findings = [f for f in prompt.findings if f.text]
        data: dict[str, Any] = {}
        citations: dict[str, list[int]] = {}
        for name, declared in _properties(root, data_schema).items():
            prop = _resolve(root, _non_null(root, declared))
            kind, used = _type(prop), findings
            if kind == "string" and "enum" not in prop:
                value: Any = " ".join(f.text for f in findings[:3]) or prompt.core
                used = findings[:3]
            elif kind == "array" and _type(_resolve(root, prop.get("items", {}))) == "string":
                used = findings[: _max_items(prop, len(findings))]
                value = [f.text for f in used]
            elif kind in {"integer", "number"}:
                stated = [(f, m) for f in findings if (m := re.search(r"-?\d+(?:\.\d+)?", f.text))]
                used = [stated[0][0]] if stated else []
                value = (int if kind == "integer" else float)(float(stated[0][1].group())) if stated else 0
            elif kind == "boolean":
                value = bool(findings)
            else:
                value, used = self._fill(root, prop, prompt, {}), []
            data[name] = value
            citations[name] = sorted({n for f in used for n in f.markers})
        return {"data": data, "citations": citations}

    def _fill(self, root: dict[str, Any], schema: dict[str, Any], prompt: Prompt, given: dict[str, Any]) -> Any:
        """A value of `schema`: the `given` producers for named properties, defaults by type for the rest."""
        schema = _resolve(root, schema)
        variants = schema.get("anyOf") or schema.get("oneOf")
        if variants:
            concrete = [v for v in (_resolve(root, v) for v in variants) if _type(v) != "null"]
            if len(concrete) < len(variants) and not given:
                return None
            schema = concrete[0] if concrete else {"type": "null"}
        kind = _type(schema)
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        if kind == "object":
            out = {}
            for name, prop in _properties(root, schema).items():
                if name in given:
                    out[name] = given[name](_resolve(root, _non_null(root, prop)))
                else:
                    out[name] = self._fill(root, prop, prompt, {})
            return out
        if kind == "array":
            return []
        if kind == "string":
            return prompt.core
        if kind in {"integer", "number"}:
            return schema.get("minimum", 0)
        if kind == "boolean":
            return False
        return None


def parse_prompt(user: str) -> Prompt:
    prompt = Prompt(user=user)
    count = re.search(r"\bexactly (\d+)\b|\b(\d+) (?:sub-?questions|questions)\b", user, flags=re.IGNORECASE)
    if count:
        prompt.count = int(count.group(1) or count.group(2))
    sections = _sections(user)
    for kind, start, end, inline in sections:
        body = user[start:end]
        lines = [BULLET.sub("", line).strip() for line in body.splitlines() if line.strip()]
        if kind == "topic" and not prompt.topic:
            prompt.topic = inline or (lines[0] if lines else "")
        elif kind == "brief":
            prompt.brief += [inline] if inline and not lines else lines
        elif kind == "searched":
            prompt.searched += ([inline] if inline else []) + lines
        elif kind in ("findings", "section findings"):
            prompt.has_findings = True
            prompt.findings += _parse_findings(body)
            prompt.findings_chosen = kind == "section findings"
        elif kind == "sections":
            prompt.sections += re.findall(r"^\s*#+\s*(.+?)\s*$", body, flags=re.MULTILINE) or lines
        elif kind == "section" and inline:
            prompt.sections.append(inline)
        elif kind == "outline":
            prompt.outline += lines
    passage_ranges = [(s, e) for kind, s, e, _ in sections if kind == "passages"]
    if not sections:
        passage_ranges = [(0, len(user))]
        prompt.topic = user.strip().splitlines()[0] if user.strip() else ""
    tagged = [Passage(int(m.group(2)), m.start(3), m.end(3)) for m in TAGGED.finditer(user)]
    if tagged:
        prompt.passages = tagged
        return prompt
    for start, end in passage_ranges:
        prompt.passages += _parse_passages(user, start, end)
    return prompt


def find_leads(text: str) -> list[str]:
    """Names of studies, organisations and datasets in `text`, in order of first mention."""
    found: dict[str, str] = {}
    for match in LEAD.finditer(text):
        words = match.group(0).split()
        while words and words[0] in LEADING_WORDS:
            words.pop(0)
            while words and words[0] in {"the", "of", "and", "for", "on", "in"}:
                words.pop(0)
        if len(words) >= 2 or (words and "-" in words[0]):
            name = " ".join(words)
            found.setdefault(phrase(name), name)
    return list(found.values())


def _has_result(text: str) -> bool:
    return bool(RESULT.search(text))


def _sections(user: str) -> list[tuple[str, int, int, str]]:
    """(kind, body start, body end, inline value) of every known header, in order."""
    heads = [
        (HEADERS[m.group(1).strip().lower()], m.start(), m.end(), m.group(2).strip())
        for m in HEADER.finditer(user)
        if m.group(1).strip().lower() in HEADERS
    ]
    out = []
    for i, (kind, _, head_end, inline) in enumerate(heads):
        end = heads[i + 1][1] if i + 1 < len(heads) else len(user)
        body_start = min(head_end + 1, end)
        if kind == "passages" and inline:
            body_start = head_end - len(inline)
        out.append((kind, body_start, end, inline))
    return out


def _parse_passages(user: str, start: int, end: int) -> list[Passage]:
    out = []
    heads = list(PASSAGE_START.finditer(user, start, end))
    for i, head in enumerate(heads):
        block_end = heads[i + 1].start() if i + 1 < len(heads) else end
        while block_end > head.end() and user[block_end - 1].isspace():
            block_end -= 1
        rest_start = head.end() + 1
        has_body = rest_start < block_end and user[rest_start:block_end].strip()
        header = head.group(2)
        url = URL.search(header)
        if has_body:
            title = URL.sub("", header).strip(" ()—-")
            out.append(Passage(int(head.group(1)), rest_start, block_end, title, url.group(0) if url else ""))
        else:
            out.append(Passage(int(head.group(1)), head.start(2), block_end, "", url.group(0) if url else ""))
    return out


def _parse_findings(body: str) -> list[Finding]:
    stripped = body.strip()
    if stripped.startswith("[{") or stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if data is not None:
            items = data if isinstance(data, list) else data.get("findings", [data])
            out = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                text = str(item.get("text") or item.get("claim") or item.get("quote") or "")
                numbers = item.get("citations") or item.get("sources") or [item.get("source")]
                markers = [int(n) for n in numbers if isinstance(n, int) or (isinstance(n, str) and n.isdigit())]
                out.append(Finding(text, markers))
            return out
    out = []
    for line in body.splitlines():
        if not line.strip() or line.strip() == "(none)":
            continue
        markers = [int(n) for n in MARKER.findall(line)]
        text = MARKER.sub("", BULLET.sub("", line)).strip()
        text = re.sub(r"\s+([.,;:])", r"\1", text)
        if text:
            out.append(Finding(text, markers))
    return out


def _cited(finding: Finding) -> str:
    markers = "".join(f"[{n}]" for n in dict.fromkeys(finding.markers))
    text = finding.text.rstrip()
    if markers and text.endswith("."):
        return f"{text[:-1]} {markers}."
    return f"{text} {markers}".rstrip()


def _markdown(findings: list[Finding]) -> str:
    paragraphs = [" ".join(_cited(f) for f in findings[i : i + 3]) for i in range(0, len(findings), 3)]
    return "\n\n".join(paragraphs)


def _relevant(findings: list[Finding], title: str | None) -> list[Finding]:
    if not title:
        return findings
    wanted = set(terms(title))
    return [f for f in findings if wanted & set(terms(f.text))]


def _group(findings: list[Finding], titles: list[str]) -> list[list[Finding]]:
    """Each finding under the section whose title shares most terms with it; the unmatched ones under the
    section with fewest findings, so nothing given is dropped."""
    groups: list[list[Finding]] = [[] for _ in titles]
    unmatched = []
    for finding in findings:
        own = set(terms(finding.text))
        overlaps = [len(own & set(terms(title))) for title in titles]
        best = max(overlaps, default=0)
        if best:
            groups[overlaps.index(best)].append(finding)
        else:
            unmatched.append(finding)
    for finding in unmatched:
        smallest = min(range(len(groups)), key=lambda i: (len(groups[i]), i))
        groups[smallest].append(finding)
    return groups


def _best_facet(sentence: str, facets: list[str]) -> str:
    own = set(terms(sentence))
    return max(facets, key=lambda f: (len(own & set(terms(f))), -facets.index(f)))


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _resolve(root: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        ref = schema["$ref"]
        node: Any = root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        schema = node
        seen += 1
    return schema


def _non_null(root: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(root, schema)
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        concrete = [v for v in (_resolve(root, v) for v in variants) if _type(v) != "null"]
        if concrete:
            return concrete[0]
    return schema


def _type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None and "properties" in schema:
        return "object"
    return str(kind) if kind else ""


def _properties(root: dict[str, Any], schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    schema = _non_null(root, schema)
    return dict(schema.get("properties", {}))


def _max_items(schema: dict[str, Any], default: int) -> int:
    value = schema.get("maxItems")
    return int(value) if isinstance(value, int) else default


def _findings_property(root: dict[str, Any], props: dict[str, dict[str, Any]]) -> str | None:
    for name, declared in props.items():
        prop = _non_null(root, declared)
        if _type(prop) != "array":
            continue
        item = _non_null(root, prop.get("items", {}))
        if "quote" in _properties(root, item) or name == "findings":
            return name
    return None

"""Jinja2 for research templates, in a sandbox that sees plain data only and cannot run away.

Templates are written by tenants, so they are untrusted code. Three layers keep them harmless:
1. Before a template is stored, its syntax tree may hold only a small set of node types: text, variables,
   `if`, `for` over list variables (nested at most twice), filters from an allow-list, operators, literals
   and `loop.index`-style reads. No calls, attribute access, assignments, macros, includes or imports.
2. Rendering runs in a subclass of Jinja2's ImmutableSandboxedEnvironment that refuses every attribute
   and every call, has no globals, intercepts the operators that can grow values (`+ * ** %`), and
   leaves an undefined name an error (StrictUndefined).
3. Output is produced as a stream and stopped as soon as it passes the size limit.
Variables reach a template only as str, int, float or list[str] (checked by the template service).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.nodes import Node

MAX_RENDERED_CHARS = 20_000
MAX_LOOP_DEPTH = 2
MAX_EXPONENT = 64
# Reads of the loop helper that are plain data; `loop.cycle()` and recursive `loop()` are calls, refused.
LOOP_ATTRIBUTES = frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length"})
# Filters whose output is never larger than their input plus their arguments (join is size-checked).
SAFE_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "float",
    "int",
    "last",
    "length",
    "lower",
    "max",
    "min",
    "reverse",
    "round",
    "sort",
    "string",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "wordcount",
)
LOOP_FILTERS = frozenset({"sort", "reverse", "unique"})
RESERVED_NAMES = frozenset({"self", "caller", "varargs", "kwargs", "loop"})
ALLOWED_NODES = frozenset(
    {
        "Template",
        "Output",
        "TemplateData",
        "Const",
        "Name",
        "For",
        "If",
        "CondExpr",
        "Filter",
        "Test",
        "And",
        "Or",
        "Not",
        "Compare",
        "Operand",
        "Concat",
        "Add",
        "Sub",
        "Mul",
        "Div",
        "FloorDiv",
        "Mod",
        "Pow",
        "Neg",
        "Pos",
        "List",
        "Tuple",
        "Getitem",
        "Slice",
        "Getattr",
        "Keyword",
    }
)
NODE_WORDS = {
    "Call": "calling functions or methods",
    "Macro": "{% macro %}",
    "CallBlock": "{% call %}",
    "Include": "{% include %}",
    "Import": "{% import %}",
    "FromImport": "{% from ... import %}",
    "Extends": "{% extends %}",
    "Block": "{% block %}",
    "Assign": "{% set %}",
    "AssignBlock": "{% set %}",
    "With": "{% with %}",
    "FilterBlock": "{% filter %}",
    "Dict": "dict literals",
}


class RenderFailure(Exception):
    """A template could not be rendered with these values; the message says why, for the caller."""


def check(source: str, variable_types: Mapping[str, str]) -> list[str]:
    """Every reason this text cannot be a template with these declared variables (empty when it can)."""
    from jinja2 import TemplateSyntaxError, meta

    env = _environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as error:
        return [f"line {error.lineno}: {error.message}"]
    problems = _unsafe_constructs(tree, variable_types)
    try:
        # This runs the code generator, which also finds unknown filters and tests.
        undeclared = sorted(meta.find_undeclared_variables(tree) - set(variable_types) - RESERVED_NAMES)
    except TemplateSyntaxError as error:
        return [*problems, f"line {error.lineno}: {error.message}"]
    if undeclared:
        problems.append(f"undeclared variable{'s' if len(undeclared) > 1 else ''}: {', '.join(undeclared)}")
    return problems


def render(source: str, values: Mapping[str, Any], limit: int = MAX_RENDERED_CHARS) -> str:
    """Render a checked template; RenderFailure when it fails or its output passes `limit` characters."""
    from jinja2 import TemplateError

    try:
        template = _compile(source)
        chunks: list[str] = []
        size = 0
        for chunk in template.generate(dict(values)):
            size += len(chunk)
            if size > limit:
                raise RenderFailure(f"the rendered text is longer than {limit} characters")
            chunks.append(chunk)
        return "".join(chunks)
    except RenderFailure:
        raise
    except TemplateError as error:
        raise RenderFailure(str(error.message or error)) from error
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError, MemoryError) as error:
        raise RenderFailure(f"{type(error).__name__}: {error}") from error


# --- the static check ----------------------------------------------------------------------------------
def _unsafe_constructs(tree: Node, variable_types: Mapping[str, str]) -> list[str]:
    from jinja2 import nodes

    problems: list[str] = []

    def refuse(message: str) -> None:
        if message not in problems:
            problems.append(message)

    def visit(node: Node, loop_depth: int) -> None:
        kind = type(node).__name__
        if kind not in ALLOWED_NODES:
            refuse(f"{NODE_WORDS.get(kind, kind)} is not allowed in templates")
            return
        loop_counter = isinstance(node, nodes.Getattr) and _is_loop_counter(node)
        if isinstance(node, nodes.Getattr) and not loop_counter:
            allowed = "/".join(sorted(LOOP_ATTRIBUTES))
            refuse(f"attribute access ('.{node.attr}') is not allowed; only loop.{allowed}")
            return
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            refuse(f"indexing with a string ([{node.arg.value!r}]) is not allowed; index lists with numbers")
            return
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in RESERVED_NAMES - {"loop"}:
            refuse(f"'{node.name}' is not available in templates")
            return
        if isinstance(node, nodes.For):
            if loop_depth + 1 > MAX_LOOP_DEPTH:
                refuse(f"loops may be nested at most {MAX_LOOP_DEPTH} deep")
                return
            if not _bounded_iterable(node.iter, variable_types):
                refuse("a loop may only run over a list variable (optionally |sort, |reverse, |unique or a slice)")
                return
            for child in node.iter_child_nodes():
                visit(child, loop_depth + 1 if child is not node.iter else loop_depth)
            return
        for child in node.iter_child_nodes():
            visit(child, loop_depth)

    visit(tree, 0)
    return problems


def _is_loop_counter(node: Any) -> bool:
    from jinja2 import nodes

    return isinstance(node.node, nodes.Name) and node.node.name == "loop" and node.attr in LOOP_ATTRIBUTES


def _bounded_iterable(node: Node, variable_types: Mapping[str, str]) -> bool:
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return variable_types.get(node.name) == "list"
    if isinstance(node, nodes.Filter):
        return node.name in LOOP_FILTERS and node.node is not None and _bounded_iterable(node.node, variable_types)
    if isinstance(node, nodes.Getitem):
        return isinstance(node.arg, nodes.Slice) and _bounded_iterable(node.node, variable_types)
    if isinstance(node, nodes.List | nodes.Tuple):
        return all(isinstance(item, nodes.Const) for item in node.items)
    return False


# --- the sandbox ---------------------------------------------------------------------------------------
@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _environment().from_string(source)


@cache
def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.filters import FILTERS
    from jinja2.runtime import LoopContext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class PlainDataSandbox(ImmutableSandboxedEnvironment):
        """No attribute (beyond loop counters) and no callable is reachable from a template."""

        intercepted_binops = frozenset({"+", "*", "**", "%"})

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            return isinstance(obj, LoopContext) and attr in LOOP_ATTRIBUTES

        def is_safe_callable(self, obj: Any) -> bool:
            return False

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            return _bounded_binop(operator, left, right)

    env = PlainDataSandbox(
        undefined=StrictUndefined,
        autoescape=False,  # prompts are text for a model, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict
    env.filters = {name: FILTERS[name] for name in SAFE_FILTERS}
    env.filters["join"] = _bounded_join
    return env


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounded_binop(operator: str, left: Any, right: Any) -> Any:
    if operator == "+":
        if _size(left) + _size(right) > MAX_RENDERED_CHARS:
            raise RenderFailure("a '+' would build a value longer than the output limit")
        return left + right
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if _size(sequence) and _number(times) and _size(sequence) * max(int(times), 0) > MAX_RENDERED_CHARS:
                raise RenderFailure("a '*' would build a value longer than the output limit")
        return left * right
    if operator == "**":
        if not (_number(left) and _number(right)):
            raise RenderFailure("'**' works on numbers only")
        if abs(right) > MAX_EXPONENT or (abs(left) > 1 and abs(right) * math.log10(abs(left)) > 300):
            raise RenderFailure("'**' result would be too large")
        return left**right
    # "%": arithmetic only; on strings it is printf formatting, which can pad to any width.
    if not (_number(left) and _number(right)):
        raise RenderFailure("'%' works on numbers only")
    return left % right


def _bounded_join(value: Iterable[Any], separator: str = "", attribute: Any = None) -> str:
    if attribute is not None:
        raise RenderFailure("join(attribute=...) is not available")
    items = [str(item) for item in value]
    if sum(map(len, items)) + len(str(separator)) * max(len(items) - 1, 0) > MAX_RENDERED_CHARS:
        raise RenderFailure("a join would build a value longer than the output limit")
    return str(separator).join(items)

"""A caller's JSON Schema (a custom analysis's, or a research's output schema): checked against its
meta-schema, turned into the strict subset of JSON Schema that OpenAI structured outputs accept, and used
to check what the model returns.

Strict mode needs every object to list its properties, allow no others and require all of them, so:
- `additionalProperties` becomes false (a caller's `true` or schema there has no strict form: refused);
- every property becomes required; one the caller left optional becomes nullable in the request, and a
  null the model gives for it is removed again before the output is checked;
- validation keywords strict mode does not take (minLength, uniqueItems, ...) are left out of the request
  but still enforced, because the output is always checked against the caller's own schema;
- `oneOf` is sent as `anyOf` (the check enforces "exactly one");
- keywords with no strict equivalent (allOf, not, if/then/else, patternProperties, ...), free-form
  objects, arrays without an item schema and values without any type are refused, with the place named.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

MAX_SCHEMA_BYTES = 16_384
MAX_JSON_DEPTH = 40  # raw nesting of the schema document, checked before anything walks it
MAX_NESTING = 10  # objects and arrays inside each other: OpenAI's limit for strict schemas
SCHEMA_NAME = "CustomExtraction"

KEPT = frozenset(
    {
        "type",
        "description",
        "title",
        "enum",
        "const",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)
REFUSED = frozenset(
    {
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "patternProperties",
        "propertyNames",
        "dependentSchemas",
        "dependentRequired",
        "dependencies",
        "unevaluatedProperties",
        "unevaluatedItems",
        "prefixItems",
        "additionalItems",
        "$dynamicRef",
        "$recursiveRef",
    }
)
STRICT_FORMATS = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"})
KNOWN_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})


class SchemaRefused(ValueError):
    """The schema is not usable for custom extraction; the message says where and why."""


class OutputMismatch(ValueError):
    """The model's output does not satisfy the caller's schema."""


def check_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The strict form of `schema`, or SchemaRefused naming what is wrong."""
    size = len(json.dumps(schema, separators=(",", ":")).encode())
    if size > MAX_SCHEMA_BYTES:
        raise SchemaRefused(f"the schema is {size} bytes; at most {MAX_SCHEMA_BYTES} are allowed")
    if _json_depth(schema) > MAX_JSON_DEPTH:
        raise SchemaRefused(f"the schema nests deeper than {MAX_JSON_DEPTH} levels")
    import jsonschema

    validator_class = _validator_class(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise SchemaRefused(f"not a valid JSON Schema at {error.json_path}: {error.message}") from error
    if _types(schema) != {"object"} and not ("properties" in schema and not _types(schema)):
        raise SchemaRefused("the top level must be an object with properties (type 'object')")
    return _Strict(schema).convert(schema, "$", 0)


def output_check(schema: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function that takes the model's output, drops the nulls strict mode forced on optional
    properties, and returns it if it satisfies `schema` (OutputMismatch otherwise)."""
    validator = _validator(schema)

    def check(output: dict[str, Any]) -> dict[str, Any]:
        import jsonschema

        cleaned = copy.deepcopy(output)
        _drop_forced_nulls(cleaned, schema, validator, 0)
        error = jsonschema.exceptions.best_match(validator.iter_errors(cleaned))
        if error is not None:
            raise OutputMismatch(f"{error.json_path}: {error.message}")
        return cleaned

    return check


# --- the strict form --------------------------------------------------------------------------------
class _Strict:
    def __init__(self, root: dict[str, Any]) -> None:
        self._root = root

    def convert(self, node: Any, where: str, depth: int) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise SchemaRefused(f"{where}: true/false schemas have no strict form; give a schema object")
        refused = sorted(REFUSED & node.keys())
        if refused:
            raise SchemaRefused(f"{where}: '{refused[0]}' has no strict structured-output form")
        if "$ref" in node:
            return self._reference(node, where)
        out: dict[str, Any] = {key: node[key] for key in KEPT & node.keys()}
        if node.get("format") in STRICT_FORMATS:
            out["format"] = node["format"]
        self._definitions_and_branches(node, out, where, depth)
        types = _types(node)
        unknown = types - KNOWN_TYPES
        if unknown:
            raise SchemaRefused(f"{where}: unknown type {sorted(unknown)[0]!r}")
        if "object" in types or ("properties" in node and not types):
            self._object(node, out, where, depth + 1)
        if "array" in types:
            items = node.get("items")
            if not isinstance(items, dict):
                raise SchemaRefused(f"{where}: an array needs one schema for its items ('items')")
            if depth + 1 > MAX_NESTING:
                raise SchemaRefused(f"{where}: objects and arrays nest deeper than {MAX_NESTING} levels")
            out["items"] = self.convert(items, f"{where}.items", depth + 1)
        if not types and not {"anyOf", "enum", "const", "properties"} & out.keys():
            raise SchemaRefused(f"{where}: strict outputs need a type (or enum, const, anyOf, $ref) for every value")
        return out

    def _definitions_and_branches(self, node: dict[str, Any], out: dict[str, Any], where: str, depth: int) -> None:
        for defs in ("$defs", "definitions"):
            if isinstance(node.get(defs), dict):
                out[defs] = {
                    name: self.convert(sub, f"{where}.{defs}.{name}", depth) for name, sub in node[defs].items()
                }
        if "anyOf" in node and "oneOf" in node:
            raise SchemaRefused(f"{where}: use either anyOf or oneOf, not both")
        branches = node.get("anyOf", node.get("oneOf"))
        if branches is not None:
            out["anyOf"] = [self.convert(b, f"{where}.anyOf[{i}]", depth) for i, b in enumerate(branches)]

    def _object(self, node: dict[str, Any], out: dict[str, Any], where: str, depth: int) -> None:
        if depth > MAX_NESTING:
            raise SchemaRefused(f"{where}: objects and arrays nest deeper than {MAX_NESTING} levels")
        properties = node.get("properties")
        if not isinstance(properties, dict) or not properties:
            raise SchemaRefused(f"{where}: an object must list its properties (free-form objects cannot be strict)")
        if node.get("additionalProperties", False) is not False:
            raise SchemaRefused(f"{where}: additionalProperties must be false or absent in strict mode")
        required = set(node.get("required") or ())
        out["type"] = node.get("type", "object")
        out["properties"] = {}
        for name, sub in properties.items():
            strict = self.convert(sub, f"{where}.properties.{name}", depth)
            out["properties"][name] = strict if name in required else _nullable(strict)
        out["required"] = list(properties)
        out["additionalProperties"] = False

    def _reference(self, node: dict[str, Any], where: str) -> dict[str, Any]:
        ref = node["$ref"]
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            raise SchemaRefused(f"{where}: only local references ('#/$defs/...') are allowed")
        try:
            _pointer(self._root, ref)
        except LookupError as error:
            raise SchemaRefused(f"{where}: {ref} points at nothing in the schema") from error
        return {"$ref": ref, **({"description": node["description"]} if "description" in node else {})}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema and "anyOf" not in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        nullable = {**schema, "type": [*types, "null"] if "null" not in types else types}
        if "enum" in schema and None not in schema["enum"]:
            nullable["enum"] = [*schema["enum"], None]
        return nullable
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


# --- checking the output ----------------------------------------------------------------------------
def _drop_forced_nulls(value: Any, node: Any, validator: Validator, depth: int) -> None:
    if depth > MAX_JSON_DEPTH or not isinstance(node, dict):
        return
    node = _dereference(node, validator.schema)
    if isinstance(value, dict) and isinstance(node.get("properties"), dict):
        required = set(node.get("required") or ())
        for key in list(value):
            sub = node["properties"].get(key)
            if sub is None:
                continue
            if value[key] is None and key not in required and not validator.evolve(schema=sub).is_valid(None):
                del value[key]
            else:
                _drop_forced_nulls(value[key], sub, validator, depth + 1)
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            _drop_forced_nulls(item, node["items"], validator, depth + 1)
    for branch in node.get("anyOf", node.get("oneOf", [])):
        if isinstance(value, dict | list):
            trial = copy.deepcopy(value)
            _drop_forced_nulls(trial, branch, validator, depth + 1)
            if validator.evolve(schema=branch).is_valid(trial):
                _replace(value, trial)
                return


def _dereference(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    for _ in range(MAX_JSON_DEPTH):
        if "$ref" not in node:
            return node
        try:
            found = _pointer(root, node["$ref"])
        except LookupError:
            return {}
        node = found if isinstance(found, dict) else {}
    return {}


def _replace(target: dict[str, Any] | list[Any], source: Any) -> None:
    if isinstance(target, dict):
        target.clear()
        target.update(source)
    else:
        target[:] = source


# --- helpers ----------------------------------------------------------------------------------------
def _validator_class(schema: dict[str, Any]) -> type[Validator]:
    from jsonschema import Draft202012Validator
    from jsonschema.validators import validator_for

    if "$schema" not in schema:
        return Draft202012Validator
    found = validator_for(schema, default=None)
    if found is None:
        raise SchemaRefused(f"$schema {schema['$schema']!r} is not a JSON Schema draft this service knows")
    return found


def _validator(schema: dict[str, Any]) -> Validator:
    cls = _validator_class(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


def _pointer(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#").split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise LookupError(ref)
    return node


def _json_depth(value: Any) -> int:
    # Iterative, so a hostile document cannot exhaust the stack before it is refused.
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest

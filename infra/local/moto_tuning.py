"""moto made faster where the local cloud spent its time, its behaviour unchanged: what each change keeps as
moto has it is checked against moto itself by tests/integration/test_local_dynamodb.py. The changes are made
once per process, before moto serves a request, and each relies on DynamoDB requests being served one at a
time (`OneDynamoDBRequestAtATime` in provision.py). One change is for tests only, and is made on purpose:
`lagging_indexes`, indexes that answer late, as DynamoDB's may."""

from __future__ import annotations

import base64
import copy
import functools
import json
import pickle
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@functools.cache  # once per process: the local cloud may start moto more than once
def make_moto_faster() -> None:
    _roll_back_named_items_only()
    _answer_item_operations_as_json()
    _parse_each_expression_once()
    _find_actions_once()
    _validate_plain_updates_once()
    _query_what_can_match()
    _project_once()
    _retention_without_every_attribute()


class _TablesNotCopied:
    """moto's DynamoDB module `copy` during a transaction: the deep copy of a whole table that moto takes to roll
    back with is the table itself (`_roll_back_named_items_only` keeps what a rollback needs); anything else is
    copied as usual, and the copy of an item that moto takes before it updates the item in place is kept as that
    item's state before the transaction."""

    def __init__(self) -> None:
        self.active = False
        self.before: dict[int, Any] = {}  # by the id of an item updated in place: a copy of it before

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.dynamo_type import Item
        from moto.dynamodb.models.table import Table

        if self.active and isinstance(value, Table):
            return value
        copied = copy.deepcopy(value, memo)
        if self.active and isinstance(value, Item):
            self.before.setdefault(id(value), copied)
        return copied

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _roll_back_named_items_only() -> None:
    """moto's DynamoDB transaction backs up every table it names, whole, for its rollback: every step of a task
    copied the data table with all its tasks' events, every claim of a task's subscribers the connections table
    with all its connections, so each got slower as the tables grew. A transaction can only change the items it
    names (at most 100), so those are kept instead and put back when moto rolls back; the transaction itself is
    moto's. An item is kept as it is: a put or a delete replaces it in its table, leaving it as it was. Only an
    update changes an item in place, and moto copies the item first (for its stream), so that copy is the one
    kept, and no item is copied twice. Safe because DynamoDB requests are served one at a time."""
    from moto.dynamodb import models

    if isinstance(models.copy, _TablesNotCopied):
        return
    tables_not_copied = _TablesNotCopied()
    models.copy = tables_not_copied  # type: ignore[assignment]
    transact = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        named = _named_items(self, transact_items)
        tables_not_copied.active = True
        try:
            transact(self, transact_items)
        except BaseException:
            for table, key, item in reversed(named):
                _put_back(table, key, tables_not_copied.before.get(id(item), item))
            raise
        finally:
            tables_not_copied.active = False
            tables_not_copied.before.clear()

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


Key = tuple[Any, Any]  # (hash key, range key or None), as moto's DynamoType values


def _named_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Key, Any]]:
    """Each item a transaction names, with the item as it is now (None when there is none)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    named = []
    for entry in transact_items:
        for kind, operation in entry.items():
            table = backend.tables.get(operation.get("TableName"))
            attributes = operation.get("Item" if kind == "Put" else "Key") or {}
            if table is None or table.hash_key_attr not in attributes:
                continue  # moto refuses it before writing anything
            if table.range_key_attr is not None and table.range_key_attr not in attributes:
                continue
            key = (
                DynamoType(attributes[table.hash_key_attr]),
                DynamoType(attributes[table.range_key_attr]) if table.range_key_attr is not None else None,
            )
            named.append((table, key, table.get_item(*key)))
    return named


def _put_back(table: Any, key: Key, item: Any) -> None:
    hash_key, range_key = key
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
    elif item is None:
        table.items.get(hash_key, {}).pop(range_key, None)
    else:
        table.items[hash_key][range_key] = item


# DynamoDB's operations on items: their answers are items in DynamoDB's JSON, counts, keys and capacities.
ITEM_OPERATIONS = frozenset(
    {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
)


def _answer_item_operations_as_json() -> None:
    """moto writes every answer through a serializer that walks botocore's model of the operation's output value
    by value, which took nine tenths of the time moto spent on a query of 50 subscriptions. moto builds the
    answers of item operations in DynamoDB's JSON already (`DynamoResult`), so they are written with `json`, as
    moto itself wrote them before that serializer, and as the serializer leaves them: only the output's members,
    none without a value, binary values in base64. Every other answer, errors included, is moto's serializer's."""
    from moto.dynamodb.responses import DynamoResult

    if getattr(DynamoResult.execute_result, "as_json", False):
        return
    serialized = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name not in ITEM_OPERATIONS:
            return serialized(self, context)
        members = context.operation_model.output_shape.members
        answer = {name: value for name, value in self.result.items() if name in members}
        content_type = f"application/x-amz-json-{context.service_model.metadata.get('jsonVersion', '1.0')}"
        return 200, {"Content-Type": content_type}, json.dumps(_json_value(answer))

    execute_result.as_json = True  # type: ignore[attr-defined]
    execute_result.serialized = serialized  # type: ignore[attr-defined]  # moto's own, which the tests compare with
    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


def _json_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_value(member) for key, member in value.items() if member is not None}
    if isinstance(value, list):
        return [_json_value(member) for member in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _parse_each_expression_once() -> None:
    """moto parses an expression anew every time it meets it: a condition three times for each item of a
    transaction (to validate the request, to check the condition, to write the item), an update expression
    twice, so a claim of 50 subscriptions parsed the same condition 150 times, and parsing was a third of the
    time the claim took. Each is parsed once and its tree reused: a parsed condition is a tree of operators that
    only read the item they are given (kept per expression, names and values, which it holds), and moto copies a
    parsed update expression before it works on it. An expression that does not parse still raises every time,
    as it is never kept."""
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    if getattr(ConditionExpressionParser.parse, "remembered", False):
        return
    parse = ConditionExpressionParser.parse

    @functools.lru_cache(maxsize=1024)
    def parsed(expression: str, names: str, values: str) -> tuple[Any, list[str], list[str]]:
        parser = ConditionExpressionParser(expression, json.loads(names), json.loads(values))
        tree = parse(parser)
        return tree, parser.expr_attr_names_found, parser.expr_attr_values_found

    def remembered(self: Any) -> Any:
        if not isinstance(self.condition_expression, str):
            return parse(self)
        try:
            names = json.dumps(self.expression_attribute_names, sort_keys=True)
            values = json.dumps(self.expression_attribute_values, sort_keys=True)
        except TypeError:  # values JSON cannot hold: parsed as moto does
            return parse(self)
        tree, names_found, values_found = parsed(self.condition_expression, names, values)
        self.expr_attr_names_found.extend(names_found)
        self.expr_attr_values_found.extend(values_found)
        return tree

    remembered.remembered = True  # type: ignore[attr-defined]
    ConditionExpressionParser.parse = remembered  # type: ignore[method-assign]
    make = UpdateExpressionParser.make

    def make_once(expression: str) -> Any:
        tree = _UPDATE_TREES.get(expression)
        if tree is None:
            if len(_UPDATE_TREES) >= 1024:
                _UPDATE_TREES.clear()
                _UPDATE_SOURCES.clear()
            tree = _UPDATE_TREES[expression] = make(expression)
            _UPDATE_SOURCES[id(tree)] = expression
        return tree

    UpdateExpressionParser.make = staticmethod(make_once)


# Parsed update expressions by their text, and the text of each tree kept (by its id: they are kept alive here).
_UPDATE_TREES: dict[str, Any] = {}
_UPDATE_SOURCES: dict[int, str] = {}
_NAME, _VALUE = r"(?:#\w+|[A-Za-z_]\w*)", r":\w+"
_SETS = rf"SET\s+{_NAME}\s*=\s*{_VALUE}(?:\s*,\s*{_NAME}\s*=\s*{_VALUE})*"
_REMOVES = rf"REMOVE\s+{_NAME}(?:\s*,\s*{_NAME})*"
# An update that sets top-level attributes to given values and removes top-level attributes, nothing else.
PLAIN_UPDATE = re.compile(rf"\s*(?:{_SETS}(?:\s+{_REMOVES})?|{_REMOVES}(?:\s+{_SETS})?)\s*", re.IGNORECASE)


def _validate_plain_updates_once() -> None:
    """moto validates an update expression against its item anew for every item updated, in ten passes over its
    tree: half of what a claim of 50 subscriptions cost once the expressions were parsed once. An update that
    sets top-level attributes to given values, or removes top-level attributes (`PLAIN_UPDATE`), validates the
    same whatever the item (it reads no attribute of it, and a top-level attribute can always be made), so its
    validated tree is kept per table, expression, names and values, and each update works on a copy of it, as
    moto's validator works on a copy of the tree it is given. The tree is kept pickled and each copy unpickled
    from it: a deep copy of the tree took ten times as long, most of what moto then spent on an item of a claim.
    Every other update is validated as moto does, and one that does not validate raises every time, as it is
    never kept."""
    from moto.dynamodb import models

    validator: Any = models.UpdateExpressionValidator
    if getattr(validator, "plain_updates_once", False):
        return

    class PlainUpdatesValidatedOnce:
        plain_updates_once = True

        def __init__(
            self,
            expression: Any,
            expression_attribute_names: dict[str, str] | None,
            expression_attribute_values: dict[str, Any] | None,
            item: Any,
            table: Any,
        ) -> None:
            self._arguments = (expression, expression_attribute_names, expression_attribute_values, item, table)

        def validate(self) -> Any:
            expression, names, values, _, table = self._arguments
            source = _UPDATE_SOURCES.get(id(expression))
            if source is None or not PLAIN_UPDATE.fullmatch(source):
                return validator(*self._arguments).validate()
            try:
                key = (source, json.dumps(names, sort_keys=True), json.dumps(values, sort_keys=True))
            except TypeError:
                return validator(*self._arguments).validate()
            kept: dict[tuple[str, str, str], bytes] = table.__dict__.setdefault("validated_plain_updates", {})
            if key not in kept:
                if len(kept) >= 1024:
                    kept.clear()
                kept[key] = pickle.dumps(validator(*self._arguments).validate(), pickle.HIGHEST_PROTOCOL)
            return pickle.loads(kept[key])  # noqa: S301  # bytes this process pickled itself, a moment ago

    models.UpdateExpressionValidator = PlainUpdatesValidatedOnce  # type: ignore[assignment,misc]


def _find_actions_once() -> None:
    """For every request, moto lists the methods of a service's request handler (with `inspect`) to find the one
    for its action, and its own package's folders to tell a service's name from a host name: the same answers
    each time, so each is listed once."""
    from moto import backends
    from moto.core import responses

    if not hasattr(responses.method_names_from_class, "cache_info"):
        responses.method_names_from_class = functools.cache(responses.method_names_from_class)
        modules = tuple(backends.list_of_moto_modules())
        backends.list_of_moto_modules = lambda: iter(modules)


def _query_what_can_match() -> None:
    """A query looked at every item of the table, sorted, to find those of one partition: every read of a
    task's checkpoints or events walked the whole table, and so did every index query (the sweepers' dozen a
    tick), sorting it first. A query on the table's own key now looks at that partition's items only (moto
    keeps them together), and one on an index at the items whose index key has the asked value; moto then
    filters and sorts those as before."""
    from moto.dynamodb.models.table import Table

    query = Table.query

    def query_what_can_match(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        if index_name:
            index = {i.name: i for i in self.all_indexes()}.get(index_name)
            hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"] if index else []
            if len(hashes) != 1:
                return query(self, hash_key, *args, **kwargs)
            now = time.monotonic()
            candidates = [
                item
                for item in self._all_items_unsorted()
                if (value := item.attrs.get(hashes[0])) is not None
                and value == hash_key
                and getattr(item, "indexed_from", 0.0) <= now
            ]
        elif self.range_key_attr is not None:
            candidates = list(self.items[hash_key].values()) if hash_key in self.items else []
        else:
            return query(self, hash_key, *args, **kwargs)
        self.all_items = lambda: candidates  # what the query reads, for this query only
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    def all_items_unsorted(self: Any) -> list[Any]:
        if self.range_key_attr is None:
            return list(self.items.values())
        return [item for partition in self.items.values() for item in partition.values()]

    Table._all_items_unsorted = all_items_unsorted  # type: ignore[attr-defined]
    Table.query = query_what_can_match  # type: ignore[method-assign]


def _project_once() -> None:
    """A projection (a list page's attributes) turned the whole item into plain JSON once for every attribute
    asked for; it is turned once, and the attributes picked, when they are all top-level names."""
    from moto.dynamodb.models import dynamo_type

    project = dynamo_type.Item.project

    def project_once(self: Any, projection_expressions: list[list[str]]) -> Any:
        if not all(len(path) == 1 and "[" not in path[0] for path in projection_expressions):
            return project(self, projection_expressions)
        plain = self.to_regular_json()
        picked = {path[0]: plain[path[0]] for path in projection_expressions if path[0] in plain}
        return dynamo_type.Item(
            hash_key=self.hash_key, range_key=self.range_key, attrs=dynamo_type.serializer.serialize(picked)["M"]
        )

    dynamo_type.Item.project = project_once  # type: ignore[method-assign]


def _retention_without_every_attribute() -> None:
    """Receiving a message checks its retention by computing all of its queue's attributes, counts of the
    queue's messages among them: a scan of the queue for every message received."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = self.get_queue(queue_name).message_retention_period
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]


@contextmanager
def lagging_indexes(seconds: float) -> Iterator[None]:
    """DynamoDB's global secondary indexes are eventually consistent: an item written a moment ago may not be in
    an index yet. moto's are up to date at once, so code that counts on an index to find what was just written
    passes here and fails in AWS now and then. Meanwhile, a query of an index leaves out the items first written
    less than `seconds` before it (an item that replaces another is indexed at once: DynamoDB would still show the
    one before, which is all the same to what this is for). Works with `make_moto_faster`'s index queries."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    put_item = Table.put_item

    def put_item_indexed_late(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        key = [DynamoType(item_attrs[self.hash_key_attr])] if self.hash_key_attr in item_attrs else []
        if key and self.range_key_attr is not None and self.range_key_attr in item_attrs:
            key.append(DynamoType(item_attrs[self.range_key_attr]))
        new = bool(key) and self.get_item(*key) is None
        item = put_item(self, item_attrs, *args, **kwargs)
        if new:
            item.indexed_from = time.monotonic() + seconds
        return item

    Table.put_item = put_item_indexed_late  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.put_item = put_item  # type: ignore[method-assign]

"""Where moto, serving the local cloud, spends time that grows with what it holds, or that it need not spend at
all: found by profiling a soak of hundreds of research runs, in which the local cloud's one process (moto for
every AWS call, by the GIL on one core at most) is what every step waits on. Each fix keeps moto's behaviour
and changes only its cost. They rely on DynamoDB requests being served one at a time (provision.py).
"""

from __future__ import annotations

import copy
import functools
from typing import Any


def patch_moto() -> None:
    """Apply every fix below, once per process."""
    from moto.core import responses

    if hasattr(responses.method_names_from_class, "cache_info"):
        return
    _look_up_once()
    _roll_back_items_not_tables()
    _query_what_can_match()
    _serialize_attribute_values_directly()
    _project_once()
    _retention_without_every_attribute()


def _look_up_once() -> None:
    """For every request, moto lists its own package's folders (to tell a service's name from a host name) and
    inspects the response class for its methods: the same answers each time."""
    from moto import backends
    from moto.core import responses

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: iter(modules)
    responses.method_names_from_class = functools.cache(responses.method_names_from_class)


class _ItemJournal:
    """moto's DynamoDB transaction backs up, for its rollback, every table it names, whole: a deep copy of every
    item of the table, for each transaction, so its cost grows with the table. A rollback needs only the items
    the transaction names (it can change no other), so those are copied instead, and put back if the
    transaction is refused; the transaction itself is still moto's."""

    def __init__(self, tables: type[Any]) -> None:
        self._tables = tables  # moto's Table class

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        # moto's "backup" of a table is the live table itself: its items are journalled instead.
        if isinstance(value, self._tables):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _roll_back_items_not_tables() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    models.copy = _ItemJournal(Table)  # type: ignore[assignment]
    transact = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        before: dict[tuple[str, Any, Any], Any] = {}
        for entry in transact_items[:100]:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            key = op.get("Key") or op.get("Item") or {}
            if table is None or table.hash_key_attr not in key:
                continue  # moto refuses it before anything is written
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            if table.range_key_attr is not None and range_value is None:
                continue
            item = table.get_item(hash_value, range_value)
            before.setdefault((table.name, hash_value, range_value), copy.deepcopy(item))
        try:
            transact(self, transact_items)
        except Exception:
            for (name, hash_value, range_value), item in before.items():
                table = self.tables[name]
                if item is None:
                    table.delete_item(hash_value, range_value)
                elif range_value is None:
                    table.items[hash_value] = item
                else:
                    table.items[hash_value][range_value] = item
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


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
            candidates = [
                item
                for item in self._all_items_unsorted()
                if (value := item.attrs.get(hashes[0])) is not None and value == hash_key
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


def _serialize_attribute_values_directly() -> None:
    """moto writes every DynamoDB attribute value of a reply through its generic, model-driven serializer,
    member by member of the AttributeValue structure: a quarter of the local cloud's CPU under load, since a
    step reads its task's checkpoints whole. An attribute value is written directly instead, exactly as that
    serializer writes it (binary as base64, booleans as JSON booleans)."""
    import base64

    from moto.core.serialize import BaseJSONSerializer

    serialize_structure = BaseJSONSerializer._serialize_type_structure

    def plain(value: dict[str, Any]) -> dict[str, Any]:
        ((kind, inner),) = value.items()
        if kind == "M":
            return {"M": {name: plain(nested) for name, nested in inner.items()}}
        if kind == "L":
            return {"L": [plain(nested) for nested in inner]}
        if kind == "B":
            return {"B": _base64(inner)}
        if kind == "BS":
            return {"BS": [_base64(each) for each in inner]}
        if kind in ("BOOL", "NULL"):
            return {kind: inner in (True, "True", "true")}
        if kind in ("SS", "NS"):
            return {kind: [str(each) for each in inner]}
        return {kind: str(inner)}

    def _base64(value: str | bytes) -> str:
        raw = value.encode("utf-8") if isinstance(value, str) else value
        return base64.b64encode(raw).strip().decode("utf-8")

    def serialize_type_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if (
            key
            and shape.name == "AttributeValue"
            and isinstance(value, dict)
            and len(value) == 1
            and self.operation_model.service_model.service_name == "dynamodb"
        ):
            serialized[self.get_serialized_name(shape, key)] = plain(value)
            return
        serialize_structure(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = serialize_type_structure  # type: ignore[method-assign]

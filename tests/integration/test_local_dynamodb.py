"""The local cloud's DynamoDB is moto made faster (infra/local/provision.py): what it answers, and what a
transaction leaves behind, must stay exactly moto's (moto server)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.responses import DynamoResult
from researcher_pro.core.aws import client

from infra.local.template import Stack

EVERY_TYPE = {
    "s": {"S": "text"},
    "empty": {"S": ""},
    "n": {"N": "12.50"},
    "b": {"B": b"\x00\xffbytes"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}]}, "flag": {"BOOL": False}}},
    "nothing": {"NULL": True},
    "yes": {"BOOL": True},
}


@pytest.fixture()
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any, Any]]]:
    """Each item operation's answer as the local cloud writes it, and as moto's serializer would have."""
    written: list[tuple[str, Any, Any]] = []
    fast = DynamoResult.execute_result
    serialized = fast.serialized  # type: ignore[attr-defined]

    def both(self: DynamoResult, context: Any) -> Any:
        answer = fast(self, context)
        written.append((context.operation_model.name, json.loads(answer[2]), json.loads(serialized(self, context)[2])))
        return answer

    monkeypatch.setattr(DynamoResult, "execute_result", both)
    yield written


def key(pk: str, sk: str = "CONN") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def test_item_operations_are_answered_as_moto_itself_answers_them(stack: Stack, answers: list[Any]) -> None:
    db, table, pk = client("dynamodb"), stack.physical_name("ConnectionsTable"), f"C#{uuid.uuid4().hex}"
    gsi = {"gsi1pk": {"S": f"T#{pk}#SUB#x"}, "gsi1sk": {"S": pk}}
    db.put_item(TableName=table, Item={**key(pk), **EVERY_TYPE, **gsi})
    db.put_item(TableName=table, Item={**key(pk, "SUB#a"), "n": {"N": "1"}}, ReturnValues="ALL_OLD")
    db.put_item(TableName=table, Item={**key(pk, "SUB#a"), "n": {"N": "2"}}, ReturnValues="ALL_OLD")
    db.get_item(TableName=table, Key=key(pk), ConsistentRead=True)
    db.get_item(TableName=table, Key=key(pk, "SUB#missing"))
    db.get_item(
        TableName=table, Key=key(pk), ProjectionExpression="m.inner, b, #n", ExpressionAttributeNames={"#n": "n"}
    )
    for returned in ("ALL_NEW", "UPDATED_OLD", "NONE"):
        db.update_item(
            TableName=table,
            Key=key(pk),
            UpdateExpression="SET n = n + :one, ss = :ss REMOVE nothing",
            ExpressionAttributeValues={":one": {"N": "1"}, ":ss": {"SS": ["c"]}},
            ReturnValues=returned,
        )
    query = {"TableName": table, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": pk}}}
    db.query(**query, Limit=1, ReturnConsumedCapacity="TOTAL")
    db.query(**query, Select="COUNT")
    db.query(**query, ProjectionExpression="sk, bs")
    db.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues={":p": gsi["gsi1pk"]},
    )
    db.scan(TableName=table, FilterExpression="pk = :p", ExpressionAttributeValues={":p": {"S": pk}})
    db.batch_get_item(RequestItems={table: {"Keys": [key(pk), key(pk, "SUB#a"), key(pk, "SUB#missing")]}})
    db.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key(pk)}}])
    db.delete_item(TableName=table, Key=key(pk, "SUB#a"), ReturnValues="ALL_OLD")

    assert {operation for operation, _, _ in answers} == {
        "PutItem", "GetItem", "UpdateItem", "Query", "Scan", "BatchGetItem", "TransactGetItems", "DeleteItem"
    }  # fmt: skip
    for operation, written, moto in answers:
        assert written == moto, operation
    assert any("LastEvaluatedKey" in written for _, written, _ in answers)  # the answers had something to differ in


def test_a_transaction_changes_all_of_its_items_or_none_and_nothing_else(stack: Stack) -> None:
    db, table, pk = client("dynamodb"), stack.physical_name("ConnectionsTable"), f"C#{uuid.uuid4().hex}"
    for name in ("updated", "deleted", "bystander"):
        db.put_item(TableName=table, Item={**key(pk, name), "n": {"N": "1"}})

    def table_now() -> list[dict[str, Any]]:
        reply = db.query(
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": pk}},
            ConsistentRead=True,
        )
        return list(reply["Items"])

    def transaction(check: str) -> list[dict[str, Any]]:
        return [
            {
                "Update": {
                    "TableName": table,
                    "Key": key(pk, "updated"),
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Put": {"TableName": table, "Item": {**key(pk, "created"), "n": {"N": "9"}}}},
            {"Delete": {"TableName": table, "Key": key(pk, "deleted")}},
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": key(pk, "bystander"),
                    "ConditionExpression": "n = :n",
                    "ExpressionAttributeValues": {":n": {"N": check}},
                }
            },
        ]

    before = table_now()
    with pytest.raises(ClientError) as refused:
        db.transact_write_items(TransactItems=transaction(check="2"))  # the check fails, after the other three
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in refused.value.response["CancellationReasons"]] == [
        "None", "None", "None", "ConditionalCheckFailed"
    ]  # fmt: skip
    assert table_now() == before
    with pytest.raises(ClientError):  # two operations on one item: refused whole, as DynamoDB does
        db.transact_write_items(TransactItems=[*transaction(check="1")[:3], transaction(check="1")[0]])
    assert table_now() == before

    db.transact_write_items(TransactItems=transaction(check="1"))  # the same condition, another value: it holds
    assert {item["sk"]["S"]: item["n"]["N"] for item in table_now()} == {
        "bystander": "1",
        "created": "9",
        "updated": "2",
    }


def test_items_updated_with_the_same_expression_and_values_stay_apart(stack: Stack) -> None:
    db, table, pk = client("dynamodb"), stack.physical_name("ConnectionsTable"), f"C#{uuid.uuid4().hex}"
    same = {"UpdateExpression": "SET m = :m", "ExpressionAttributeValues": {":m": {"M": {"n": {"N": "1"}}}}}
    for name in ("a", "b"):
        db.update_item(TableName=table, Key=key(pk, name), **same)
    db.update_item(
        TableName=table,
        Key=key(pk, "a"),
        UpdateExpression="SET m.n = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    assert db.get_item(TableName=table, Key=key(pk, "b"))["Item"]["m"] == {"M": {"n": {"N": "1"}}}
    for _ in range(2):  # refused every time, as DynamoDB refuses it
        with pytest.raises(ClientError) as refused:
            db.update_item(TableName=table, Key=key(pk, "a"), **{**same, "UpdateExpression": "SET sk = :m"})
        assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_every_kind_of_attribute_comes_back_as_it_was_written(stack: Stack) -> None:
    # Read back by key, by a query of its partition, and by an index query with a projection: each of which
    # the local cloud answers from only the items that can match.
    db, table = client("dynamodb"), stack.physical_name("DataTable")
    partition = f"T#kinds#{uuid.uuid4().hex}"
    item = {"pk": {"S": partition}, "sk": {"S": "META"}, "gsi1pk": {"S": partition}, "gsi1sk": {"S": "1"}, **EVERY_TYPE}
    db.put_item(TableName=table, Item=item)
    assert db.get_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})["Item"] == item
    (queried,) = db.query(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": partition}}
    )["Items"]
    assert queried == item
    (indexed,) = db.query(
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues={":p": {"S": partition}},
        ProjectionExpression="#b, m, #n",
        ExpressionAttributeNames={"#b": "b", "#n": "n"},
    )["Items"]
    assert indexed == {name: EVERY_TYPE[name] for name in ("b", "m", "n")}
    updated = db.update_item(
        TableName=table,
        Key={"pk": item["pk"], "sk": item["sk"]},
        UpdateExpression="SET #n = :n",
        ExpressionAttributeNames={"#n": "n"},
        ExpressionAttributeValues={":n": {"N": "7"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert updated == {**item, "n": {"N": "7"}}

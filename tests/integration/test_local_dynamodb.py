"""The local cloud's DynamoDB (moto, with the local cloud's fixes for its speed) answers as DynamoDB does."""

from __future__ import annotations

import uuid
from typing import Any

from researcher_pro.core.aws import client

from infra.local.template import Stack

EVERY_KIND: dict[str, Any] = {
    "text": {"S": "heat pumps ❄"},
    "empty": {"S": ""},
    "number": {"N": "-12.5"},
    "binary": {"B": b"\x00\xffpdf"},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "texts": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "binaries": {"BS": [b"\x01", b"\x02"]},
    "nested": {
        "M": {"list": {"L": [{"S": "x"}, {"N": "3"}, {"M": {"deep": {"B": b"\x07"}}}, {"L": []}]}, "map": {"M": {}}}
    },
}


def test_every_kind_of_attribute_comes_back_as_it_was_written(stack: Stack) -> None:
    db, table = client("dynamodb"), stack.physical_name("DataTable")
    partition = f"T#kinds#{uuid.uuid4().hex}"
    item = {"pk": {"S": partition}, "sk": {"S": "META"}, "gsi1pk": {"S": partition}, "gsi1sk": {"S": "1"}, **EVERY_KIND}
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
        ProjectionExpression="#b, nested, #n",
        ExpressionAttributeNames={"#b": "binary", "#n": "number"},
    )["Items"]
    assert indexed == {name: EVERY_KIND[name] for name in ("binary", "nested", "number")}
    updated = db.update_item(
        TableName=table,
        Key={"pk": item["pk"], "sk": item["sk"]},
        UpdateExpression="SET #n = :n",
        ExpressionAttributeNames={"#n": "number"},
        ExpressionAttributeValues={":n": {"N": "7"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert updated == {**item, "number": {"N": "7"}}

"""A tenant's templates: one item collection per template, a head item and one immutable item per version.

    pk = T#<tenant>#TPL#<id>   sk = HEAD          the latest version's content and its number (listed via gsi1)
    pk = T#<tenant>#TPL#<id>   sk = V#0000000001  version 1, written once, never changed

A new version is one transaction: the head moves from n to n+1 only if it is still at n, and version n+1
is written only if it does not exist, so two concurrent writers can never both become version n+1.
"""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import applied, client, from_item, to_item
from researcher_pro.core.pagination import Cursors, newest_first_page

HEAD = "HEAD"
CONTENT_FIELDS = ("id", "name", "description", "variables", "prompt", "sections", "version", "created_at", "updated_at")


def _pk(tenant: str, template_id: str) -> str:
    return f"T#{tenant}#TPL#{template_id}"


def _list_pk(tenant: str) -> str:
    return f"T#{tenant}#TPL"


def _version_sk(version: int) -> str:
    return f"V#{version:010d}"


def _content(item: dict[str, Any]) -> dict[str, Any]:
    record = from_item(item)
    return {name: record[name] for name in CONTENT_FIELDS if name in record}


class TemplateRepository:
    def __init__(self, table: str, cursors: Cursors) -> None:
        self._table = table
        self._cursors = cursors
        self._db = client("dynamodb")

    def create(self, tenant: str, record: dict[str, Any]) -> None:
        pk = _pk(tenant, record["id"])
        head = {"pk": pk, "sk": HEAD, "gsi1pk": _list_pk(tenant), "gsi1sk": f"{record['created_at']}#{record['id']}"}
        applied(
            lambda: self._db.transact_write_items(
                TransactItems=[
                    {"Put": self._put({**head, **record}, "attribute_not_exists(pk)")},
                    {
                        "Put": self._put(
                            {"pk": pk, "sk": _version_sk(record["version"]), **record}, "attribute_not_exists(pk)"
                        )
                    },
                ]
            )
        )

    def add_version(self, tenant: str, record: dict[str, Any]) -> bool:
        """Write `record` as version record["version"] if the head is still at the version before it."""
        pk = _pk(tenant, record["id"])
        version = int(record["version"])
        changes = {k: v for k, v in record.items() if k not in {"id", "created_at"}}
        names = {f"#{k}": k for k in changes}
        values = {f":{k}": v for k, v in changes.items()}
        values[":previous"] = version - 1
        return applied(
            lambda: self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": to_item({"pk": pk, "sk": HEAD}),
                            "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in changes),
                            "ConditionExpression": "attribute_exists(pk) AND #version = :previous",
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": to_item(values),
                        }
                    },
                    {"Put": self._put({"pk": pk, "sk": _version_sk(version), **record}, "attribute_not_exists(pk)")},
                ]
            )
        )

    def get(self, tenant: str, template_id: str) -> dict[str, Any] | None:
        return self._get(_pk(tenant, template_id), HEAD)

    def get_version(self, tenant: str, template_id: str, version: int) -> dict[str, Any] | None:
        """A version of a template that still exists (versions left behind by a delete are not served)."""
        if self.get(tenant, template_id) is None:
            return None
        return self._get(_pk(tenant, template_id), _version_sk(version))

    def list_page(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        partition = _list_pk(tenant)
        items, next_cursor = newest_first_page(self._db, self._table, partition, limit, cursor, self._cursors)
        return [_content(i) for i in items], next_cursor

    def versions_page(
        self, tenant: str, template_id: str, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        partition = _pk(tenant, template_id)
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :v)",
            "ExpressionAttributeValues": {":p": {"S": partition}, ":v": {"S": "V#"}},
            "ScanIndexForward": False,
            "ConsistentRead": True,
            "Limit": limit,
        }
        start = self._cursors.decode(cursor, "pk", partition)
        if start:
            params["ExclusiveStartKey"] = start
        reply = self._db.query(**params)
        return [_content(i) for i in reply["Items"]], self._cursors.encode(reply.get("LastEvaluatedKey"))

    def delete(self, tenant: str, template_id: str) -> bool:
        """Delete the head, then every version. Without its head a template is gone for every reader, so a
        delete interrupted half-way leaves nothing visible; and no new version can be added after it."""
        pk = _pk(tenant, template_id)
        reply = self._db.delete_item(TableName=self._table, Key=to_item({"pk": pk, "sk": HEAD}), ReturnValues="ALL_OLD")
        if "Attributes" not in reply:
            return False
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :v)",
            "ExpressionAttributeValues": {":p": {"S": pk}, ":v": {"S": "V#"}},
            "ProjectionExpression": "pk, sk",
            "ConsistentRead": True,
        }
        while True:
            page = self._db.query(**params)
            keys = [{"pk": i["pk"], "sk": i["sk"]} for i in page["Items"]]
            for offset in range(0, len(keys), 25):
                self._delete_batch(keys[offset : offset + 25])
            if "LastEvaluatedKey" not in page:
                return True
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- helpers -------------------------------------------------------------------------------------
    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        reply = self._db.get_item(TableName=self._table, Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
        return _content(reply["Item"]) if "Item" in reply else None

    def _put(self, item: dict[str, Any], condition: str) -> dict[str, Any]:
        return {"TableName": self._table, "Item": to_item(item), "ConditionExpression": condition}

    def _delete_batch(self, keys: list[dict[str, Any]]) -> None:
        requests: list[dict[str, Any]] = [{"DeleteRequest": {"Key": key}} for key in keys]
        while requests:
            reply = self._db.batch_write_item(RequestItems={self._table: requests})
            requests = reply.get("UnprocessedItems", {}).get(self._table, [])

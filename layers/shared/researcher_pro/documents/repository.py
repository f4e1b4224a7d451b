"""The tenant's documents: metadata in DynamoDB, text inline when small and in S3 when large."""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import applied, client, from_item, to_item
from researcher_pro.core.pagination import Cursors, newest_first_page

INLINE_TEXT_LIMIT = 100_000  # bytes; keeps items far below DynamoDB's 400 KB


def _pk(tenant: str, document_id: str) -> str:
    return f"T#{tenant}#D#{document_id}"


def _version_key(tenant: str) -> dict[str, Any]:
    return {"pk": {"S": f"T#{tenant}#DOCS"}, "sk": {"S": "VERSION"}}


def _list_pk(tenant: str) -> str:
    return f"T#{tenant}#D"


class DocumentRepository:
    def __init__(self, table: str, bucket: str, cursors: Cursors) -> None:
        self._table = table
        self._cursors = cursors
        self._bucket = bucket
        self._db = client("dynamodb")
        self._s3 = client("s3")

    def create(self, tenant: str, record: dict[str, Any], text: str) -> None:
        item = {
            "pk": _pk(tenant, record["id"]),
            "sk": "META",
            "gsi1pk": _list_pk(tenant),
            "gsi1sk": f"{record['created_at']}#{record['id']}",
            **record,
        }
        if len(text.encode("utf-8")) > INLINE_TEXT_LIMIT:
            key = f"documents/{tenant}/{record['id']}.txt"
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=text.encode("utf-8"), ContentType="text/plain")
            item["text_s3_key"] = key
        else:
            item["text"] = text
        put = {"TableName": self._table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
        applied(lambda: self._db.transact_write_items(TransactItems=[{"Put": put}, self._new_version(tenant)]))

    def get(self, tenant: str, document_id: str, with_text: bool) -> dict[str, Any] | None:
        reply = self._db.get_item(TableName=self._table, Key=to_item({"pk": _pk(tenant, document_id), "sk": "META"}))
        if "Item" not in reply:
            return None
        record = from_item(reply["Item"])
        if with_text:
            record["text"] = self._text_of(record)
        return record

    def list_page(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        partition = _list_pk(tenant)
        items, next_cursor = newest_first_page(self._db, self._table, partition, limit, cursor, self._cursors)
        return [from_item(i) for i in items], next_cursor

    def all_with_text(self, tenant: str) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        cursor = None
        while True:
            page, cursor = self.list_page(tenant, 100, cursor)
            records.extend(page)
            if not cursor:
                break
        for record in records:
            record["text"] = self._text_of(record)
        return records

    def delete(self, tenant: str, document_id: str) -> bool:
        old = self.get(tenant, document_id, with_text=False)
        if old is None:
            return False
        remove = {
            "TableName": self._table,
            "Key": to_item({"pk": _pk(tenant, document_id), "sk": "META"}),
            "ConditionExpression": "attribute_exists(pk)",
        }
        if not applied(
            lambda: self._db.transact_write_items(TransactItems=[{"Delete": remove}, self._new_version(tenant)])
        ):
            return False  # deleted meanwhile by another request
        if old.get("text_s3_key"):
            self._s3.delete_object(Bucket=self._bucket, Key=old["text_s3_key"])
        return True

    def version(self, tenant: str) -> int:
        """A number that changes whenever the tenant's documents do (an added or deleted document)."""
        reply = self._db.get_item(TableName=self._table, Key=_version_key(tenant), ConsistentRead=True)
        return int(reply["Item"]["version"]["N"]) if "Item" in reply else 0

    def _new_version(self, tenant: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": _version_key(tenant),
                "UpdateExpression": "ADD version :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }

    def _text_of(self, record: dict[str, Any]) -> str:
        if "text" in record:
            return str(record["text"])
        body = self._s3.get_object(Bucket=self._bucket, Key=record["text_s3_key"])["Body"].read()
        return str(body.decode("utf-8"))

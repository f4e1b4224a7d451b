"""The tenant's documents: metadata in DynamoDB, text inline when small and in S3 when large.

A document uploaded to storage is recorded `pending` first, without text; it joins the tenant's documents
(and their version moves) only when its text is in.
"""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import applied, client, from_item, to_attr, to_item
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
        item = {**self._item(tenant, record), **self._keep_text(tenant, record["id"], text)}
        put = {"TableName": self._table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
        applied(lambda: self._db.transact_write_items(TransactItems=[{"Put": put}, self._new_version(tenant)]))

    def create_pending(self, tenant: str, record: dict[str, Any]) -> None:
        """A document whose file is yet to come: listed, but not searched."""
        self._db.put_item(
            TableName=self._table,
            Item=to_item(self._item(tenant, record)),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def complete(self, tenant: str, document_id: str, changes: dict[str, Any], text: str) -> bool:
        """A pending document made ready: its text kept, `changes` made, and the tenant's documents version
        moved, in one transaction. False when it is not pending any more (it was deleted meanwhile)."""
        fields = {**changes, **self._keep_text(tenant, document_id, text), "status": "ready"}
        present = [(name, value) for name, value in fields.items() if value is not None]
        names = {f"#f{i}": name for i, (name, _) in enumerate(present)}
        values = {f":v{i}": to_attr(value) for i, (_, value) in enumerate(present)}
        sets = [f"#f{i} = :v{i}" for i in range(len(present))]
        update = {
            "Update": {
                "TableName": self._table,
                "Key": to_item({"pk": _pk(tenant, document_id), "sk": "META"}),
                "UpdateExpression": "SET " + ", ".join(sets),
                "ConditionExpression": "attribute_exists(pk) AND #status = :pending",
                "ExpressionAttributeNames": {**names, "#status": "status"},
                "ExpressionAttributeValues": {**values, ":pending": {"S": "pending"}},
            }
        }
        done = applied(lambda: self._db.transact_write_items(TransactItems=[update, self._new_version(tenant)]))
        if not done and "text_s3_key" in fields and self.get(tenant, document_id, with_text=False) is None:
            self._s3.delete_object(Bucket=self._bucket, Key=fields["text_s3_key"])
        return done

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
        ready = [record for record in records if record.get("status", "ready") == "ready"]
        for record in ready:
            record["text"] = self._text_of(record)
        return ready

    def delete(self, tenant: str, document_id: str) -> dict[str, Any] | None:
        """The document as it was when it was deleted; None when there was none."""
        old = self.get(tenant, document_id, with_text=False)
        if old is None:
            return None
        remove = {
            "TableName": self._table,
            "Key": to_item({"pk": _pk(tenant, document_id), "sk": "META"}),
            "ConditionExpression": "attribute_exists(pk)",
        }
        if not applied(
            lambda: self._db.transact_write_items(TransactItems=[{"Delete": remove}, self._new_version(tenant)])
        ):
            return None  # deleted meanwhile by another request
        if old.get("text_s3_key"):
            self._s3.delete_object(Bucket=self._bucket, Key=old["text_s3_key"])
        return old

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

    def _item(self, tenant: str, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "pk": _pk(tenant, record["id"]),
            "sk": "META",
            "gsi1pk": _list_pk(tenant),
            "gsi1sk": f"{record['created_at']}#{record['id']}",
            **record,
        }

    def _keep_text(self, tenant: str, document_id: str, text: str) -> dict[str, str]:
        """The item's fields that hold `text`: the text itself, or where in S3 it is."""
        body = text.encode("utf-8")
        if len(body) <= INLINE_TEXT_LIMIT:
            return {"text": text}
        key = f"documents/{tenant}/{document_id}.txt"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="text/plain; charset=utf-8")
        return {"text_s3_key": key}

    def _text_of(self, record: dict[str, Any]) -> str:
        if "text" in record:
            return str(record["text"])
        if "text_s3_key" not in record:
            return ""  # pending: its text is yet to come
        body = self._s3.get_object(Bucket=self._bucket, Key=record["text_s3_key"])["Body"].read()
        return str(body.decode("utf-8"))

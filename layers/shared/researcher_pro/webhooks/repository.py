"""Webhook endpoints, their deliveries, and the outbox of tasks that ended: one item collection per endpoint
(`META` and `MSG#<delivery id>`, delivery ids sorting by creation time) and one outbox item per task end.

The sweeper's work list is a sparse index, gsi2 (`gsi2pk = WEBHOOK#<shard>`, `gsi2sk = <due epoch>`), apart
from the tasks' own partitions there:
- an outbox item is in it a grace period after its task ended: if the function that ended the task died
  before handing it on, the sweeper does;
- a pending delivery is in it at its next attempt (plus a grace period when a queue message is already on
  its way), so an attempt whose message was lost, or that waits longer than a queue delay can, is sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from researcher_pro.core.aws import (
    UpdateExpression,
    applied,
    client,
    conditional,
    failed_conditions,
    from_item,
    to_attr,
    to_item,
)
from researcher_pro.core.due_index import DueIndex
from researcher_pro.core.pagination import Cursors, newest_first_page

# The sweeper's work list: outbox items and deliveries by due time.
DUE = DueIndex("gsi2", "WEBHOOK#")
# Something whose queue message is on its way is looked at by the sweeper only after this: the message is
# expected first, and the sweeper acts only if it never came (the function that was to send it died first).
HANDOFF_GRACE_SECONDS = 60
META = "META"
DELIVERY_PREFIX = "MSG#"


def endpoint_pk(tenant: str, webhook_id: str) -> str:
    return f"T#{tenant}#WHK#{webhook_id}"


def endpoint_list_pk(tenant: str) -> str:
    return f"T#{tenant}#WHK"


def outbox_key(tenant: str, task_id: str) -> dict[str, str]:
    return {"pk": f"T#{tenant}#WHOUT#{task_id}", "sk": "OUTBOX"}


def due_keys(tenant: str, name: str, due_at: float) -> dict[str, str]:
    return {"gsi2pk": DUE.partition(tenant, name), "gsi2sk": _due(due_at)}


def _due(moment: float) -> str:
    return f"{int(moment):012d}"


class WebhookRepository:
    def __init__(self, table: str, cursors: Cursors) -> None:
        self._table = table
        self._cursors = cursors
        self._db = client("dynamodb")

    # --- endpoints -------------------------------------------------------------------------------
    def get_endpoint(self, tenant: str, webhook_id: str) -> dict[str, Any] | None:
        reply = self._db.get_item(TableName=self._table, Key=self._key(tenant, webhook_id, META), ConsistentRead=True)
        return from_item(reply["Item"]) if "Item" in reply else None

    def endpoints_page(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        partition = endpoint_list_pk(tenant)
        items, next_cursor = newest_first_page(self._db, self._table, partition, limit, cursor, self._cursors)
        return [from_item(i) for i in items], next_cursor

    def endpoints(self, tenant: str) -> Iterator[dict[str, Any]]:
        """Every endpoint of the tenant."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": endpoint_list_pk(tenant)}},
        }
        while True:
            reply = self._db.query(**params)
            yield from (from_item(i) for i in reply["Items"])
            if "LastEvaluatedKey" not in reply:
                return
            params["ExclusiveStartKey"] = reply["LastEvaluatedKey"]

    def has_endpoints(self, tenant: str) -> bool:
        reply = self._db.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": endpoint_list_pk(tenant)}},
            Limit=1,
            Select="COUNT",
        )
        return int(reply.get("Count", 0)) > 0

    def create_endpoint(self, tenant: str, endpoint: dict[str, Any], max_counted: int | None) -> bool:
        """A new endpoint; counted against the tenant's `max_counted` unless that is None (a watch's webhook,
        bounded by the watch's own cap). False (nothing written) when the tenant has that many already."""
        item = {
            "pk": endpoint_pk(tenant, endpoint["id"]),
            "sk": META,
            "gsi1pk": endpoint_list_pk(tenant),
            "gsi1sk": f"{endpoint['created_at']}#{endpoint['id']}",
            "tenant": tenant,
            "kind": "webhook",
            "version": 0,
            **endpoint,
        }
        put = {"TableName": self._table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
        writes: list[dict[str, Any]] = [{"Put": put}]
        if max_counted is not None:
            writes.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _count_key(tenant),
                        "UpdateExpression": "ADD webhooks :one",
                        "ConditionExpression": "attribute_not_exists(webhooks) OR webhooks < :max",
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":max": to_attr(max_counted)},
                    }
                }
            )
        return not failed_conditions(self._db, writes)

    def update_endpoint(
        self, tenant: str, webhook_id: str, changes: dict[str, Any], expected_version: int | None = None
    ) -> dict[str, Any] | None:
        """Apply `changes` (None removes an attribute): the endpoint as it is now, or None when it is gone (or,
        with `expected_version`, changed since it was read)."""
        update = UpdateExpression(
            ["#version = #version + :one"], names={"#version": "version"}, values={":one": {"N": "1"}}
        ).change(changes)
        condition = "attribute_exists(pk)"
        if expected_version is not None:
            condition += " AND #version = :expected"
            update.values[":expected"] = to_attr(expected_version)
        reply = conditional(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(tenant, webhook_id, META),
                UpdateExpression=update.expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=update.names,
                ExpressionAttributeValues=update.values,
                ReturnValues="ALL_NEW",
            )
        )
        return None if reply is None else from_item(reply["Attributes"])

    def note_failure(self, tenant: str, webhook_id: str, now: float) -> dict[str, Any] | None:
        """The endpoint, failing since its first failure after its last success; None when it is gone."""
        reply = conditional(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(tenant, webhook_id, META),
                UpdateExpression="SET failing_since = if_not_exists(failing_since, :now)",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":now": to_attr(now)},
                ReturnValues="ALL_NEW",
            )
        )
        return None if reply is None else from_item(reply["Attributes"])

    def note_success(self, tenant: str, webhook_id: str) -> None:
        applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(tenant, webhook_id, META),
                UpdateExpression="REMOVE failing_since",
                ConditionExpression="attribute_exists(failing_since)",
            )
        )

    def disable(self, tenant: str, webhook_id: str, reason: str, now: str) -> bool:
        """Disable an enabled endpoint; False when it was disabled already (or is gone)."""
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(tenant, webhook_id, META),
                UpdateExpression="SET enabled = :no, disabled_reason = :why, updated_at = :now ADD #version :one",
                ConditionExpression="enabled = :yes",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={
                    ":no": {"BOOL": False},
                    ":yes": {"BOOL": True},
                    ":why": {"S": reason},
                    ":now": {"S": now},
                    ":one": {"N": "1"},
                },
            )
        )

    def delete_endpoint(self, tenant: str, webhook_id: str, counted: bool) -> bool:
        """The endpoint, with the tenant's count; False when it was not there."""
        writes: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": self._key(tenant, webhook_id, META),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        ]
        if counted:
            writes.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _count_key(tenant),
                        "UpdateExpression": "ADD webhooks :minus_one",
                        "ExpressionAttributeValues": {":minus_one": {"N": "-1"}},
                    }
                }
            )
        # Its deliveries are left to expire (each has a TTL): deleting a month of them one by one could outlast
        # the request, and nothing reaches them without their endpoint (reads 404, attempts are dropped).
        return not failed_conditions(self._db, writes)

    # --- the outbox of ended tasks ----------------------------------------------------------------
    def outbox_put(self, tenant: str, task_id: str, entry: dict[str, Any], due_at: float) -> dict[str, Any]:
        """The TransactWriteItems entry that records `entry` for the end of `task_id`."""
        item = {**outbox_key(tenant, task_id), **due_keys(tenant, task_id, due_at), "kind": "webhook_outbox"}
        return {"Put": {"TableName": self._table, "Item": to_item({**item, "tenant": tenant, **entry})}}

    def outbox_get(self, tenant: str, task_id: str) -> dict[str, Any] | None:
        reply = self._db.get_item(TableName=self._table, Key=to_item(outbox_key(tenant, task_id)), ConsistentRead=True)
        return from_item(reply["Item"]) if "Item" in reply else None

    def outbox_delete(self, tenant: str, task_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key=to_item(outbox_key(tenant, task_id)))

    # --- deliveries ------------------------------------------------------------------------------
    def create_delivery(self, tenant: str, delivery: dict[str, Any], due_at: float, ttl_seconds: int) -> bool:
        """A new pending delivery, due for the sweeper at `due_at`; False when it exists already."""
        item = {
            **self._plain_key(tenant, delivery["webhook_id"], DELIVERY_PREFIX + delivery["id"]),
            **due_keys(tenant, delivery["id"], due_at),
            "tenant": tenant,
            "kind": "webhook_delivery",
            "ttl": int(time.time()) + ttl_seconds,
            **delivery,
        }
        return applied(
            lambda: self._db.put_item(
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        )

    def get_delivery(self, tenant: str, webhook_id: str, delivery_id: str) -> dict[str, Any] | None:
        reply = self._db.get_item(
            TableName=self._table, Key=self._key(tenant, webhook_id, DELIVERY_PREFIX + delivery_id), ConsistentRead=True
        )
        return from_item(reply["Item"]) if "Item" in reply else None

    def deliveries_page(
        self, tenant: str, webhook_id: str, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the endpoint's deliveries, newest first."""
        partition = endpoint_pk(tenant, webhook_id)
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :d)",
            "FilterExpression": "#ttl > :now",  # DynamoDB deletes expired items late
            "ExpressionAttributeNames": {"#ttl": "ttl"},
            "ExpressionAttributeValues": {
                ":p": {"S": partition},
                ":d": {"S": DELIVERY_PREFIX},
                ":now": {"N": str(int(time.time()))},
            },
            "ScanIndexForward": False,
            "Limit": limit,
            "ConsistentRead": True,
        }
        start = self._cursors.decode(cursor, "pk", partition)
        if start:
            params["ExclusiveStartKey"] = start
        reply = self._db.query(**params)
        return [from_item(i) for i in reply["Items"]], self._cursors.encode(reply.get("LastEvaluatedKey"))

    def claim_delivery(
        self, tenant: str, webhook_id: str, delivery_id: str, owner: str, lease_until: float, now: float
    ) -> dict[str, Any] | None:
        """Take the lease for one attempt of a pending delivery that is due; None when it is not pending, not
        due yet, leased by a live attempt, or gone. While leased it stays in the sweeper's index, due when
        the lease has run out."""
        keys = due_keys(tenant, delivery_id, lease_until)
        reply = conditional(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(tenant, webhook_id, DELIVERY_PREFIX + delivery_id),
                UpdateExpression="SET lease_owner = :owner, lease_until = :lease, gsi2pk = :shard, gsi2sk = :due",
                ConditionExpression="#status = :pending AND next_attempt_at <= :soon "
                "AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":owner": {"S": owner},
                    ":lease": to_attr(lease_until),
                    ":shard": {"S": keys["gsi2pk"]},
                    ":due": {"S": keys["gsi2sk"]},
                    ":pending": {"S": "pending"},
                    ":now": to_attr(now),
                    ":soon": to_attr(now + 0.5),  # clocks differ a little between the queue and us
                },
                ReturnValues="ALL_NEW",
            )
        )
        return None if reply is None else from_item(reply["Attributes"])

    def finish_attempt(
        self, tenant: str, delivery: dict[str, Any], owner: str, changes: dict[str, Any], due_at: float | None
    ) -> bool:
        """Record an attempt's outcome (`changes`; None removes) and give the lease back, if `owner` still
        holds it. `due_at`: when the sweeper should next look at the delivery (None: never, it is over)."""
        update = UpdateExpression(removes=["lease_owner", "lease_until"], values={":owner": {"S": owner}})
        update.change(changes)
        if due_at is None:
            update.removes += ["gsi2pk", "gsi2sk"]
        else:
            update.sets.append("gsi2sk = :due")
            update.values[":due"] = {"S": _due(due_at)}
        params: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key(tenant, delivery["webhook_id"], DELIVERY_PREFIX + delivery["id"]),
            "UpdateExpression": update.expression,
            "ConditionExpression": "lease_owner = :owner",
            "ExpressionAttributeValues": update.values,
        }
        if update.names:
            params["ExpressionAttributeNames"] = update.names
        return applied(lambda: self._db.update_item(**params))

    def retry_delivery(self, tenant: str, webhook_id: str, delivery_id: str, now: float, due_at: float) -> bool:
        """Make a delivery pending and due now, its retry schedule afresh; False while an attempt holds it."""
        keys = due_keys(tenant, delivery_id, due_at)
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(tenant, webhook_id, DELIVERY_PREFIX + delivery_id),
                UpdateExpression="SET #status = :pending, next_attempt_at = :now, failures = :zero, "
                "gsi2pk = :shard, gsi2sk = :due REMOVE detail",
                ConditionExpression="attribute_exists(pk) "
                "AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":pending": {"S": "pending"},
                    ":now": to_attr(now),
                    ":zero": {"N": "0"},
                    ":shard": {"S": keys["gsi2pk"]},
                    ":due": {"S": keys["gsi2sk"]},
                },
            )
        )

    # --- the sweeper's work list -----------------------------------------------------------------
    def due(self, now: float, limit: int = 100) -> list[dict[str, Any]]:
        """Outbox items and deliveries whose due time has passed, from every shard."""
        return DUE.due(self._db, self._table, _due(now), limit)

    def postpone(self, item: dict[str, Any], due_at: float) -> bool:
        """Move a due item's time on, if nobody moved it since it was read: whoever does acts on it, once."""
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": item["pk"], "sk": item["sk"]}),
                UpdateExpression="SET gsi2sk = :due",
                ConditionExpression="gsi2sk = :seen",
                ExpressionAttributeValues={":due": {"S": _due(due_at)}, ":seen": {"S": item["gsi2sk"]}},
            )
        )

    # --- keys ------------------------------------------------------------------------------------
    @staticmethod
    def _plain_key(tenant: str, webhook_id: str, sk: str) -> dict[str, str]:
        return {"pk": endpoint_pk(tenant, webhook_id), "sk": sk}

    def _key(self, tenant: str, webhook_id: str, sk: str) -> dict[str, Any]:
        return to_item(self._plain_key(tenant, webhook_id, sk))


def _count_key(tenant: str) -> dict[str, Any]:
    """The tenant's count of webhooks (a watch's own webhook is not counted)."""
    return to_item({"pk": f"T#{tenant}#WEBHOOKS", "sk": "COUNT"})

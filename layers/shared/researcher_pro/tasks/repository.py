"""Task records (research, analyses, reports), their step checkpoints and their event logs: one item
collection per task.

Every state change is a conditional write; every change that emits an event is one transaction with
the event, so the log has no gaps and no event exists for a change that did not happen.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from researcher_pro.core.aws import applied, client, conditional, failed_conditions, from_item, to_attr, to_item
from researcher_pro.core.clock import rfc3339
from researcher_pro.core.due_index import DueIndex
from researcher_pro.core.pagination import Cursors
from researcher_pro.tasks.kinds import KINDS

# The sweeper's work list: live tasks by due time.
DUE = DueIndex("gsi2", "ACTIVE#")
USAGE_FIELDS = ("input_tokens", "output_tokens", "cost_usd", "model_calls", "cache_hits")
_LIVE = ("queued", "running")


META = "META"  # the record's sort key in its task's partition; the events' sort before it, the steps' after


def task_pk(tenant: str, kind: str, task_id: str) -> str:
    return f"T#{tenant}#{KINDS[kind].letter}#{task_id}"


def task_list_pk(tenant: str, kind: str) -> str:
    return f"T#{tenant}#{KINDS[kind].letter}"


def usage_day_key(tenant: str, day: str) -> dict[str, Any]:
    return {"pk": {"S": f"T#{tenant}#USAGE"}, "sk": {"S": f"DAY#{day}"}}


class TaskRepository:
    """One kind of task; every key carries the tenant and the kind, so kinds never see each other."""

    def __init__(self, table: str, kind: str, cursors: Cursors) -> None:
        self.kind = kind
        self._table = table
        self._cursors = cursors
        self._db = client("dynamodb")

    # --- reads -----------------------------------------------------------------------------------
    def get(self, tenant: str, task_id: str) -> dict[str, Any] | None:
        reply = self._db.get_item(TableName=self._table, Key=self._meta_key(tenant, task_id), ConsistentRead=True)
        return from_item(reply["Item"]) if "Item" in reply else None

    def get_many(self, tenant: str, task_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Records by id (missing ones left out), in one batch read per hundred."""
        found: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(task_ids))
        for offset in range(0, len(wanted), 100):
            keys = [self._meta_key(tenant, task_id) for task_id in wanted[offset : offset + 100]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                reply = self._db.batch_get_item(RequestItems=request)
                for item in reply["Responses"].get(self._table, []):
                    record = from_item(item)
                    found[record["id"]] = record
                request = reply.get("UnprocessedKeys") or {}
        return found

    def list_page(
        self, tenant: str, limit: int, cursor: str | None, status: str | None, attributes: Sequence[str] = ()
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the kind's list, newest first; only `attributes` of each record when given."""
        partition = task_list_pk(tenant, self.kind)
        start = self._cursors.decode(cursor, "gsi1pk", partition)
        items: list[dict[str, Any]] = []
        # A status filter is applied after the read, so keep reading until the page is full.
        while True:
            params: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": "gsi1",
                "KeyConditionExpression": "gsi1pk = :p",
                "ExpressionAttributeValues": {":p": {"S": partition}},
                "ScanIndexForward": False,
                "Limit": limit - len(items),
            }
            names: dict[str, str] = {}
            if status:
                params["FilterExpression"] = "#s = :s"
                names["#s"] = "status"
                params["ExpressionAttributeValues"][":s"] = {"S": status}
            if attributes:
                params["ProjectionExpression"] = ", ".join(f"#a{i}" for i in range(len(attributes)))
                names.update({f"#a{i}": name for i, name in enumerate(attributes)})
            if names:
                params["ExpressionAttributeNames"] = names
            if start:
                params["ExclusiveStartKey"] = start
            reply = self._db.query(**params)
            items.extend(from_item(i) for i in reply["Items"])
            start = reply.get("LastEvaluatedKey")
            if not start or len(items) >= limit:
                return items, self._cursors.encode(start)

    def checkpoints(self, tenant: str, task_id: str) -> dict[str, Any]:
        reply = self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": task_pk(tenant, self.kind, task_id)}, ":s": {"S": "STEP#"}},
            ConsistentRead=True,
        )
        return {i["sk"]["S"].removeprefix("STEP#"): from_item(i)["output"] for i in reply["Items"]}

    def logged_up_to(self, tenant: str, task_id: str, seq: int) -> dict[str, Any]:
        """A TransactWriteItems entry that holds while `seq` is the task's last event: another transaction's write
        goes through only if no event was appended after it."""
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": self._meta_key(tenant, task_id),
                "ConditionExpression": "event_seq = :seq",
                "ExpressionAttributeValues": {":seq": {"N": str(seq)}},
            }
        }

    def record_and_events(
        self, tenant: str, task_id: str, after: int, limit: int
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The record (None when there is none) and its events after `after` (at most `limit`), in one read of
        the task's partition, where the events sort just before the record; a second read for the record only
        when more events than that are left."""
        reply = self._log_range(tenant, task_id, after, META, limit + 1)
        record: dict[str, Any] | None = None
        events: list[dict[str, Any]] = []
        for item in reply["Items"]:
            if item["sk"]["S"] == META:
                record = from_item(item)
            elif len(events) < limit:
                events.append(from_item(item)["event"])
        if record is None and "LastEvaluatedKey" in reply:
            record = self.get(tenant, task_id)
        return record, events

    def events(self, tenant: str, task_id: str, after: int, limit: int) -> list[dict[str, Any]]:
        reply = self._log_range(tenant, task_id, after, _event_sk(10**10 - 1), limit)
        return [from_item(i)["event"] for i in reply["Items"]]

    def _log_range(self, tenant: str, task_id: str, after: int, last_sk: str, limit: int) -> dict[str, Any]:
        """One consistent read of the task's partition from the event after `after` up to the sort key `last_sk`,
        without the events past their TTL (DynamoDB deletes them late); the record has no TTL."""
        return self._db.query(
            TableName=self._table,
            KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :last",
            FilterExpression="attribute_not_exists(#ttl) OR #ttl > :now",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={
                ":p": {"S": task_pk(tenant, self.kind, task_id)},
                ":a": {"S": _event_sk(after + 1)},
                ":last": {"S": last_sk},
                ":now": {"N": str(int(time.time()))},
            },
            Limit=limit,
            ConsistentRead=True,
        )

    def due_for_sweep(self, now: float, limit: int = 100) -> list[dict[str, Any]]:
        """Live tasks of every kind whose due time has passed, from every shard, at most `limit` from each."""
        return DUE.due(self._db, self._table, _due(now), limit)

    # --- writes ----------------------------------------------------------------------------------
    def create(self, tenant: str, record: dict[str, Any], due_at: float) -> bool:
        """A new task, due at `due_at` for the sweeper; False when a task with its id already exists (a retried
        start of an id chosen up front)."""
        item = {
            **self._meta_key_plain(tenant, record["id"]),
            "gsi1pk": task_list_pk(tenant, self.kind),
            "gsi1sk": f"{record['created_at']}#{record['id']}",
            "gsi2pk": DUE.partition(tenant, record["id"]),
            "gsi2sk": _due(due_at),
            "tenant": tenant,
            "kind": self.kind,
            "version": 0,
            "event_seq": 0,
            "sweeps": 0,
            **{f"usage_{name}": 0 for name in USAGE_FIELDS},
            **record,
        }
        return applied(
            lambda: self._db.put_item(
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        )

    def claim_step(
        self, tenant: str, task_id: str, step: str, owner: str, lease_until: float, now: float
    ) -> dict[str, Any] | None:
        """Take the lease on `step`; None when the step is done, leased by a live worker, or gone."""
        reply = conditional(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._meta_key(tenant, task_id),
                UpdateExpression=(
                    "SET #status = :running, lease_owner = :owner, lease_until = :lease, "
                    "gsi2sk = :due, #version = #version + :one, updated_at = :ts ADD step_attempts :one"
                ),
                ConditionExpression=(
                    "attribute_exists(pk) AND #step = :step AND #status IN (:queued, :running) "
                    "AND (attribute_not_exists(lease_until) OR lease_until < :now)"
                ),
                ExpressionAttributeNames={"#status": "status", "#step": "step", "#version": "version"},
                ExpressionAttributeValues={
                    ":running": {"S": "running"},
                    ":queued": {"S": "queued"},
                    ":owner": {"S": owner},
                    ":lease": to_attr(lease_until),
                    ":due": {"S": _due(lease_until)},
                    ":one": {"N": "1"},
                    ":ts": {"S": _iso(now)},
                    ":step": {"S": step},
                    ":now": to_attr(now),
                },
                ReturnValues="ALL_NEW",
            )
        )
        return None if reply is None else from_item(reply["Attributes"])

    def release_step(self, tenant: str, task_id: str, owner: str, counted: bool = True) -> None:
        """Give the lease back so a retry can claim the step at once. Not `counted`: the claim that was
        counted as an attempt is taken back (the step ran out of time; it did not fail)."""
        update = "REMOVE lease_owner, lease_until" + ("" if counted else " ADD step_attempts :minus_one")
        values: dict[str, Any] = {":owner": {"S": owner}}
        if not counted:
            values[":minus_one"] = {"N": "-1"}
        applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._meta_key(tenant, task_id),
                UpdateExpression=update,
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeValues=values,
            )
        )

    def transition(
        self,
        tenant: str,
        task_id: str,
        *,
        expected_seq: int,
        changes: dict[str, Any],
        event: dict[str, Any] | None,
        event_ttl: int,
        owner: str | None = None,
        expected_statuses: tuple[str, ...] = _LIVE,
        checkpoint: tuple[str, Any] | None = None,
        terminal: bool = False,
        due_at: float | None = None,
        also: Sequence[dict[str, Any]] = (),
    ) -> bool:
        """Move the task on: `changes` (and an event, and a checkpoint, and `also`, further TransactWriteItems
        entries) in one transaction; False if we lost a race."""
        names = {"#status": "status", "#seq": "event_seq"}
        values: dict[str, Any] = {":expected_seq": {"N": str(expected_seq)}}
        sets = []
        for index, (field, value) in enumerate(changes.items()):
            names[f"#f{index}"] = field
            values[f":v{index}"] = to_attr(value)
            sets.append(f"#f{index} = :v{index}")
        removes = ["lease_owner", "lease_until"]
        if terminal:
            removes += ["gsi2pk", "gsi2sk"]
        elif due_at is not None:
            sets.append("gsi2sk = :due")
            values[":due"] = {"S": _due(due_at)}
        new_seq = expected_seq + (1 if event else 0)
        sets.append("#seq = :new_seq")
        values[":new_seq"] = {"N": str(new_seq)}
        statuses = []
        for index, status in enumerate(expected_statuses):
            values[f":st{index}"] = {"S": status}
            statuses.append(f":st{index}")
        condition = f"attribute_exists(pk) AND #seq = :expected_seq AND #status IN ({', '.join(statuses)})"
        if owner is not None:
            condition += " AND lease_owner = :owner"
            values[":owner"] = {"S": owner}
        update = {
            "Update": {
                "TableName": self._table,
                "Key": self._meta_key(tenant, task_id),
                "UpdateExpression": f"SET {', '.join(sets)} REMOVE {', '.join(removes)}",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
        writes: list[dict[str, Any]] = [update]
        pk = task_pk(tenant, self.kind, task_id)
        if event:
            event = {**event, "seq": new_seq}
            writes.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(
                            {"pk": pk, "sk": _event_sk(new_seq), "event": event, "ttl": int(time.time()) + event_ttl}
                        ),
                    }
                }
            )
        if checkpoint:
            step, output = checkpoint
            writes.append(
                {"Put": {"TableName": self._table, "Item": to_item({"pk": pk, "sk": f"STEP#{step}", "output": output})}}
            )
        writes.extend(also)
        return applied(lambda: self._db.transact_write_items(TransactItems=writes))

    def save_partial(self, tenant: str, task_id: str, name: str, output: Any, owner: str) -> bool:
        """Checkpoint part of a running step (read back by `checkpoints` under `name`), only while
        `owner` still holds the step's lease; False when it does not."""
        pk = task_pk(tenant, self.kind, task_id)
        return applied(
            lambda: self._db.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self._table,
                            "Key": self._meta_key(tenant, task_id),
                            "ConditionExpression": "lease_owner = :owner",
                            "ExpressionAttributeValues": {":owner": {"S": owner}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item({"pk": pk, "sk": f"STEP#{name}", "output": output}),
                        }
                    },
                ]
            )
        )

    def request_cancel(self, tenant: str, task_id: str) -> bool:
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._meta_key(tenant, task_id),
                UpdateExpression="SET cancel_requested = :yes",
                ConditionExpression="attribute_exists(pk) AND #status = :running",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":yes": {"BOOL": True}, ":running": {"S": "running"}},
            )
        )

    def record_usage(
        self, tenant: str, task_id: str, day: str, usage: dict[str, float], also: Sequence[dict[str, Any]] = ()
    ) -> bool:
        """Add one call's usage to the task and to the tenant's day, with `also` (the call's cache entry), in
        one transaction. A task deleted meanwhile is left out: the tenant still owes what was answered. False
        when a condition in `also` did not hold (nothing written); WriteContention when DynamoDB kept refusing."""
        adds = ", ".join(f"usage_{name} :{name}" for name in usage)
        values = {f":{name}": to_attr(value) for name, value in usage.items()}
        task = {
            "Update": {
                "TableName": self._table,
                "Key": self._meta_key(tenant, task_id),
                "UpdateExpression": f"ADD {adds}",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": values,
            }
        }
        tenant_day = {
            "Update": {
                "TableName": self._table,
                "Key": usage_day_key(tenant, day),
                "UpdateExpression": f"ADD {adds}",
                "ExpressionAttributeValues": values,
            }
        }
        failed = failed_conditions(self._db, [task, tenant_day, *also])
        if failed == {0}:
            failed = {i + 1 for i in failed_conditions(self._db, [tenant_day, *also])}
        return not failed

    def note_sweep(self, tenant: str, task_id: str, due_at: float) -> int | None:
        """Count one sweep of the task's current step and move its due time; None when the task has ended."""
        reply = conditional(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._meta_key(tenant, task_id),
                UpdateExpression="SET gsi2sk = :due ADD sweeps :one",
                ConditionExpression="attribute_exists(gsi2pk)",
                ExpressionAttributeValues={":due": {"S": _due(due_at)}, ":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            )
        )
        return None if reply is None else int(reply["Attributes"]["sweeps"]["N"])

    def note_resend(self, tenant: str, task_id: str, due_at: float) -> bool:
        """Note that the task's current step is being sent again while a backlog lasts, and move its due time;
        False when it already was, for this step (or the task has ended)."""
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._meta_key(tenant, task_id),
                UpdateExpression="SET gsi2sk = :due, step_resent = :yes",
                ConditionExpression=(
                    "attribute_exists(gsi2pk) AND (attribute_not_exists(step_resent) OR step_resent = :no)"
                ),
                ExpressionAttributeValues={":due": {"S": _due(due_at)}, ":yes": {"BOOL": True}, ":no": {"BOOL": False}},
            )
        )

    def set_due(self, tenant: str, task_id: str, due_at: float) -> None:
        """Set a live task's due time, counting no sweep (the sweeper postpones a task waiting its turn, or a
        start whose message could not be sent makes its task due at once)."""
        applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._meta_key(tenant, task_id),
                UpdateExpression="SET gsi2sk = :due",
                ConditionExpression="attribute_exists(gsi2pk)",
                ExpressionAttributeValues={":due": {"S": _due(due_at)}},
            )
        )

    def delete(self, tenant: str, task_id: str) -> bool:
        pk = task_pk(tenant, self.kind, task_id)
        deleted_meta = False
        start: dict[str, Any] | None = None
        while True:
            params: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": pk}},
                "ProjectionExpression": "pk, sk",
            }
            if start:
                params["ExclusiveStartKey"] = start
            reply = self._db.query(**params)
            keys = reply["Items"]
            # The record goes first, so a worker that is mid-step finds it gone and stops.
            keys.sort(key=lambda k: k["sk"]["S"] != META)
            for key in keys:
                self._db.delete_item(TableName=self._table, Key=key)
                deleted_meta = deleted_meta or key["sk"]["S"] == META
            start = reply.get("LastEvaluatedKey")
            if not start:
                return deleted_meta

    # --- keys ------------------------------------------------------------------------------------
    def _meta_key_plain(self, tenant: str, task_id: str) -> dict[str, str]:
        return {"pk": task_pk(tenant, self.kind, task_id), "sk": META}

    def _meta_key(self, tenant: str, task_id: str) -> dict[str, Any]:
        return to_item(self._meta_key_plain(tenant, task_id))


def _event_sk(seq: int) -> str:
    return f"EVENT#{seq:010d}"


def _due(moment: float) -> str:
    return f"{int(moment):012d}"


def _iso(moment: float) -> str:
    return rfc3339(datetime.fromtimestamp(moment, UTC))

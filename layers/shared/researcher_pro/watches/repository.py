"""Watches and their runs: one item collection per watch (`META` and `RUN#<started_at>#<research id>`).

The scheduler's work list is a sparse index, gsi3 (`gsi3pk = DUE#<shard>`, `gsi3sk = <due epoch>#...`):
- an enabled watch is in it at its next run time (disabled or deleted: not in it);
- a run whose research is not yet confirmed started is in it too, a short grace period after it was
  written, so a crash between recording a run and starting its research is finished by the scheduler.
Moving a watch forward is one transaction: the conditional advance of its next run time (on the very
due time that was read) and the new run record (with its research id chosen up front).
"""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import UpdateExpression, applied, client, failed_conditions, from_item, to_attr, to_item
from researcher_pro.core.due_index import DueIndex
from researcher_pro.core.errors import InvalidCursor
from researcher_pro.core.pagination import Cursors, newest_first_page

# The scheduler's work list: watches by their next run time, and runs whose start was never confirmed.
DUE = DueIndex("gsi3", "DUE#")
META = "META"
RUN_PREFIX = "RUN#"


def watch_pk(tenant: str, watch_id: str) -> str:
    return f"T#{tenant}#W#{watch_id}"


def watch_list_pk(tenant: str) -> str:
    return f"T#{tenant}#W"


def due_sort_key(due_at: int, tenant: str, watch_id: str, what: str) -> str:
    return f"{due_at:012d}#{tenant}#{watch_id}#{what}"


def run_sort_key(started_at: str, research_id: str) -> str:
    return f"{RUN_PREFIX}{started_at}#{research_id}"


class WatchRepository:
    def __init__(self, table: str, cursors: Cursors) -> None:
        self._table = table
        self._cursors = cursors
        self._db = client("dynamodb")

    # --- reads -----------------------------------------------------------------------------------
    def get(self, tenant: str, watch_id: str) -> dict[str, Any] | None:
        reply = self._db.get_item(TableName=self._table, Key=self._key(tenant, watch_id, META), ConsistentRead=True)
        return from_item(reply["Item"]) if "Item" in reply else None

    def list_page(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        partition = watch_list_pk(tenant)
        items, next_cursor = newest_first_page(self._db, self._table, partition, limit, cursor, self._cursors)
        return [from_item(i) for i in items], next_cursor

    def runs(
        self, tenant: str, watch_id: str, limit: int, cursor: str | None, lookahead: int = 0
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
        """A page of runs, newest first, and up to `lookahead` older runs after it (to diff against)."""
        partition = watch_pk(tenant, watch_id)
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :runs)",
            "ExpressionAttributeValues": {":p": {"S": partition}, ":runs": {"S": RUN_PREFIX}},
            "ScanIndexForward": False,
            "Limit": limit + lookahead,
            "ConsistentRead": True,
        }
        start = self._cursors.decode(cursor, "pk", partition)
        if start:
            if not start["sk"]["S"].startswith(RUN_PREFIX):
                raise InvalidCursor()
            params["ExclusiveStartKey"] = start
        reply = self._db.query(**params)
        items = [_run(from_item(i)) for i in reply["Items"]]
        page, older = items[:limit], items[limit:]
        more = bool(older) or "LastEvaluatedKey" in reply
        next_cursor = None
        if more and page:
            next_cursor = self._cursors.encode({"pk": {"S": partition}, "sk": {"S": page[-1]["sk"]}})
        return page, older, next_cursor

    def due(self, now: int, limit: int) -> list[dict[str, Any]]:
        """What the scheduler must act on at `now`, from every shard: watches whose next run time has come
        (`due_for: "watch"`), and runs whose start was never confirmed (`due_for: "run"`)."""
        return [
            {**record, "due_for": "watch"} if record["sk"] == META else _run(record)
            for record in DUE.due(self._db, self._table, f"{now + 1:012d}#", limit)
        ]

    # --- writes ----------------------------------------------------------------------------------
    def create(
        self, tenant: str, watch: dict[str, Any], run: dict[str, Any] | None, resume_at: int, max_watches: int
    ) -> bool:
        """A new watch, in the due index at its `next_run_at` if it has one, with its baseline `run` (in the
        due index at `resume_at`, until its start is confirmed), counted against the tenant's `max_watches`:
        False (nothing written) when the tenant has that many already."""
        item = {
            "pk": watch_pk(tenant, watch["id"]),
            "sk": META,
            "gsi1pk": watch_list_pk(tenant),
            "gsi1sk": f"{watch['created_at']}#{watch['id']}",
            "tenant": tenant,
            "kind": "watch",
            **watch,
        }
        if watch.get("next_run_at") is not None:
            item.update(_due_keys(tenant, watch["id"], int(watch["next_run_at"]), META))
        count = {
            "Update": {
                "TableName": self._table,
                "Key": _count_key(tenant),
                "UpdateExpression": "ADD watches :one",
                "ConditionExpression": "attribute_not_exists(watches) OR watches < :max",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":max": to_attr(max_watches)},
            }
        }
        writes = [count, {"Put": {"TableName": self._table, "Item": to_item(item), "ConditionExpression": _ABSENT}}]
        if run:
            writes.append(self._put_run(tenant, run, resume_at))
        return not failed_conditions(self._db, writes)

    def update(
        self, tenant: str, watch_id: str, expected_version: int, changes: dict[str, Any], next_run: int | None
    ) -> bool:
        """Apply `changes` (None removes an attribute) if nobody changed the watch since it was read.
        `next_run` is when the watch is due next, or None to take it out of the due index (disabled)."""
        update = UpdateExpression(
            ["#version = :next_version"],
            names={"#version": "version"},
            values={":version": to_attr(expected_version), ":next_version": to_attr(expected_version + 1)},
        ).change(changes)
        if next_run is None:
            update.removes += ["gsi3pk", "gsi3sk"]
        else:
            keys = _due_keys(tenant, watch_id, next_run, META)
            update.sets += ["gsi3pk = :shard", "gsi3sk = :due"]
            update.values[":shard"] = {"S": keys["gsi3pk"]}
            update.values[":due"] = {"S": keys["gsi3sk"]}
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(tenant, watch_id, META),
                UpdateExpression=update.expression,
                ConditionExpression="attribute_exists(pk) AND #version = :version",
                ExpressionAttributeNames=update.names,
                ExpressionAttributeValues=update.values,
            )
        )

    def reschedule(
        self,
        tenant: str,
        watch_id: str,
        *,
        expected_next_run: int,
        next_run: int | None,
        run: dict[str, Any],
        resume_at: int,
    ) -> bool:
        """Move a due watch to its next run time and record the run, if its next run time is still the one
        read (so two schedulers, or one overlapping itself, run a due time once); False if it was not."""
        values: dict[str, Any] = {
            ":expected": to_attr(expected_next_run),
            ":yes": {"BOOL": True},
            ":one": {"N": "1"},
            ":started": {"S": run["started_at"]},
            ":research": {"S": run["research_id"]},
        }
        if next_run is None:  # the schedule has no further fire time: leave the due index
            update = "SET last_run_at = :started, last_research_id = :research, #version = #version + :one "
            update += "ADD runs :one REMOVE next_run_at, gsi3pk, gsi3sk"
        else:
            values[":next"] = to_attr(next_run)
            values[":due"] = {"S": due_sort_key(next_run, tenant, watch_id, META)}
            update = (
                "SET next_run_at = :next, gsi3sk = :due, last_run_at = :started, last_research_id = :research, "
                "#version = #version + :one ADD runs :one"
            )
        return self._record_run(
            tenant,
            watch_id,
            run,
            resume_at,
            {
                "UpdateExpression": update,
                "ConditionExpression": "next_run_at = :expected AND enabled = :yes",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": values,
            },
        )

    def add_run(self, tenant: str, watch_id: str, run: dict[str, Any], resume_at: int) -> bool:
        """Record a run started by hand; False when the watch is gone."""
        return self._record_run(
            tenant,
            watch_id,
            run,
            resume_at,
            {
                "UpdateExpression": "SET last_run_at = :started, last_research_id = :research ADD runs :one",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {
                    ":started": {"S": run["started_at"]},
                    ":research": {"S": run["research_id"]},
                    ":one": {"N": "1"},
                },
            },
        )

    def _record_run(
        self, tenant: str, watch_id: str, run: dict[str, Any], resume_at: int, watch_update: dict[str, Any]
    ) -> bool:
        """The watch's update and the new run item in one transaction; False if a condition failed."""
        return applied(
            lambda: self._db.transact_write_items(
                TransactItems=[
                    {"Update": {"TableName": self._table, "Key": self._key(tenant, watch_id, META), **watch_update}},
                    self._put_run(tenant, run, resume_at),
                ]
            )
        )

    def _put_run(self, tenant: str, run: dict[str, Any], resume_at: int) -> dict[str, Any]:
        """A new run; it sits in the due index at `resume_at` until its research is confirmed started."""
        item = {
            "pk": watch_pk(tenant, run["watch_id"]),
            "sk": run_sort_key(run["started_at"], run["research_id"]),
            "tenant": tenant,
            **run,
            **_due_keys(tenant, run["watch_id"], resume_at, run["research_id"]),
        }
        return {"Put": {"TableName": self._table, "Item": to_item(item), "ConditionExpression": _ABSENT}}

    def run_started(self, tenant: str, watch_id: str, run: dict[str, Any], error: dict[str, str] | None = None) -> None:
        """The run's research exists (or could not be created: `error`): it leaves the due index."""
        update = "REMOVE gsi3pk, gsi3sk"
        values: dict[str, Any] = {}
        if error:
            update = "SET start_error = :error " + update
            values[":error"] = to_attr(error)
        params: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key(tenant, watch_id, run_sort_key(run["started_at"], run["research_id"])),
            "UpdateExpression": update,
            "ConditionExpression": "attribute_exists(pk)",
        }
        if values:
            params["ExpressionAttributeValues"] = values
        applied(lambda: self._db.update_item(**params))

    def delete(self, tenant: str, watch_id: str) -> bool:
        """The watch first (the scheduler's conditional advance then fails), with the tenant's count; then its
        runs."""
        deleted = not failed_conditions(
            self._db,
            [
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": self._key(tenant, watch_id, META),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _count_key(tenant),
                        "UpdateExpression": "ADD watches :minus_one",
                        "ExpressionAttributeValues": {":minus_one": {"N": "-1"}},
                    }
                },
            ],
        )
        if not deleted:
            return False
        start: dict[str, Any] | None = None
        while True:
            params: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": watch_pk(tenant, watch_id)}},
                "ProjectionExpression": "pk, sk",
            }
            if start:
                params["ExclusiveStartKey"] = start
            reply = self._db.query(**params)
            for key in reply["Items"]:
                self._db.delete_item(TableName=self._table, Key=key)
            start = reply.get("LastEvaluatedKey")
            if not start:
                return True

    @staticmethod
    def _key(tenant: str, watch_id: str, sk: str) -> dict[str, Any]:
        return to_item({"pk": watch_pk(tenant, watch_id), "sk": sk})


_ABSENT = "attribute_not_exists(pk)"


def _count_key(tenant: str) -> dict[str, Any]:
    """The tenant's count of watches."""
    return to_item({"pk": f"T#{tenant}#WATCHES", "sk": "COUNT"})


def _due_keys(tenant: str, watch_id: str, due_at: int, what: str) -> dict[str, str]:
    return {"gsi3pk": DUE.partition(tenant, watch_id), "gsi3sk": due_sort_key(due_at, tenant, watch_id, what)}


def _run(item: dict[str, Any]) -> dict[str, Any]:
    """A run as the service reads it: `pending_start` while it waits in the due index for its research."""
    return {**item, "due_for": "run", "pending_start": "gsi3pk" in item}

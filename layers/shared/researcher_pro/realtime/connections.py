"""WebSocket connections and their subscriptions, in the connections table.

A connection is one item (`pk = C#<connection id>`, `sk = CONN`), keyed by connection id because
`$default` and `$disconnect` events carry nothing else; the id is issued by API Gateway to one
authenticated tenant, and the tenant is stored with it. The item also lists every topic the connection
has subscribed to (`topics`, a string set), and keeps a topic there when the connection leaves it. `gsi1`
lists a tenant's connections (`T#<tenant>#CONN`); `gsi2` is a sparse index of their expiry times, for the
sweeper. Items expire with the connection (`ttl`, API Gateway's 2-hour limit) and are filtered on read,
since DynamoDB deletes late.

A subscription is an item in its topic's partition (`pk = S#<tenant>#<topic>`, `sk = <connection id>`), so
that a push finds a topic's subscribers in one consistent read. An index would answer only eventually, and a
subscription written just before an event could miss it: if that was the task's last event, for good. A task
subscription carries `delivered`, the seq of the last event sent to it; `claim_many` moves it forward under a
short lease, many subscriptions at once (see realtime/fanout.py for why).

A task's partition also holds its cohort (`sk = #COHORT`, before any connection id): the subscriptions that are
in step, as one item. It lists them (`members`, a string set) with the `delivered` and the lease they share, so
that an event is claimed for all of them with one single-item write, and let go with another, however many
follow the task. A subscription joins it when it is first written, at the end of its replay, if the cohort is
there too; a member's own item has no `delivered` then. A member leaves it when a send to it fails (with its own
`delivered` again), and when it is dropped or written anew.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from researcher_pro.core.aws import (
    WriteContention,
    applied,
    client,
    conditional,
    failed_conditions,
    from_item,
    to_attr,
    to_item,
)
from researcher_pro.realtime.messages import ALL

EXPIRY_PARTITION = "EXPIRES"
TRANSACTION_ITEMS = 100  # DynamoDB's limits
BATCH_READ_ITEMS = 100
CONNECTION_SK = "CONN"
# Topics one connection may follow: the connection item lists them, and an item holds at most 400 KB.
MAX_TOPICS = 1000
COHORT_SK = "#COHORT"  # '#' sorts before every character of a connection id
# Members of one cohort. A write to an item is billed by its size, and every claim, release and join writes
# the list of them: past this, subscriptions are kept on their own.
MAX_COHORT_MEMBERS = 1000
# API Gateway closes a WebSocket connection after 2 hours at most: a cohort outlives every member it has.
CONNECTION_LIFETIME_SECONDS = 2 * 3600


@dataclass(frozen=True)
class Cohort:
    """A task's subscriptions that are in step: sent up to `delivered`, under one lease."""

    delivered: int
    members: frozenset[str]
    busy_owner: str | None = None
    busy_until: float = 0.0

    def leased_to_another(self, owner: str, now: float) -> bool:
        return self.busy_owner not in (None, owner) and self.busy_until >= now


class Joined(Enum):
    """How a first subscription to a task that tried to join the task's cohort was written."""

    MEMBER = "member"  # written, and in the cohort
    ALONE = "alone"  # nothing written: the cohort is not where the subscription starts (write it on its own)
    REFUSED = "refused"  # nothing written: the connection is gone, or it has subscribed to the topic before
    LOGGED_MORE = "logged more"  # nothing written: the check of another item did not hold


def _pk(connection_id: str) -> str:
    return f"C#{connection_id}"


def _connection_key(connection_id: str) -> dict[str, Any]:
    return to_item({"pk": _pk(connection_id), "sk": CONNECTION_SK})


def _topic_pk(tenant: str, topic: str) -> str:
    return f"S#{tenant}#{topic}"


def _subscription_key(tenant: str, topic: str, connection_id: str) -> dict[str, Any]:
    return to_item({"pk": _topic_pk(tenant, topic), "sk": connection_id})


def _cohort_key(tenant: str, topic: str) -> dict[str, Any]:
    return to_item({"pk": _topic_pk(tenant, topic), "sk": COHORT_SK})


def _cohort(item: dict[str, Any]) -> Cohort:
    return Cohort(
        delivered=int(item.get("delivered") or 0),
        members=frozenset(item.get("members", ())),
        busy_owner=item.get("busy_owner"),
        busy_until=float(item.get("busy_until") or 0),
    )


def _expiry_sk(expires_at: int, connection_id: str) -> str:
    return f"{expires_at:012d}#{connection_id}"


class ConnectionRepository:
    def __init__(self, table: str, db: Any = None) -> None:
        self._table = table
        self._db = db or client("dynamodb")

    # --- connections -----------------------------------------------------------------------------
    def connect(self, connection_id: str, tenant: str, connected_at: str, expires_at: int) -> None:
        self._db.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": _pk(connection_id),
                    "sk": CONNECTION_SK,
                    "connection_id": connection_id,
                    "tenant": tenant,
                    "connected_at": connected_at,
                    "ttl": expires_at,
                    "gsi1pk": f"T#{tenant}#CONN",
                    "gsi1sk": f"{connected_at}#{connection_id}",
                    "gsi2pk": EXPIRY_PARTITION,
                    "gsi2sk": _expiry_sk(expires_at, connection_id),
                }
            ),
        )

    def get_with_topics(self, connection_id: str) -> tuple[dict[str, Any] | None, frozenset[str]]:
        """The connection (None when there is none, or its time is up) and the topics it has subscribed to (and
        perhaps left since), in one consistent read."""
        reply = self._db.get_item(
            TableName=self._table,
            Key=_connection_key(connection_id),
            ProjectionExpression="tenant, #ttl, topics",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ConsistentRead=True,
        )
        if "Item" not in reply:
            return None, frozenset()
        item = from_item(reply["Item"])
        topics = frozenset(item.pop("topics", ()))
        return (item if item["ttl"] > time.time() else None), topics

    def disconnect(self, connection_id: str) -> bool:
        """Delete the connection and its subscriptions; False when there was no connection."""
        # The connection goes first, and says what it followed as it goes: a subscribe racing with this fails its
        # condition, so no subscription is written that this does not delete.
        reply = self._db.delete_item(TableName=self._table, Key=_connection_key(connection_id), ReturnValues="ALL_OLD")
        if "Attributes" not in reply:
            return False
        connection = from_item(reply["Attributes"])
        for topic in connection.get("topics", ()):
            self.drop(str(connection["tenant"]), topic, connection_id)
        return True

    def expired(self, now: float, limit: int = 100) -> list[str]:
        """Connection ids whose time is up, oldest first."""
        reply = self._db.query(
            TableName=self._table,
            IndexName="gsi2",
            KeyConditionExpression="gsi2pk = :p AND gsi2sk < :now",
            ExpressionAttributeValues={":p": {"S": EXPIRY_PARTITION}, ":now": {"S": f"{int(now):012d}"}},
            Limit=limit,
        )
        # The index projects keys only: the connection id is the table key's suffix.
        return [i["pk"]["S"].removeprefix("C#") for i in reply["Items"]]

    # --- subscriptions ---------------------------------------------------------------------------
    def subscribe(
        self,
        connection_id: str,
        tenant: str,
        topic: str,
        delivered: int | None,
        expires_at: int,
        *,
        lease: tuple[str, float] | None = None,
        if_holds: dict[str, Any] | None = None,
        only_new: bool = False,
    ) -> bool | None:
        """Add (or reset) a subscription: True, or False when the connection is gone. `delivered` is None for
        topics that are not one task's log (`all`). With `lease` (owner, until) it is written leased to that
        owner, as a claim up to `delivered` leaves it; with `if_holds`, a ConditionCheck of another item, only
        while that holds: None when it did not (nothing is written then). `only_new`: only if the connection has
        never subscribed to the topic (nor left it); False when it has (nothing is written then). A task
        subscription written anew leaves the task's cohort in the same write, or it would be sent twice."""
        item: dict[str, Any] = {
            "pk": _topic_pk(tenant, topic),
            "sk": connection_id,
            "connection_id": connection_id,
            "topic": topic,
            "delivered": delivered,
            "ttl": expires_at,
        }
        if lease is not None:
            item["busy_owner"], item["busy_until"] = lease
        leave = [] if only_new or delivered is None else [self._leave_cohort(tenant, topic, connection_id)]
        failed = failed_conditions(
            self._db,
            [
                self._add_topic(connection_id, tenant, topic, only_new),
                {"Put": {"TableName": self._table, "Item": to_item(item)}},
                *leave,
                *([if_holds] if if_holds else []),
            ],
        )
        if 0 in failed:
            return False
        return None if failed else True

    def join(
        self, connection_id: str, tenant: str, topic: str, delivered: int, expires_at: int, if_holds: dict[str, Any]
    ) -> Joined:
        """Write a connection's first subscription to a task as a member of the task's cohort, sent up to
        `delivered` with it: only while the cohort is at `delivered` too (or has no members, and nobody holds
        it), it has room, the connection has never subscribed to the topic, and `if_holds` (a ConditionCheck of
        another item) holds. The cohort is made when there is none."""
        now = int(time.time())
        cohort = {
            "Update": {
                "TableName": self._table,
                "Key": _cohort_key(tenant, topic),
                "UpdateExpression": "ADD members :member SET delivered = :delivered, #ttl = :ttl",
                "ConditionExpression": "attribute_not_exists(pk) OR ((delivered = :delivered OR "
                "(attribute_not_exists(members) AND (attribute_not_exists(busy_until) OR busy_until < :now))) "
                "AND (attribute_not_exists(members) OR size(members) < :most))",
                "ExpressionAttributeNames": {"#ttl": "ttl"},
                "ExpressionAttributeValues": {
                    ":member": {"SS": [connection_id]},
                    ":delivered": to_attr(delivered),
                    ":ttl": to_attr(now + CONNECTION_LIFETIME_SECONDS),
                    ":now": to_attr(now),
                    ":most": to_attr(MAX_COHORT_MEMBERS),
                },
            }
        }
        item = {"pk": _topic_pk(tenant, topic), "sk": connection_id, "connection_id": connection_id, "topic": topic}
        failed = failed_conditions(
            self._db,
            [
                self._add_topic(connection_id, tenant, topic, only_new=True),
                {"Put": {"TableName": self._table, "Item": to_item({**item, "ttl": expires_at})}},
                cohort,
                if_holds,
            ],
        )
        if 0 in failed:
            return Joined.REFUSED
        if 3 in failed:
            return Joined.LOGGED_MORE
        return Joined.ALONE if failed else Joined.MEMBER

    def _add_topic(self, connection_id: str, tenant: str, topic: str, only_new: bool) -> dict[str, Any]:
        """The connection's part of a subscribe: the topic added to its list, while it is the tenant's and
        open (and, `only_new`, has never had the topic)."""
        condition = "attribute_exists(pk) AND tenant = :t AND #ttl > :now"
        return {
            "Update": {
                "TableName": self._table,
                "Key": _connection_key(connection_id),
                "UpdateExpression": "ADD topics :topics",
                "ConditionExpression": condition + (" AND NOT contains(topics, :topic)" if only_new else ""),
                "ExpressionAttributeNames": {"#ttl": "ttl"},
                "ExpressionAttributeValues": {
                    ":t": {"S": tenant},
                    ":now": to_attr(int(time.time())),
                    ":topics": {"SS": [topic]},
                    **({":topic": {"S": topic}} if only_new else {}),
                },
            }
        }

    def _leave_cohort(self, tenant: str, topic: str, connection_id: str) -> dict[str, Any]:
        """A connection out of the task's cohort's members, if it is one. Unconditional, so that it can go
        into any transaction: it writes a cohort with no members where there was none (one that expires)."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": _cohort_key(tenant, topic),
                "UpdateExpression": "DELETE members :member SET #ttl = if_not_exists(#ttl, :ttl)",
                "ExpressionAttributeNames": {"#ttl": "ttl"},
                "ExpressionAttributeValues": {
                    ":member": {"SS": [connection_id]},
                    ":ttl": to_attr(int(time.time()) + CONNECTION_LIFETIME_SECONDS),
                },
            }
        }

    def unsubscribe(self, connection_id: str, tenant: str, topic: str) -> bool:
        """Leave a topic: True when the connection was subscribed to it. The topic stays in the connection's list,
        so that a first subscription to it still being written (`only_new`) is not written after this."""
        marked = applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=_connection_key(connection_id),
                UpdateExpression="ADD topics :topics",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":topics": {"SS": [topic]}},
            )
        )
        return self.drop(tenant, topic, connection_id) and marked

    def drop(self, tenant: str, topic: str, connection_id: str) -> bool:
        """Delete one subscription: whether there was one. A member of the task's cohort (its item has no
        `delivered`) leaves it first, so no push finds it there once its item is gone; the cohort, a larger item,
        is written only then."""
        if topic != ALL:  # `all` has no cohort
            reply = self._db.get_item(
                TableName=self._table,
                Key=_subscription_key(tenant, topic, connection_id),
                ProjectionExpression="delivered",
                ConsistentRead=True,
            )
            if "Item" in reply and "delivered" not in reply["Item"]:
                applied(
                    lambda: self._db.update_item(
                        TableName=self._table,
                        Key=_cohort_key(tenant, topic),
                        UpdateExpression="DELETE members :member",
                        ConditionExpression="contains(members, :id)",
                        ExpressionAttributeValues={":member": {"SS": [connection_id]}, ":id": {"S": connection_id}},
                    )
                )
        reply = self._db.delete_item(
            TableName=self._table, Key=_subscription_key(tenant, topic, connection_id), ReturnValues="ALL_OLD"
        )
        return "Attributes" in reply

    def subscribers(self, tenant: str, topic: str) -> list[dict[str, Any]]:
        """The tenant's subscriptions to `topic`, each with its connection id and `delivered` (none for `all`, nor
        for a member of the task's cohort)."""
        return self._partition(tenant, topic, members=True)[0]

    def followers(self, tenant: str, topic: str) -> tuple[list[dict[str, Any]], Cohort | None]:
        """What a push to a task needs, in one consistent read: its subscriptions that are not in its cohort (as
        `subscribers`), and the cohort, which lists the others."""
        return self._partition(tenant, topic, members=False)

    def _partition(self, tenant: str, topic: str, *, members: bool) -> tuple[list[dict[str, Any]], Cohort | None]:
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            params: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": _topic_pk(tenant, topic)}},
                # Only what a push needs: every event of a followed task reads them all.
                "ProjectionExpression": "sk, connection_id, delivered, members, busy_owner, busy_until, #ttl",
                "ExpressionAttributeNames": {"#ttl": "ttl"},
                "ConsistentRead": True,
            }
            if (
                not members
            ):  # read but not returned: a member's item has no `delivered` (the cohort, which lists it, has)
                params["FilterExpression"] = "attribute_exists(delivered)"
            if start:
                params["ExclusiveStartKey"] = start
            reply = self._db.query(**params)
            items.extend(from_item(i) for i in reply["Items"])
            start = reply.get("LastEvaluatedKey")
            if not start:
                now = time.time()
                live = [i for i in items if i.get("ttl", 0) > now]
                cohorts = [_cohort(i) for i in live if i.pop("sk") == COHORT_SK]
                return [i for i in live if "connection_id" in i], (cohorts[0] if cohorts else None)

    def subscriptions(self, tenant: str, connection_ids: list[str], topic: str) -> list[dict[str, Any]]:
        """The subscriptions of these connections to `topic` as they are now (missing ones left out), in one
        batch read per hundred."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(connection_ids), BATCH_READ_ITEMS):
            chunk = connection_ids[start : start + BATCH_READ_ITEMS]
            keys = [_subscription_key(tenant, topic, c) for c in chunk]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                reply = self._db.batch_get_item(RequestItems=request)
                found.extend(from_item(item) for item in reply["Responses"].get(self._table, []))
                request = reply.get("UnprocessedKeys") or {}
        return found

    # --- delivery --------------------------------------------------------------------------------
    def claim_many(
        self,
        tenant: str,
        claims: list[tuple[str, int]],
        topic: str,
        *,
        seq: int,
        owner: str,
        lease_until: float,
        now: float,
    ) -> set[int]:
        """Take the right to send the events after each subscription's last one up to `seq`: for subscriptions
        to one topic, each (connection id, the seq it was last sent), only where that is still the last one sent
        and nobody else holds the lease (or it is ours, or it ran out). In one transaction per hundred: the
        positions of the claims that were not taken (the others all were).

        A transaction writes nothing when one of its conditions fails, so it is written again without the
        claims that failed until the rest go through: one request for all of them when none is contended."""
        refused: set[int] = set()
        for start in range(0, len(claims), TRANSACTION_ITEMS):
            positions = list(range(start, min(start + TRANSACTION_ITEMS, len(claims))))
            while positions:
                updates = [
                    self._claim(tenant, claims[i][0], topic, claims[i][1], seq, owner, lease_until, now)
                    for i in positions
                ]
                try:
                    failed = failed_conditions(self._db, updates)
                except WriteContention:
                    # Only this hundred went unwritten: the hundreds before it are claimed, and stay so.
                    refused.update(positions)
                    break
                refused.update(positions[i] for i in failed)
                positions = [p for i, p in enumerate(positions) if i not in failed] if failed else []
        return refused

    def release_many(
        self,
        tenant: str,
        connection_ids: list[str],
        topic: str,
        owner: str,
        *,
        if_holds: dict[str, Any] | None = None,
    ) -> bool:
        """Let go of our leases on subscriptions to one topic, in one transaction per hundred; a lease that is
        no longer ours is left alone. With `if_holds`, a ConditionCheck of another item that goes into each
        transaction, only while it holds: False when it did not, and the leases it was written with are still
        held (those of the transactions before it are let go)."""
        per_transaction = TRANSACTION_ITEMS - 1  # room for the check
        for start in range(0, len(connection_ids), per_transaction):
            chunk = connection_ids[start : start + per_transaction]
            while chunk:
                updates = [
                    self._update_item(
                        tenant, c, topic, "REMOVE busy_owner, busy_until", _OWNED, {":owner": to_attr(owner)}
                    )
                    for c in chunk
                ]
                failed = failed_conditions(self._db, [*updates, *([if_holds] if if_holds else [])])
                if len(chunk) in failed:
                    return False
                chunk = [c for i, c in enumerate(chunk) if i not in failed] if failed else []
        return True

    def unclaim(self, tenant: str, connection_id: str, topic: str, *, seq: int, back_to: int, owner: str) -> bool:
        """Give back what a claim up to `seq` took but could not send (back to `back_to`, the last event sent),
        so the next delivery sends it."""
        update = self._update_item(
            tenant,
            connection_id,
            topic,
            "SET delivered = :back REMOVE busy_owner, busy_until",
            "attribute_exists(pk) AND delivered = :seq AND busy_owner = :owner",
            {":back": to_attr(back_to), ":seq": to_attr(seq), ":owner": to_attr(owner)},
        )
        return applied(lambda: self._db.update_item(**update["Update"]))

    def claim_cohort(
        self, tenant: str, topic: str, *, after: int, seq: int, owner: str, lease_until: float, now: float
    ) -> frozenset[str] | None:
        """Take the right to send the events after `after` up to `seq` to the task cohort's members, as
        `claim_many` does for subscriptions on their own: the members then, or None when the cohort is not at
        `after`, has none, or another holds it."""
        reply = conditional(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=_cohort_key(tenant, topic),
                UpdateExpression="SET delivered = :seq, busy_owner = :owner, busy_until = :lease",
                ConditionExpression="delivered = :after AND attribute_exists(members) "
                "AND (attribute_not_exists(busy_until) OR busy_until < :now OR busy_owner = :owner)",
                ExpressionAttributeValues={
                    ":seq": to_attr(seq),
                    ":after": to_attr(after),
                    ":owner": to_attr(owner),
                    ":lease": to_attr(lease_until),
                    ":now": to_attr(now),
                },
                ReturnValues="ALL_NEW",
            )
        )
        return None if reply is None else _cohort(from_item(reply["Attributes"])).members

    def cohort(self, tenant: str, topic: str) -> Cohort | None:
        """The task's cohort as it is now, or None."""
        reply = self._db.get_item(TableName=self._table, Key=_cohort_key(tenant, topic), ConsistentRead=True)
        return _cohort(from_item(reply["Item"])) if "Item" in reply else None

    def release_cohort(self, tenant: str, topic: str, owner: str, *, if_holds: dict[str, Any] | None = None) -> bool:
        """Let go of our lease on the task's cohort (one no longer ours is left alone), only while `if_holds`
        holds if given: False when it did not (the lease is still held)."""
        release = {
            "Update": {
                "TableName": self._table,
                "Key": _cohort_key(tenant, topic),
                "UpdateExpression": "REMOVE busy_owner, busy_until",
                "ConditionExpression": _OWNED,
                "ExpressionAttributeValues": {":owner": to_attr(owner)},
            }
        }
        if if_holds is None:
            applied(lambda: self._db.update_item(**release["Update"]))
            return True
        return 1 not in failed_conditions(self._db, [release, if_holds])

    def renew_cohort(self, tenant: str, topic: str, owner: str, lease_until: float) -> bool:
        """Hold our lease on the task's cohort longer: False when it is no longer ours."""
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=_cohort_key(tenant, topic),
                UpdateExpression="SET busy_until = :lease",
                ConditionExpression=_OWNED,
                ExpressionAttributeValues={":owner": to_attr(owner), ":lease": to_attr(lease_until)},
            )
        )

    def leave_cohort(self, tenant: str, topic: str, connection_id: str, *, owner: str, back_to: int) -> None:
        """A member that could not be sent all of our run, on its own again, sent up to `back_to`: it is sent the
        rest after the next event the task commits. Only while we hold the cohort, and the member's item is
        still one (not written anew, nor dropped, meanwhile)."""
        leave = {
            "Update": {
                "TableName": self._table,
                "Key": _cohort_key(tenant, topic),
                "UpdateExpression": "DELETE members :member",
                "ConditionExpression": _OWNED,
                "ExpressionAttributeValues": {":member": {"SS": [connection_id]}, ":owner": to_attr(owner)},
            }
        }
        alone = self._update_item(
            tenant,
            connection_id,
            topic,
            "SET delivered = :back",
            "attribute_exists(pk) AND attribute_not_exists(delivered)",
            {":back": to_attr(back_to)},
        )
        failed_conditions(self._db, [leave, alone])

    def _claim(
        self,
        tenant: str,
        connection_id: str,
        topic: str,
        after: int,
        seq: int,
        owner: str,
        lease_until: float,
        now: float,
    ) -> dict[str, Any]:
        return self._update_item(
            tenant,
            connection_id,
            topic,
            "SET delivered = :seq, busy_owner = :owner, busy_until = :lease",
            "attribute_exists(pk) AND delivered = :after "
            "AND (attribute_not_exists(busy_until) OR busy_until < :now OR busy_owner = :owner)",
            {
                ":seq": to_attr(seq),
                ":after": to_attr(after),
                ":owner": to_attr(owner),
                ":lease": to_attr(lease_until),
                ":now": to_attr(now),
            },
        )

    def _update_item(
        self, tenant: str, connection_id: str, topic: str, expression: str, condition: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": _subscription_key(tenant, topic, connection_id),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }


# A lease is let go by its owner only.
_OWNED = "attribute_exists(pk) AND busy_owner = :owner"

"""The AWS calls each function's code can make, by function: what its handler reaches through the rooms it
wires (functions/*/app.py, then each room's wiring.py). Read by test_least_privilege.py, which holds every
function's IAM policies in template.yaml to exactly these: each call allowed, nothing else granted.

When code gains a call, add it here to the functions that reach it (the test finds calls that no function
lists); when a function stops making one, take it out (the test then asks for the grant to go too).

Resources are named by their logical id in template.yaml: a table, `Table/index/name`, `Bucket/prefix/`
(objects under it), a queue, a secret, or `WebSocketApi` (its connections, through the management API).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    operation: str  # as the SDK names it: "dynamodb:Query", "apigatewaymanagementapi:PostToConnection"
    resource: str
    items: tuple[str, ...] = ()  # a transaction's kinds of item (Put, Update, Delete, ConditionCheck)


DATA, IDEMPOTENCY, CONNECTIONS = "DataTable", "IdempotencyTable", "ConnectionsTable"
TASKS_QUEUE = "TasksQueue"


def _each(operations: str, resource: str) -> list[Call]:
    return [Call(operation, resource) for operation in operations.split()]


# access: api_keys().authenticate, the key's item.
AUTHENTICATE = _each("dynamodb:GetItem", DATA)
# core/wiring.list_cursors: the cursor key, read with Powertools' get_secret when a list is first asked for.
LIST_CURSORS = _each("secretsmanager:GetSecretValue", "CursorSigningSecret")
# access: admission (the budget's item and the day's commitments, then the start counter) and
# IdempotentStarts (Powertools' DynamoDBPersistenceLayer).
STARTS = [
    *_each("dynamodb:GetItem dynamodb:UpdateItem", DATA),
    *_each("dynamodb:GetItem dynamodb:PutItem dynamodb:UpdateItem dynamodb:DeleteItem", IDEMPOTENCY),
]
# tasks: TaskResources (a record, a list page, the event log), and a start (record, send_or_defer, set_due).
TASK_READS = [*_each("dynamodb:GetItem dynamodb:Query", DATA), *_each("dynamodb:Query", f"{DATA}/index/gsi1")]
TASK_STARTS = [*_each("dynamodb:PutItem dynamodb:UpdateItem", DATA), *_each("sqs:SendMessage", TASKS_QUEUE)]
# tasks: TaskLifecycle.finish, the terminal change and its event in one transaction.
TASK_ENDS = [Call("dynamodb:TransactWriteItems", DATA, ("Update", "Put"))]
# realtime: the fan-out (subscribers, claim/release/unclaim, a subscription, a gone connection deleted, the
# task's log for what a subscriber missed) and its posts.
FANOUT = [
    *_each("dynamodb:Query", f"{CONNECTIONS}/index/gsi1"),
    *_each("dynamodb:Query dynamodb:GetItem dynamodb:UpdateItem dynamodb:DeleteItem", CONNECTIONS),
    Call("dynamodb:TransactWriteItems", CONNECTIONS, ("Update",)),  # claims and releases, many at once
    *_each("dynamodb:Query", DATA),
    *_each("apigatewaymanagementapi:PostToConnection", "WebSocketApi"),
]
# watches: the watch-run notifier, one of every committing function's event sinks (watches.wiring.event_sinks):
# the research record and the watch, its runs, their research records by id, then the fan-out.
WATCH_NOTIFIER = [*_each("dynamodb:GetItem dynamodb:Query dynamodb:BatchGetItem", DATA), *FANOUT]
# research: ResearchService.start for a watch run (an id chosen up front: a retry reads the record), the
# template it renders, and the run's start recorded on the watch.
WATCH_RUN_STARTS = [*TASK_STARTS, *_each("dynamodb:GetItem dynamodb:UpdateItem", DATA)]

CALLS: dict[str, list[Call]] = {
    "HealthApiFunction": [],
    "ConsoleFunction": [],
    "ResearchApiFunction": [
        *AUTHENTICATE,
        *LIST_CURSORS,
        *STARTS,
        *TASK_READS,
        *TASK_STARTS,
        *_each("dynamodb:GetItem", DATA),  # a template rendered into the query
        *_each("dynamodb:UpdateItem", DATA),  # cancel of a running research
        *TASK_ENDS,  # cancel before it started
        *_each("dynamodb:Query dynamodb:DeleteItem", DATA),  # delete
        *FANOUT,
        *WATCH_NOTIFIER,
    ],
    "AnalysisApiFunction": [
        *AUTHENTICATE,
        *LIST_CURSORS,
        *STARTS,
        *TASK_READS,
        *TASK_STARTS,
        *_each("dynamodb:GetItem", DATA),  # the research analysed
        *_each("s3:PutObject", "ArtifactsBucket/texts/"),  # a long text (tasks/texts.py)
    ],
    "DocumentsApiFunction": [
        *AUTHENTICATE,
        *LIST_CURSORS,
        Call("dynamodb:TransactWriteItems", DATA, ("Put", "Update")),  # the document and the tenant's version
        Call("dynamodb:TransactWriteItems", DATA, ("Delete", "Update")),
        *_each("dynamodb:GetItem", DATA),
        *_each("dynamodb:Query", f"{DATA}/index/gsi1"),
        *_each("s3:PutObject s3:GetObject s3:DeleteObject", "ArtifactsBucket/documents/"),  # long texts
    ],
    "ReportsApiFunction": [
        *AUTHENTICATE,
        *LIST_CURSORS,
        *STARTS,
        *TASK_READS,
        *TASK_STARTS,
        *_each("dynamodb:GetItem", DATA),  # the research, and a template other than its own
        # Presigned download URLs: signed locally, the GET is made with this function's permission.
        *_each("s3:GetObject", "ArtifactsBucket/reports/"),
    ],
    "TemplatesApiFunction": [
        *AUTHENTICATE,
        *LIST_CURSORS,
        Call("dynamodb:TransactWriteItems", DATA, ("Put",)),  # the head and version 1
        Call("dynamodb:TransactWriteItems", DATA, ("Update", "Put")),  # a new version
        *_each("dynamodb:GetItem dynamodb:Query dynamodb:DeleteItem dynamodb:BatchWriteItem", DATA),
        *_each("dynamodb:Query", f"{DATA}/index/gsi1"),
    ],
    "UsageApiFunction": [
        *AUTHENTICATE,
        *_each("dynamodb:GetItem dynamodb:Query", DATA),  # the budget, the day's commitments, the days
    ],
    "WatchesApiFunction": [
        *AUTHENTICATE,
        *LIST_CURSORS,
        *STARTS,
        Call("dynamodb:TransactWriteItems", DATA, ("Update", "Put")),  # create (count, watch, run); run now
        Call("dynamodb:TransactWriteItems", DATA, ("Delete", "Update")),  # delete (watch, count)
        *_each("dynamodb:GetItem dynamodb:UpdateItem dynamodb:Query dynamodb:DeleteItem", DATA),
        *_each("dynamodb:Query", f"{DATA}/index/gsi1"),
        *_each("dynamodb:BatchGetItem", DATA),  # the runs' research records
        *WATCH_RUN_STARTS,
    ],
    "TaskWorkerFunction": [
        *_each("secretsmanager:GetSecretValue", "ProviderKeysSecret"),
        # The step engine: claim, checkpoints, transition (update, event, checkpoint), partial checkpoints
        # under the lease, release; the response cache and the bills (tasks/metering.py), the day budget.
        *_each("dynamodb:GetItem dynamodb:UpdateItem dynamodb:PutItem dynamodb:Query", DATA),
        Call("dynamodb:TransactWriteItems", DATA, ("Update", "Put")),
        Call("dynamodb:TransactWriteItems", DATA, ("ConditionCheck", "Put")),
        *_each("sqs:SendMessage", TASKS_QUEUE),
        # Research over the tenant's documents (their list, and long texts from S3).
        *_each("dynamodb:Query", f"{DATA}/index/gsi1"),
        *_each("s3:GetObject", "ArtifactsBucket/documents/"),
        *_each("s3:GetObject", "ArtifactsBucket/texts/"),  # an analysis's long text
        *_each("s3:PutObject", "ArtifactsBucket/reports/"),  # report bodies
        *_each("s3:GetObject s3:PutObject", "ArtifactsBucket/pages/"),  # the page cache (research/pages.py)
        *FANOUT,
        *WATCH_NOTIFIER,
    ],
    "TaskSweeperFunction": [
        *_each("dynamodb:Query", f"{DATA}/index/gsi2"),  # what is due
        *_each("sqs:GetQueueAttributes", TASKS_QUEUE),  # the backlog
        *_each("sqs:SendMessage", TASKS_QUEUE),
        *_each("dynamodb:UpdateItem dynamodb:GetItem", DATA),  # postpone, count a sweep, reread
        *TASK_ENDS,  # a task that kept stalling fails
        *FANOUT,
        *WATCH_NOTIFIER,
    ],
    "RefreshSchedulerFunction": [
        *_each("dynamodb:Query", f"{DATA}/index/gsi3"),  # what is due
        Call("dynamodb:TransactWriteItems", DATA, ("Update", "Put")),  # the watch moved on, and its run
        *STARTS[:2],  # admission, without Idempotency-Key
        *WATCH_RUN_STARTS,
    ],
    "WsConnectFunction": [
        *AUTHENTICATE,
        *_each("dynamodb:PutItem", CONNECTIONS),
    ],
    "WsDisconnectFunction": [
        *_each("dynamodb:Query dynamodb:DeleteItem", CONNECTIONS),
    ],
    "WsDefaultFunction": [
        *_each("dynamodb:GetItem", CONNECTIONS),  # the connection
        Call("dynamodb:TransactWriteItems", CONNECTIONS, ("ConditionCheck", "Put")),  # subscribe
        *_each("dynamodb:DeleteItem", CONNECTIONS),  # unsubscribe
        *_each("dynamodb:GetItem", DATA),  # the task subscribed to
        *_each("apigatewaymanagementapi:DeleteConnection", "WebSocketApi"),  # a connection that is not ours
        # Replies, and the catch-up of a subscription (claims on it, the task's log), through the fan-out.
        *_each("dynamodb:Query dynamodb:GetItem dynamodb:UpdateItem dynamodb:DeleteItem", CONNECTIONS),
        *_each("dynamodb:Query", DATA),
        *_each("apigatewaymanagementapi:PostToConnection", "WebSocketApi"),
    ],
    "ConnectionSweeperFunction": [
        *_each("dynamodb:Query", f"{CONNECTIONS}/index/gsi2"),  # what has expired
        *_each("apigatewaymanagementapi:DeleteConnection", "WebSocketApi"),
        *_each("dynamodb:Query dynamodb:DeleteItem", CONNECTIONS),
    ],
}

# rp-admin runs with an operator's credentials, not a function's role: what it calls needs no grant here.
OPERATOR_CALLS = frozenset(
    {
        "cloudformation:ListStackResources",
        "cloudformation:DescribeStacks",
        "dynamodb:Scan",  # every tenant's keys
        "sqs:GetQueueUrl",
        "sqs:ListDeadLetterSourceQueues",
        "sqs:ReceiveMessage",
        "sqs:ChangeMessageVisibilityBatch",
        "sqs:SendMessageBatch",
        "sqs:DeleteMessageBatch",
        "sqs:GetQueueAttributes",
    }
)

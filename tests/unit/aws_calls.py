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
    # The code takes S3's "no such key" as an answer (a file that never came, a page text that is gone). S3
    # gives that answer only to a caller that may list the bucket, and 403 Forbidden to any other, so such a
    # read needs s3:ListBucket on the bucket as well.
    missing_is_an_answer: bool = False


DATA, IDEMPOTENCY, CONNECTIONS = "DataTable", "IdempotencyTable", "ConnectionsTable"
TASKS_QUEUE, WEBHOOK_QUEUE = "TasksQueue", "WebhookDeliveriesQueue"


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
# tasks: TaskLifecycle.finish, the terminal change and its event in one transaction (with what the webhooks
# outbox stages: another Put).
TASK_ENDS = [Call("dynamodb:TransactWriteItems", DATA, ("Update", "Put"))]
# tasks: TaskRepository.delete, every item of the task's partition.
TASK_DELETES = _each("dynamodb:Query dynamodb:DeleteItem", DATA)
# realtime: the fan-out (subscribers, claims and releases, a claim given back, refused claims read again, the
# task's cohort claimed, read again and let go, a gone connection deleted, the task's log for what a subscriber
# missed) and its posts.
FANOUT = [
    *_each("dynamodb:Query dynamodb:GetItem dynamodb:BatchGetItem", CONNECTIONS),
    *_each("dynamodb:UpdateItem dynamodb:DeleteItem", CONNECTIONS),
    Call("dynamodb:TransactWriteItems", CONNECTIONS, ("Update",)),  # claims and releases, many at once
    Call("dynamodb:TransactWriteItems", DATA, ("ConditionCheck",)),  # a release: the task logged nothing more
    *_each("dynamodb:Query", DATA),
    *_each("apigatewaymanagementapi:PostToConnection", "WebSocketApi"),
]
# watches: what a watch's run is, when its research ends (WatchRunNotifier.notice): the research record, the
# watch's runs, and their research records by id.
WATCH_RUN_READS = _each("dynamodb:GetItem dynamodb:Query dynamodb:BatchGetItem", DATA)
# webhooks: WebhookService.publish, an event to each endpoint that wants it: the tenant's endpoints, then a
# delivery each and its first attempt's message.
PUBLISH = [
    *_each("dynamodb:Query", f"{DATA}/index/gsi1"),
    *_each("dynamodb:PutItem", DATA),
    *_each("sqs:SendMessage", WEBHOOK_QUEUE),
]
# webhooks: the outbox of task ends (webhooks/outbox.py), the last of every committing function's event sinks.
# Whether the tenant has webhooks, before the transaction that ends the task (the item it stages is a Put of
# TASK_ENDS); after the commit, that item read, published (with a watch's `watch.run_completed`) and deleted.
OUTBOX = [
    *_each("dynamodb:Query", f"{DATA}/index/gsi1"),
    *_each("dynamodb:GetItem dynamodb:DeleteItem", DATA),
    *WATCH_RUN_READS,
    *PUBLISH,
]
# watches.wiring.event_sinks, where every function that commits task events sends them: the fan-out, the
# watch-run notifier (which tells the fan-out what a watch's run found) and the webhooks outbox.
EVENT_SINKS = [*FANOUT, *WATCH_RUN_READS, *OUTBOX]
# research: ResearchService.start for a watch run (an id chosen up front: a retry reads the record), the
# template it renders, and the run's start recorded on the watch.
WATCH_RUN_STARTS = [*TASK_STARTS, *_each("dynamodb:GetItem dynamodb:UpdateItem", DATA)]
# webhooks: a watch's own webhook (WebhookService.create_for_watch, change_watch_url, delete_for_watch): not
# counted against the tenant's webhooks, so a transaction of one item; deleted (its deliveries expire).
WATCH_WEBHOOKS = [
    Call("dynamodb:TransactWriteItems", DATA, ("Put",)),
    Call("dynamodb:TransactWriteItems", DATA, ("Delete",)),
    *_each("dynamodb:UpdateItem", DATA),
]

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
        *TASK_DELETES,
        *EVENT_SINKS,
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
        # An upload: its extraction task and its pending document; a pending one's task, read with it and
        # deleted with it.
        *_each("dynamodb:PutItem dynamodb:BatchGetItem", DATA),
        *TASK_DELETES,
        # The upload form is signed here and S3 authorises the POST as this function (documents/store.py); a
        # pending document's file is deleted with it.
        *_each("s3:PutObject s3:DeleteObject", "ArtifactsBucket/uploads/"),
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
        *WATCH_WEBHOOKS,
    ],
    "WebhooksApiFunction": [
        *AUTHENTICATE,
        *LIST_CURSORS,
        Call("dynamodb:TransactWriteItems", DATA, ("Put", "Update")),  # create (endpoint, the tenant's count)
        Call("dynamodb:TransactWriteItems", DATA, ("Delete", "Update")),  # delete (endpoint, count)
        *_each("dynamodb:Query", f"{DATA}/index/gsi1"),  # the list
        # An endpoint and its deliveries read, changed (update, rotate, retry); a test delivery made.
        *_each("dynamodb:GetItem dynamodb:UpdateItem dynamodb:PutItem dynamodb:Query", DATA),
        *_each("sqs:SendMessage", WEBHOOK_QUEUE),  # a test delivery, a retry
    ],
    "WebhookDeliveryFunction": [
        # The attempt claimed under a lease, its endpoint read, its outcome recorded, the endpoint's failing
        # time kept (and it disabled); a retry the queue can wait for sent delayed.
        *_each("dynamodb:GetItem dynamodb:UpdateItem", DATA),
        *_each("sqs:SendMessage", WEBHOOK_QUEUE),
    ],
    "WebhookSweeperFunction": [
        *_each("dynamodb:Query", f"{DATA}/index/gsi2"),  # what is due
        *_each("dynamodb:UpdateItem", DATA),  # moved on before it is acted on
        *OUTBOX,  # a task end the function that ended it did not hand on
        *_each("sqs:SendMessage", WEBHOOK_QUEUE),  # an attempt whose message never came
    ],
    "TaskWorkerFunction": [
        *_each("secretsmanager:GetSecretValue", "ProviderKeysSecret"),
        # The step engine: claim, checkpoints, transition (update, event, checkpoint), partial checkpoints
        # under the lease, release; the response cache and the bills (tasks/metering.py), the day budget.
        *_each("dynamodb:GetItem dynamodb:UpdateItem dynamodb:PutItem dynamodb:Query", DATA),
        Call("dynamodb:TransactWriteItems", DATA, ("Update", "Put")),
        Call("dynamodb:TransactWriteItems", DATA, ("ConditionCheck", "Put")),
        *_each("sqs:SendMessage", TASKS_QUEUE),
        # Research over the tenant's documents (their version and list, and long texts from S3).
        *_each("dynamodb:Query", f"{DATA}/index/gsi1"),
        *_each("s3:GetObject", "ArtifactsBucket/documents/"),
        *_each("s3:GetObject", "ArtifactsBucket/texts/"),  # an analysis's long text
        *_each("s3:PutObject", "ArtifactsBucket/reports/"),  # report bodies
        # The page cache (research/pages.py): a text the bucket's lifecycle removed is read again.
        Call("s3:GetObject", "ArtifactsBucket/pages/", missing_is_an_answer=True),
        *_each("s3:PutObject", "ArtifactsBucket/pages/"),
        # An uploaded file's extraction (documents/task.py): the file looked at (one that never came fails the
        # document), read and deleted; its text kept with the document, whose version moves in one transaction
        # (a long text in S3, deleted again when the document was deleted meanwhile).
        Call("s3:HeadObject", "ArtifactsBucket/uploads/", missing_is_an_answer=True),
        *_each("s3:GetObject s3:DeleteObject", "ArtifactsBucket/uploads/"),
        Call("dynamodb:TransactWriteItems", DATA, ("Update",)),
        *_each("s3:PutObject s3:DeleteObject", "ArtifactsBucket/documents/"),
        *EVENT_SINKS,
    ],
    "TaskSweeperFunction": [
        *_each("dynamodb:Query", f"{DATA}/index/gsi2"),  # what is due
        *_each("sqs:GetQueueAttributes", TASKS_QUEUE),  # the backlog
        *_each("sqs:SendMessage", TASKS_QUEUE),
        *_each("dynamodb:UpdateItem dynamodb:GetItem", DATA),  # postpone, count a sweep, reread
        *TASK_ENDS,  # a task that kept stalling fails
        *EVENT_SINKS,
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
        # The connection, then its subscriptions (each read first, and a member taken out of its task's cohort).
        *_each("dynamodb:DeleteItem dynamodb:GetItem dynamodb:UpdateItem", CONNECTIONS),
    ],
    "WsDefaultFunction": [
        *_each("dynamodb:GetItem", CONNECTIONS),  # the connection, with the topics it follows
        Call("dynamodb:TransactWriteItems", CONNECTIONS, ("Update", "Put")),  # subscribe
        *_each("dynamodb:UpdateItem dynamodb:DeleteItem", CONNECTIONS),  # unsubscribe
        *_each("dynamodb:GetItem", DATA),  # the task subscribed to
        *_each("apigatewaymanagementapi:DeleteConnection", "WebSocketApi"),  # a connection that is not ours
        # Replies, and the catch-up of a subscription (claims on it, the task's log), through the fan-out.
        *_each("dynamodb:Query dynamodb:BatchGetItem dynamodb:UpdateItem dynamodb:DeleteItem", CONNECTIONS),
        Call("dynamodb:TransactWriteItems", DATA, ("ConditionCheck",)),
        *_each("dynamodb:Query", DATA),
        *_each("apigatewaymanagementapi:PostToConnection", "WebSocketApi"),
    ],
    "ConnectionSweeperFunction": [
        *_each("dynamodb:Query", f"{CONNECTIONS}/index/gsi2"),  # what has expired
        *_each("apigatewaymanagementapi:DeleteConnection", "WebSocketApi"),
        *_each("dynamodb:DeleteItem dynamodb:GetItem dynamodb:UpdateItem", CONNECTIONS),  # as $disconnect
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

# Methods of our own whose names are also SDK calls', by the module that calls them: not AWS calls.
NOT_SDK_CALLS = frozenset(
    {
        ("rotate_secret", "webhooks/router.py"),  # WebhookService.rotate_secret: a webhook's signing secret
    }
)

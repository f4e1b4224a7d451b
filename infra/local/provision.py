"""moto in server mode, and the template's tables, queues, buckets and secrets created in it."""

from __future__ import annotations

import json
import logging
import secrets
import string
import threading
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler, ThreadedMotoServer
from werkzeug.serving import make_server

from infra.local.faults import Dice, DynamoDBFaults, Faults
from infra.local.moto_tuning import make_moto_faster
from infra.local.template import REGION, Stack


class OneDynamoDBRequestAtATime:
    """DynamoDB applies every request, transactions included, in isolation. moto serves requests on
    threads without locking its tables, so two conditional writes racing for one item can both pass
    their condition. Serialising DynamoDB requests gives the local cloud DynamoDB's isolation, which
    every lease, version and due-time condition in Researcher Pro relies on.

    DynamoDB's requests go straight to moto's DynamoDB application: moto's dispatcher works out which
    service a request is for anew every time, and took a third of the time moto spent on a GetItem."""

    def __init__(self, dispatcher: DomainDispatcherApplication) -> None:
        self._dispatcher = dispatcher
        self._dynamodb: Callable[..., Iterable[bytes]] | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self._dispatcher(environ, start_response)
        with self._lock:
            if self._dynamodb is None:
                self._dynamodb = self._dispatcher.get_application(environ)
            return list(self._dynamodb(environ, start_response))


class IsolatedMotoServer(ThreadedMotoServer):
    def __init__(self, ip_address: str, port: int, faults: Faults, dice: Dice) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self._faults = faults
        self._dice = dice

    def _server_entry(self) -> None:
        # As ThreadedMotoServer's own, with the application wrapped.
        app: Callable[..., Iterable[bytes]] = OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app))
        if self._faults.dynamodb_conflicts or self._faults.dynamodb_throttles:
            app = DynamoDBFaults(app, self._faults, self._dice)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


def start_moto(port: int, faults: Faults | None = None, dice: Dice | None = None) -> ThreadedMotoServer:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call drowns the output
    # werkzeug writes headers and body separately; with Nagle on, every AWS call waits ~40 ms for an ACK.
    MotoRequestHandler.disable_nagle_algorithm = True
    make_moto_faster()
    faults = faults or Faults()
    server = IsolatedMotoServer("127.0.0.1", port, faults, dice or Dice(faults.seed))
    server.start()
    return server


def aws_client(service: str, endpoint: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto accepts any
    )


def provision(stack: Stack, endpoint: str) -> None:
    _tables(stack, endpoint)
    _queues(stack, endpoint)
    _buckets(stack, endpoint)
    _event_rules(stack, endpoint)
    _secrets(stack, endpoint)


def _tables(stack: Stack, endpoint: str) -> None:
    dynamodb = aws_client("dynamodb", endpoint)
    existing = set(dynamodb.list_tables()["TableNames"])
    for logical_id, resource in stack.of_type("AWS::DynamoDB::Table").items():
        props = stack.resolve(resource.get("Properties", {}), endpoint)
        name = stack.physical_name(logical_id)
        if name in existing:
            continue
        params: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            params["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        dynamodb.create_table(**params)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )


def _queues(stack: Stack, endpoint: str) -> None:
    sqs = aws_client("sqs", endpoint)
    queues = stack.of_type("AWS::SQS::Queue")
    # Every queue first, then redrive policies, which point at other queues.
    for logical_id, resource in queues.items():
        props = stack.resolve(resource.get("Properties", {}), endpoint)
        attributes = {
            key: str(props[key])
            for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds")
            if key in props
        }
        sqs.create_queue(QueueName=stack.physical_name(logical_id), Attributes=attributes)
    for logical_id, resource in queues.items():
        props = stack.resolve(resource.get("Properties", {}), endpoint)
        if "RedrivePolicy" in props:
            policy = {k: str(v) for k, v in props["RedrivePolicy"].items()}
            sqs.set_queue_attributes(
                QueueUrl=stack.queue_url(logical_id, endpoint), Attributes={"RedrivePolicy": json.dumps(policy)}
            )


def _buckets(stack: Stack, endpoint: str) -> None:
    """Each bucket, and whether it sends its events to EventBridge (moto then hands them to the rules)."""
    s3 = aws_client("s3", endpoint)
    for logical_id, resource in stack.of_type("AWS::S3::Bucket").items():
        name = stack.physical_name(logical_id)
        s3.create_bucket(Bucket=name)
        props = stack.resolve(resource.get("Properties", {}), endpoint)
        to_eventbridge = (props.get("NotificationConfiguration") or {}).get("EventBridgeConfiguration") or {}
        if _flag(to_eventbridge.get("EventBridgeEnabled")):
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
            )


def _event_rules(stack: Stack, endpoint: str) -> None:
    """Each EventBridge rule that matches events (AWS::Events::Rule with an EventPattern) on the default bus,
    with its targets: moto matches what S3 sends against the pattern and puts it on a target queue, as
    EventBridge does. (Scheduled rules, which SAM makes from Schedule events, are the ticker's.)"""
    events = aws_client("events", endpoint)
    for logical_id, resource in stack.of_type("AWS::Events::Rule").items():
        props = stack.resolve(resource.get("Properties", {}), endpoint)
        if "EventPattern" not in props:
            continue
        name = stack.physical_name(logical_id)
        events.put_rule(Name=name, EventPattern=json.dumps(props["EventPattern"]), State=props.get("State", "ENABLED"))
        targets = [{key: target[key] for key in ("Id", "Arn", "Input") if key in target} for target in props["Targets"]]
        events.put_targets(Rule=name, Targets=targets)


def _secrets(stack: Stack, endpoint: str) -> None:
    """Each secret as CloudFormation makes it: `SecretString` with the template's parameters resolved (the
    provider keys a developer exports reach moto's secret store, not a function's environment), or a value
    generated as `GenerateSecretString` describes it."""
    manager = aws_client("secretsmanager", endpoint)
    existing = {entry["Name"] for entry in manager.list_secrets().get("SecretList", [])}
    for logical_id, resource in stack.of_type("AWS::SecretsManager::Secret").items():
        if stack.physical_name(logical_id) in existing:
            continue
        props = stack.resolve(resource.get("Properties", {}), endpoint)
        if "SecretString" in props:
            value = str(props["SecretString"])
        else:
            value = generated_secret(props.get("GenerateSecretString") or {})
        manager.create_secret(
            Name=stack.physical_name(logical_id), SecretString=value, Description=str(props.get("Description", ""))
        )


def generated_secret(spec: dict[str, Any]) -> str:
    """A random value as Secrets Manager generates one: `PasswordLength` characters (32 by default) of the
    kinds not excluded; inside `SecretStringTemplate` under `GenerateStringKey` when those are given."""
    alphabet = "".join(
        chars
        for chars, exclude in (
            (string.ascii_lowercase, "ExcludeLowercase"),
            (string.ascii_uppercase, "ExcludeUppercase"),
            (string.digits, "ExcludeNumbers"),
            (string.punctuation, "ExcludePunctuation"),
        )
        if not _flag(spec.get(exclude))
    )
    alphabet = "".join(c for c in alphabet if c not in str(spec.get("ExcludeCharacters", "")))
    if _flag(spec.get("IncludeSpace")):
        alphabet += " "
    value = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if spec.get("SecretStringTemplate") and spec.get("GenerateStringKey"):
        document = json.loads(str(spec["SecretStringTemplate"]))
        document[str(spec["GenerateStringKey"])] = value
        return json.dumps(document)
    return value


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"

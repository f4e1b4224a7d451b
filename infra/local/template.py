"""Reads template.yaml the way CloudFormation + SAM would, into what the local cloud needs to run it.

A YAML loader for the short-form intrinsics and a resolver for the handful of them a template like
ours uses (Ref, GetAtt, Sub, Join, If/Equals/Not/And/Or, Select). samtranslator would expand the whole SAM
transform, but that needs managed-policy lookups against IAM; the subset below is all we read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT = "123456789012"
REGION = "us-east-1"


class _Loader(yaml.SafeLoader):
    pass


def _intrinsic(name: str) -> Any:
    def construct(loader: _Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return construct


for _tag in ("Ref", "Condition"):
    _Loader.add_constructor(f"!{_tag}", _intrinsic(_tag))
for _fn in (
    "GetAtt",
    "Sub",
    "Join",
    "If",
    "Equals",
    "Select",
    "Split",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "Base64",
    "GetAZs",
    "ImportValue",
):
    _Loader.add_constructor(f"!{_fn}", _intrinsic(f"Fn::{_fn}"))


_CONDITION_FUNCTIONS = frozenset({"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"})


@dataclass
class Route:
    method: str
    path: str
    function: str


@dataclass
class QueueMapping:
    function: str
    queue: str  # logical id
    batch_size: int
    report_failures: bool
    max_concurrency: int  # ScalingConfig.MaximumConcurrency: how many batches Lambda runs at once


@dataclass
class Schedule:
    function: str
    expression: str
    rule: str


@dataclass
class WebSocketApi:
    logical_id: str
    api_id: str
    stage: str
    selection_expression: str
    routes: dict[str, str]  # route key ($connect, $disconnect, $default, or an action) -> function


@dataclass
class Function:
    logical_id: str
    code_uri: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]


@dataclass
class Stack:
    name: str
    root: Path
    resources: dict[str, dict[str, Any]]
    parameters: dict[str, str]
    functions: dict[str, Function] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    queue_mappings: list[QueueMapping] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    websocket: WebSocketApi | None = None
    # Locally, a WebSocket API's execute-api host is the local WebSocket gateway.
    ws_endpoint: str = "ws://127.0.0.1:3001"

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r.get("Type") == kind}

    def physical_name(self, logical_id: str) -> str:
        kind = self.resources[logical_id]["Type"]
        name = f"{self.name}-{logical_id}"
        return name.lower() if kind == "AWS::S3::Bucket" else name

    def queue_url(self, logical_id: str, endpoint: str) -> str:
        return f"{endpoint}/{ACCOUNT}/{self.physical_name(logical_id)}"

    # --- intrinsic functions ---------------------------------------------------------------------
    def resolve(self, value: Any, endpoint: str) -> Any:
        if isinstance(value, list):
            return [self.resolve(v, endpoint) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(v, endpoint) for k, v in value.items()}
        ((key, arg),) = value.items()
        if key == "Ref":
            return self._ref(arg, endpoint)
        if key == "Fn::GetAtt":
            return self._get_att(arg[0], arg[1], endpoint)
        if key == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1], endpoint))
            return self._local_urls(
                re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub(m.group(1), extra, endpoint)), text)
            )
        if key == "Fn::Join":
            return str(arg[0]).join(str(v) for v in self.resolve(arg[1], endpoint))
        if key == "Fn::Select":
            return self.resolve(arg[1], endpoint)[int(self.resolve(arg[0], endpoint))]
        if key in _CONDITION_FUNCTIONS:
            return self._condition(key, arg, endpoint)
        if key == "Fn::If":
            condition = self.resolve(self._conditions()[arg[0]], endpoint)
            return self.resolve(arg[1] if condition else arg[2], endpoint)
        return {key: self.resolve(arg, endpoint)}

    def _condition(self, key: str, arg: Any, endpoint: str) -> bool:
        if key == "Condition":
            return bool(self.resolve(self._conditions()[arg], endpoint))
        if key == "Fn::Equals":
            left, right = self.resolve(arg, endpoint)
            return bool(left == right)
        values = [bool(v) for v in self.resolve(arg, endpoint)]
        return not values[0] if key == "Fn::Not" else all(values) if key == "Fn::And" else any(values)

    def _conditions(self) -> dict[str, Any]:
        return dict(self.resources.get("__conditions__", {}))

    def _ref(self, name: str, endpoint: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": self.name,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        kind = self.resources[name]["Type"]
        if kind == "AWS::SQS::Queue":
            return self.queue_url(name, endpoint)
        if kind == "AWS::ApiGatewayV2::Api":
            return self.api_id(name)
        if kind == "AWS::SecretsManager::Secret":
            return self.secret_arn(name)
        return self.physical_name(name)

    def secret_arn(self, logical_id: str) -> str:
        """A secret's ARN as Ref gives it, less the random suffix Secrets Manager adds (moto, like Secrets
        Manager, finds a secret by this partial ARN)."""
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{self.physical_name(logical_id)}"

    def api_id(self, logical_id: str) -> str:
        """API Gateway ids are short lowercase strings; the local one is derived from the name."""
        return re.sub(r"[^a-z0-9]", "", logical_id.lower())[:10]

    def _local_urls(self, text: str) -> str:
        """`https://{api}.execute-api.{region}.{suffix}` (the management endpoint) and `wss://…` (what
        clients connect to) of a WebSocket API name, locally, the local WebSocket gateway."""
        for logical_id in self.of_type("AWS::ApiGatewayV2::Api"):
            host = f"{self.api_id(logical_id)}.execute-api.{REGION}.amazonaws.com"
            http = self.ws_endpoint.replace("ws://", "http://", 1).replace("wss://", "https://", 1)
            text = text.replace(f"https://{host}", http).replace(f"wss://{host}", self.ws_endpoint)
        return text

    def _get_att(self, name: str, attribute: str, endpoint: str) -> Any:
        kind = self.resources[name]["Type"]
        physical = self.physical_name(name)
        service = {
            "AWS::SQS::Queue": "sqs",
            "AWS::DynamoDB::Table": "dynamodb",
            "AWS::S3::Bucket": "s3",
            "AWS::Events::Rule": "events",
        }.get(kind, "lambda")
        if attribute == "Arn":
            if service == "s3":
                return f"arn:aws:s3:::{physical}"
            if service == "dynamodb":
                return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{physical}"
            if service == "events":
                return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{physical}"
            return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{physical}"
        if attribute == "QueueName":
            return physical
        if attribute == "QueueUrl":
            return self.queue_url(name, endpoint)
        if attribute == "ApiEndpoint" and kind == "AWS::ApiGatewayV2::Api":
            return self.ws_endpoint
        if attribute == "ApiId":
            return self.api_id(name)
        return physical

    def _sub(self, expression: str, extra: dict[str, Any], endpoint: str) -> Any:
        if expression in extra:
            return extra[expression]
        if "." in expression and not expression.startswith("AWS::"):
            name, attribute = expression.split(".", 1)
            return self._get_att(name, attribute, endpoint)
        return self._ref(expression, endpoint)


def _references(value: Any) -> set[str]:
    """Logical ids a template value points at: Ref, GetAtt, and ${X} / ${X.Attr} inside Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(str(arg[0]))
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                if not isinstance(arg, str):
                    found |= _references(arg[1])
            else:
                found |= _references(arg)
    return found


def _functions_named(references: set[str]) -> set[str]:
    """What references may name as functions: themselves, and the function of an alias SAM generates for
    AutoPublishAlias, `<Function>Alias<name>` (locally each function has one version: its alias is itself)."""
    return references | {re.sub(r"Alias[A-Za-z0-9]+$", "", ref) for ref in references}


def _websocket_api(stack: Stack, endpoint: str) -> WebSocketApi | None:
    """The template's WebSocket API: each route's key and the function its integration invokes."""
    apis = [
        name
        for name, r in stack.of_type("AWS::ApiGatewayV2::Api").items()
        if r.get("Properties", {}).get("ProtocolType") == "WEBSOCKET"
    ]
    if not apis:
        return None
    api = apis[0]
    integrations = {
        name: next(
            iter(_functions_named(_references(r["Properties"].get("IntegrationUri"))) & set(stack.functions)), None
        )
        for name, r in stack.of_type("AWS::ApiGatewayV2::Integration").items()
        if api in _references(r["Properties"].get("ApiId"))
    }
    routes: dict[str, str] = {}
    for resource in stack.of_type("AWS::ApiGatewayV2::Route").values():
        props = resource["Properties"]
        if api not in _references(props.get("ApiId")):
            continue
        for integration in _references(props.get("Target")) & set(integrations):
            function = integrations[integration]
            if function:
                routes[str(props["RouteKey"])] = function
    stage = next(
        (
            str(stack.resolve(r["Properties"]["StageName"], endpoint))
            for r in stack.of_type("AWS::ApiGatewayV2::Stage").values()
            if api in _references(r["Properties"].get("ApiId"))
        ),
        "$default",
    )
    props = stack.resources[api].get("Properties", {})
    return WebSocketApi(
        logical_id=api,
        api_id=stack.api_id(api),
        stage=stage,
        selection_expression=str(props.get("RouteSelectionExpression", "$request.body.action")),
        routes=routes,
    )


def load_stack(
    root: Path, name: str, overrides: dict[str, str], endpoint: str, ws_endpoint: str = "ws://127.0.0.1:3001"
) -> Stack:
    document = yaml.load((root / "template.yaml").read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    parameters = {
        key: str(overrides.get(key, spec.get("Default", "")))
        for key, spec in (document.get("Parameters") or {}).items()
    }
    resources = dict(document.get("Resources") or {})
    resources["__conditions__"] = document.get("Conditions") or {}
    stack = Stack(name=name, root=root, resources=resources, parameters=parameters, ws_endpoint=ws_endpoint)
    globals_ = (document.get("Globals") or {}).get("Function", {})
    for logical_id, resource in stack.of_type("AWS::Serverless::Function").items():
        props = {**globals_, **resource.get("Properties", {})}
        env = {
            **(globals_.get("Environment", {}).get("Variables") or {}),
            **(resource.get("Properties", {}).get("Environment", {}).get("Variables") or {}),
        }
        stack.functions[logical_id] = Function(
            logical_id=logical_id,
            code_uri=root / props["CodeUri"],
            handler=props["Handler"],
            timeout=int(stack.resolve(props.get("Timeout", 3), endpoint)),
            memory=int(stack.resolve(props.get("MemorySize", 128), endpoint)),
            environment={k: "" if v is None else str(v) for k, v in stack.resolve(env, endpoint).items()},
        )
        for event_name, event in (props.get("Events") or {}).items():
            kind, event_props = event["Type"], event.get("Properties", {})
            if kind == "HttpApi":
                stack.routes.append(
                    Route(str(event_props.get("Method", "ANY")).upper(), event_props["Path"], logical_id)
                )
            elif kind == "SQS":
                queue_arn = event_props["Queue"]
                stack.queue_mappings.append(
                    QueueMapping(
                        function=logical_id,
                        queue=queue_arn["Fn::GetAtt"][0],
                        batch_size=int(event_props.get("BatchSize", 10)),
                        report_failures="ReportBatchItemFailures" in (event_props.get("FunctionResponseTypes") or []),
                        max_concurrency=int((event_props.get("ScalingConfig") or {}).get("MaximumConcurrency", 1000)),
                    )
                )
            elif kind in ("Schedule", "ScheduleV2"):
                expression = str(
                    stack.resolve(event_props.get("Schedule") or event_props.get("ScheduleExpression"), endpoint)
                )
                stack.schedules.append(Schedule(logical_id, expression, f"{logical_id}{event_name}"))
    stack.websocket = _websocket_api(stack, endpoint)
    return stack

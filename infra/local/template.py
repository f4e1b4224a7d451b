"""Reads template.yaml the way CloudFormation + SAM would, into what the local cloud needs to run it.

A YAML loader for the short-form intrinsics and a resolver for the handful of them a template like
ours uses (Ref, GetAtt, Sub, Join, If/Equals, Select). samtranslator would expand the whole SAM
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


@dataclass
class Schedule:
    function: str
    expression: str
    rule: str


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
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub(m.group(1), extra, endpoint)), text)
        if key == "Fn::Join":
            return str(arg[0]).join(str(v) for v in self.resolve(arg[1], endpoint))
        if key == "Fn::Select":
            return self.resolve(arg[1], endpoint)[int(self.resolve(arg[0], endpoint))]
        if key == "Fn::Equals":
            left, right = self.resolve(arg, endpoint)
            return left == right
        if key == "Fn::If":
            condition = self.resolve(self._conditions()[arg[0]], endpoint)
            return self.resolve(arg[1] if condition else arg[2], endpoint)
        return {key: self.resolve(arg, endpoint)}

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
        return self.physical_name(name)

    def _get_att(self, name: str, attribute: str, endpoint: str) -> Any:
        kind = self.resources[name]["Type"]
        physical = self.physical_name(name)
        service = {"AWS::SQS::Queue": "sqs", "AWS::DynamoDB::Table": "dynamodb", "AWS::S3::Bucket": "s3"}.get(
            kind, "lambda"
        )
        if attribute == "Arn":
            if service == "s3":
                return f"arn:aws:s3:::{physical}"
            if service == "dynamodb":
                return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{physical}"
            return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{physical}"
        if attribute == "QueueName":
            return physical
        if attribute == "QueueUrl":
            return self.queue_url(name, endpoint)
        return physical

    def _sub(self, expression: str, extra: dict[str, Any], endpoint: str) -> Any:
        if expression in extra:
            return extra[expression]
        if "." in expression and not expression.startswith("AWS::"):
            name, attribute = expression.split(".", 1)
            return self._get_att(name, attribute, endpoint)
        return self._ref(expression, endpoint)


def load_stack(root: Path, name: str, overrides: dict[str, str], endpoint: str) -> Stack:
    document = yaml.load((root / "template.yaml").read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    parameters = {
        key: str(overrides.get(key, spec.get("Default", "")))
        for key, spec in (document.get("Parameters") or {}).items()
    }
    resources = dict(document.get("Resources") or {})
    resources["__conditions__"] = document.get("Conditions") or {}
    stack = Stack(name=name, root=root, resources=resources, parameters=parameters)
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
                    )
                )
            elif kind in ("Schedule", "ScheduleV2"):
                expression = str(
                    stack.resolve(event_props.get("Schedule") or event_props.get("ScheduleExpression"), endpoint)
                )
                stack.schedules.append(Schedule(logical_id, expression, f"{logical_id}{event_name}"))
    return stack

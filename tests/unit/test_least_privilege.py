"""Each function's IAM policies in template.yaml allow exactly the AWS calls its code can make (aws_calls.py).

moto allows every call, so a missing permission would first show as an outage in AWS: this test is where it
shows instead. It reads the template's policies with their intrinsics resolved, then holds each function to
its list both ways: every call allowed (a missing grant fails), and every grant used by some call (a grant
broader than the calls, or a SAM policy template, fails). A third test reads the layer's code for SDK calls
that no function lists, so the list cannot quietly fall behind the code.
"""

from __future__ import annotations

import ast
import fnmatch
import itertools

import botocore.session
import pytest
from botocore import xform_name

from infra.local.template import Stack, load_stack
from tests.harness import ROOT
from tests.unit.aws_calls import CALLS, NOT_SDK_CALLS, OPERATOR_CALLS, Call

LAYER = ROOT / "layers" / "shared" / "researcher_pro"
SERVICES = ("dynamodb", "sqs", "s3", "secretsmanager", "apigatewaymanagementapi", "cloudformation")
TRANSACTION_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
SAMPLE_KEY = "t/sample"  # an object's key under a prefix


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_stack(ROOT, "researcher-pro-local", {}, "http://127.0.0.1:1")


def arn(stack: Stack, resource: str) -> str:
    """A concrete ARN of what `resource` (as aws_calls names it) stands for."""
    if resource == "WebSocketApi":
        api = stack.api_id(resource)
        stage = stack.parameters["Stage"]
        return f"arn:aws:execute-api:us-east-1:123456789012:{api}/{stage}/POST/@connections/sample"
    logical_id, _, rest = resource.partition("/")
    kind = stack.resources[logical_id]["Type"]
    if kind == "AWS::SecretsManager::Secret":
        return str(stack.resolve({"Ref": logical_id}, ""))
    base = str(stack.resolve({"Fn::GetAtt": [logical_id, "Arn"]}, ""))
    if kind == "AWS::S3::Bucket":
        return f"{base}/{rest}{SAMPLE_KEY}"
    return f"{base}/{rest}" if rest else base


def bucket_arn(stack: Stack, resource: str) -> str:
    return str(stack.resolve({"Fn::GetAtt": [resource.partition("/")[0], "Arn"]}, ""))


def iam_needs(stack: Stack, call: Call) -> list[tuple[str, str]]:
    """(action, ARN) pairs that IAM must allow for `call`."""
    service, operation = call.operation.split(":")
    where = arn(stack, call.resource)
    if service == "apigatewaymanagementapi":
        return [("execute-api:ManageConnections", where)]
    if operation == "TransactWriteItems":
        return [(f"dynamodb:{TRANSACTION_ITEMS[item]}", where) for item in call.items]
    # HEAD is authorised as a read of the object; there is no action of its own.
    needs = [("s3:GetObject" if call.operation == "s3:HeadObject" else call.operation, where)]
    if call.missing_is_an_answer:
        needs.append(("s3:ListBucket", bucket_arn(stack, call.resource)))
    return needs


def needed(stack: Stack, function: str) -> set[tuple[str, str]]:
    return {need for call in CALLS[function] for need in iam_needs(stack, call)}


def grants(stack: Stack, function: str) -> list[tuple[str, str]]:
    """(action, resource pattern) for every Allow of the function's policies, intrinsics resolved."""
    found: list[tuple[str, str]] = []
    for policy in stack.resources[function]["Properties"].get("Policies") or []:
        if isinstance(policy, dict) and set(policy) == {"Ref"}:
            managed = stack.resources[policy["Ref"]]
            assert managed["Type"] == "AWS::IAM::ManagedPolicy", f"{function}: {policy} is not a policy of this stack"
            statements = managed["Properties"]["PolicyDocument"]["Statement"]
        else:
            assert isinstance(policy, dict) and set(policy) == {"Statement"}, (
                f"{function}: {policy!r} is a SAM policy template or an AWS managed policy; write the statements "
                "it needs (templates grant more than a function uses)"
            )
            statements = policy["Statement"]
        for statement in stack.resolve(statements, ""):
            assert statement["Effect"] == "Allow" and "Condition" not in statement, statement
            actions, resources = statement["Action"], statement["Resource"]
            for action, resource in itertools.product(
                actions if isinstance(actions, list) else [actions],
                resources if isinstance(resources, list) else [resources],
            ):
                found.append((str(action), str(resource)))
    return found


def allows(granted: list[tuple[str, str]], action: str, resource: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), pattern_action.lower()) and fnmatch.fnmatchcase(resource, pattern)
        for pattern_action, pattern in granted
    )


def test_every_function_is_listed(stack: Stack) -> None:
    assert set(CALLS) == set(stack.functions), "aws_calls.CALLS must list every function of template.yaml"


@pytest.mark.parametrize("function", sorted(CALLS))
def test_every_call_a_function_makes_is_allowed(stack: Stack, function: str) -> None:
    granted = grants(stack, function)
    missing = sorted(
        f"{action} on {resource}"
        for action, resource in needed(stack, function)
        if not allows(granted, action, resource)
    )
    assert not missing, f"{function} would be refused in AWS: " + "; ".join(missing)


@pytest.mark.parametrize("function", sorted(CALLS))
def test_a_function_is_granted_nothing_it_does_not_call(stack: Stack, function: str) -> None:
    needs = needed(stack, function)
    # Every resource any function reaches, and the rest of the template's tables, indexes, queues and secrets:
    # a grant must not match one of these for an action this function does not make there.
    universe = {resource for name in CALLS for _, resource in needed(stack, name)} | _template_resources(stack)
    for action, pattern in grants(stack, function):
        assert "*" not in action and pattern != "*", f"{function}: {action} on {pattern} is a wildcard grant"
        matched = {resource for resource in universe if fnmatch.fnmatchcase(resource, pattern)}
        assert matched, f"{function}: {action} on {pattern} matches nothing the stack has"
        unused = sorted(resource for resource in matched if (action, resource) not in needs)
        assert not unused, f"{function} is granted {action} on {', '.join(unused)}, which its code never does"


def _template_resources(stack: Stack) -> set[str]:
    found = {arn(stack, "WebSocketApi")}
    for logical_id, resource in stack.resources.items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind in ("AWS::SQS::Queue", "AWS::SecretsManager::Secret", "AWS::DynamoDB::Table"):
            found.add(arn(stack, logical_id))
        if kind == "AWS::DynamoDB::Table":
            for index in resource["Properties"].get("GlobalSecondaryIndexes") or []:
                found.add(arn(stack, f"{logical_id}/index/{index['IndexName']}"))
        if kind == "AWS::S3::Bucket":
            found.add(bucket_arn(stack, logical_id))
            found.add(arn(stack, f"{logical_id}/"))  # an object outside every prefix we use
    return found


def sdk_calls_in_code() -> dict[str, tuple[set[str], set[str]]]:
    """Each SDK method the layer's code calls (`x.put_item(...)`): the operations it may be (a name several
    services share, like delete_object, is each of theirs) and the modules that call it. A presigned URL or
    form counts as the call it signs: whoever uses it makes that call with the signer's permissions."""
    session = botocore.session.get_session()
    operations: dict[str, set[str]] = {}
    for service in SERVICES:
        for name in session.get_service_model(service).operation_names:
            operations.setdefault(xform_name(name), set()).add(f"{service}:{name}")
    found: dict[str, tuple[set[str], set[str]]] = {}
    for path in LAYER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            if method == "generate_presigned_url" and node.args and isinstance(node.args[0], ast.Constant):
                method = str(node.args[0].value)
            elif method == "generate_presigned_post":
                method = "put_object"
            if method in operations:
                found.setdefault(method, (operations[method], set()))[1].add(str(path.relative_to(LAYER)))
    return found


def test_every_sdk_call_in_the_code_is_listed_for_some_function() -> None:
    listed = {call.operation for calls in CALLS.values() for call in calls} | OPERATOR_CALLS
    found = sdk_calls_in_code()
    # The scan sees the repositories' calls.
    assert {"transact_write_items", "send_message", "post_to_connection", "put_object", "head_object"} <= set(found)
    unlisted = {
        method: sorted(strays)
        for method, (candidates, modules) in found.items()
        if not candidates & listed
        and (strays := modules - {module for name, module in NOT_SDK_CALLS if name == method})
    }
    assert not unlisted, f"SDK calls that no function in tests/unit/aws_calls.py lists: {unlisted}"


def test_a_call_the_template_does_not_allow_is_caught(stack: Stack) -> None:
    """The check itself: a call without its grant is reported, whatever else the function may do."""
    granted = grants(stack, "UsageApiFunction")
    assert allows(granted, "dynamodb:Query", arn(stack, "DataTable"))
    assert not allows(granted, "dynamodb:PutItem", arn(stack, "DataTable"))
    assert not allows(grants(stack, "ReportsApiFunction"), "s3:GetObject", arn(stack, "ArtifactsBucket/documents/"))
    # A form the documents API signs puts a file under uploads/, and nowhere else.
    documents = grants(stack, "DocumentsApiFunction")
    assert allows(documents, "s3:PutObject", arn(stack, "ArtifactsBucket/uploads/"))
    assert not allows(documents, "s3:PutObject", arn(stack, "ArtifactsBucket/reports/"))

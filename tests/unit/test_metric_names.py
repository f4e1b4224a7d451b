"""Every metric of our own namespace that template.yaml's dashboard or alarms name is one the code emits, and
every dead-letter queue has an alarm on its depth, a place on the dashboard and an `rp-admin redrive`.

A widget or an alarm on a metric nobody emits shows nothing and never fires, and nothing else would say so.
The names live in core/metric_names.py; the code emits them through `metrics.add_metric(name=...)` or
`metric_by(...)`, which this test reads from the code itself.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from researcher_pro import admin
from researcher_pro.core import metric_names

from infra.local.template import Stack, load_stack
from tests.harness import ROOT

LAYER = ROOT / "layers" / "shared" / "researcher_pro"
EMITTERS = {"add_metric", "metric_by"}


def names_the_code_emits() -> set[str]:
    """Names passed to an emitting call as `metric_names.NAME`, or built by `metric_names.task_ended`."""
    emitted: set[str] = set()
    for path in LAYER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and _called(node) in EMITTERS):
                continue
            for part in ast.walk(node):
                if isinstance(part, ast.Attribute) and _is_names_module(part.value):
                    if part.attr == "task_ended":
                        emitted |= {
                            metric_names.task_ended(prefix, status)
                            for prefix in metric_names.TASK_PREFIXES
                            for status in metric_names.TASK_ENDINGS
                        }
                    elif part.attr.isupper():
                        emitted.add(getattr(metric_names, part.attr))
    return emitted


def _called(node: ast.Call) -> str:
    function = node.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def _is_names_module(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "metric_names"


def names_the_template_uses(stack: Stack) -> dict[str, set[str]]:
    """Our namespace's metric names, by the alarm or dashboard widget that names them."""
    used: dict[str, set[str]] = {}
    for logical_id, resource in stack.of_type("AWS::CloudWatch::Alarm").items():
        props = resource["Properties"]
        metrics = [props, *(m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m)]
        for metric in metrics:
            if metric.get("Namespace") == metric_names.NAMESPACE:
                used.setdefault(metric["MetricName"], set()).add(logical_id)
    for logical_id, resource in stack.of_type("AWS::CloudWatch::Dashboard").items():
        body = json.loads(stack.resolve(resource["Properties"]["DashboardBody"], ""))
        for widget in body["widgets"]:
            where = f"{logical_id}: {widget['properties'].get('title', widget['type'])}"
            for name in _widget_names(widget["properties"].get("metrics", [])):
                used.setdefault(name, set()).add(where)
    return used


def _widget_names(rows: list[list[Any]]) -> set[str]:
    names: set[str] = set()
    for row in rows:
        if row and row[0] == metric_names.NAMESPACE:
            names.add(row[1])
        for part in row:
            expression = part.get("expression", "") if isinstance(part, dict) else ""
            if "{" + metric_names.NAMESPACE in expression:
                names |= set(re.findall(r'MetricName="([^"]+)"', expression))
    return names


def test_every_metric_the_template_names_is_emitted() -> None:
    used = names_the_template_uses(_stack())
    # The reading works: the alarms and the dashboard name metrics of ours.
    assert {
        metric_names.COST_USD,
        metric_names.PROVIDER_ERRORS,
        metric_names.TASK_FAILURES,
        metric_names.WEBHOOK_ENDPOINTS_DISABLED,
    } <= set(used)
    emitted = names_the_code_emits()
    missing = {name: sorted(where) for name, where in used.items() if name not in emitted}
    assert not missing, f"the template names metrics the code never emits: {missing}"


def test_the_code_is_read_for_what_it_emits() -> None:
    emitted = names_the_code_emits()
    assert {metric_names.RUNS_STARTED, metric_names.RUNS_FAILED, metric_names.STEP_DURATION} <= emitted
    assert {metric_names.PUSHES, metric_names.WEBHOOK_DELIVERIES, metric_names.WEBHOOK_DELIVERY_FAILURES} <= emitted


def test_every_dead_letter_queue_is_alarmed_on_shown_and_redriven() -> None:
    """A message in a dead-letter queue is work that stopped: someone must hear of it and be able to move it
    back. Each queue another queue's redrive policy names has an alarm on its depth (notifying the alert
    topic), a line on the dashboard, and an `rp-admin redrive --queue` name."""
    stack = _stack()
    dead_letter_queues = {
        queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for queue in stack.of_type("AWS::SQS::Queue").values()
        if "RedrivePolicy" in queue.get("Properties", {})
    }
    assert {"TasksDeadLetterQueue", "WebhookDeliveriesDeadLetterQueue"} <= dead_letter_queues
    alarmed = {
        props["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for props in (alarm["Properties"] for alarm in stack.of_type("AWS::CloudWatch::Alarm").values())
        if props.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and props.get("AlarmActions") == [{"Ref": "AlertTopic"}]
    }
    assert dead_letter_queues <= alarmed, f"no alarm on the depth of {sorted(dead_letter_queues - alarmed)}"
    (dashboard,) = stack.of_type("AWS::CloudWatch::Dashboard").values()
    shown = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    unshown = sorted(q for q in dead_letter_queues if "${" + q + ".QueueName}" not in shown)
    assert not unshown, f"not on the dashboard: {unshown}"
    assert set(admin.DEAD_LETTER_QUEUES.values()) == dead_letter_queues


def _stack() -> Stack:
    return load_stack(ROOT, "researcher-pro-local", {}, "http://127.0.0.1:1")

from __future__ import annotations

from infra.local.http_gateway import CompiledRoute
from infra.local.template import Route, load_stack
from tests.harness import ROOT


def test_the_template_is_read_as_cloudformation_would() -> None:
    stack = load_stack(ROOT, "s", {"WorkerTimeoutSeconds": "42"}, "http://aws")
    worker = stack.functions["TaskWorkerFunction"]
    assert worker.timeout == 42 and worker.memory == 1024
    assert worker.environment["RP_DATA_TABLE"] == "s-DataTable"
    assert worker.environment["RP_TASKS_QUEUE_URL"] == "http://aws/123456789012/s-TasksQueue"
    assert stack.functions["HealthApiFunction"].timeout == 29  # from Globals
    (mapping,) = stack.queue_mappings
    assert (
        mapping.function,
        mapping.queue,
        mapping.batch_size,
        mapping.report_failures,
        mapping.max_concurrency,
    ) == ("TaskWorkerFunction", "TasksQueue", 1, True, 10)
    assert {(s.function, s.expression) for s in stack.schedules} == {
        ("TaskSweeperFunction", "rate(5 minutes)"),
        ("RefreshSchedulerFunction", "rate(1 minute)"),
        ("ConnectionSweeperFunction", "rate(15 minutes)"),
    }
    assert ("GET", "/v1/health", "HealthApiFunction") in {(r.method, r.path, r.function) for r in stack.routes}


def test_the_most_specific_route_wins() -> None:
    routes = sorted(
        (
            CompiledRoute(Route(m, p, f))
            for m, p, f in [
                ("ANY", "/v1/research/{proxy+}", "greedy"),
                ("GET", "/v1/research/{id}", "param"),
                ("ANY", "/v1/research", "collection"),
                ("GET", "/v1/research/special", "literal"),
            ]
        ),
        key=lambda r: r.rank,
    )

    def route(method: str, path: str) -> str | None:
        return next((r.route.function for r in routes if r.match(method, path) is not None), None)

    assert route("GET", "/v1/research/special") == "literal"
    assert route("GET", "/v1/research/abc") == "param"
    assert route("POST", "/v1/research/abc/cancel") == "greedy"
    assert route("POST", "/v1/research") == "collection"
    assert route("GET", "/v2/other") is None

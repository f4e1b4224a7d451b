from __future__ import annotations

import json

from infra.local.http_gateway import CompiledRoute
from infra.local.provision import generated_secret
from infra.local.template import Route, load_stack
from tests.harness import ROOT


def test_the_template_is_read_as_cloudformation_would() -> None:
    stack = load_stack(ROOT, "s", {"WorkerTimeoutSeconds": "42"}, "http://aws")
    worker = stack.functions["TaskWorkerFunction"]
    assert worker.timeout == 42 and worker.memory == 1024
    assert worker.environment["RP_DATA_TABLE"] == "s-DataTable"
    assert worker.environment["RP_TASKS_QUEUE_URL"] == "http://aws/123456789012/s-TasksQueue"
    assert stack.functions["HealthApiFunction"].timeout == 29  # from Globals
    assert {
        (m.function, m.queue, m.batch_size, m.report_failures, m.max_concurrency) for m in stack.queue_mappings
    } == {
        ("TaskWorkerFunction", "TasksQueue", 1, True, 10),
        ("WebhookDeliveryFunction", "WebhookDeliveriesQueue", 1, True, 10),
    }
    assert worker.environment["RP_WEBHOOK_QUEUE_URL"] == "http://aws/123456789012/s-WebhookDeliveriesQueue"
    assert {(s.function, s.expression) for s in stack.schedules} == {
        ("TaskSweeperFunction", "rate(5 minutes)"),
        ("RefreshSchedulerFunction", "rate(1 minute)"),
        ("ConnectionSweeperFunction", "rate(15 minutes)"),
        ("WebhookSweeperFunction", "rate(1 minute)"),
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


def test_provider_keys_go_into_a_secret_and_into_no_functions_environment() -> None:
    keys = {"OpenAIApiKey": "sk-local-secret", "PerplexityApiKey": "pplx-local-secret"}
    stack = load_stack(ROOT, "s", keys, "http://aws")
    secret = stack.resolve(stack.resources["ProviderKeysSecret"]["Properties"], "http://aws")
    assert json.loads(secret["SecretString"]) == {
        "openai_api_key": "sk-local-secret",
        "perplexity_api_key": "pplx-local-secret",
    }
    for name, function in stack.functions.items():
        assert not any(key in value for key in keys.values() for value in function.environment.values()), name
        assert (
            function.environment["RP_OPENAI_CONFIGURED"] == function.environment["RP_PERPLEXITY_CONFIGURED"] == "true"
        )
        # Only the worker is told where the keys are; only the API functions that list where the cursor key is.
        assert ("RP_PROVIDER_KEYS_SECRET_ARN" in function.environment) == (name == "TaskWorkerFunction"), name
    worker = stack.functions["TaskWorkerFunction"].environment
    assert (
        worker["RP_PROVIDER_KEYS_SECRET_ARN"]
        == "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-ProviderKeysSecret"
    )
    listing = {name for name, f in stack.functions.items() if "RP_CURSOR_SECRET_ARN" in f.environment}
    assert listing == {
        "ResearchApiFunction",
        "AnalysisApiFunction",
        "ReportsApiFunction",
        "DocumentsApiFunction",
        "TemplatesApiFunction",
        "WatchesApiFunction",
        "WebhooksApiFunction",
    }
    offline = load_stack(ROOT, "s", {}, "http://aws").functions["HealthApiFunction"].environment
    assert offline["RP_OPENAI_CONFIGURED"] == offline["RP_PERPLEXITY_CONFIGURED"] == "false"


def test_the_template_gives_no_function_a_provider_key_and_lets_only_readers_read_secrets() -> None:
    template = (ROOT / "template.yaml").read_text()
    assert "OPENAI_API_KEY" not in template and "PERPLEXITY_API_KEY" not in template
    stack = load_stack(ROOT, "s", {}, "http://aws")
    readers: dict[str, set[str]] = {}
    for name, resource in stack.of_type("AWS::Serverless::Function").items():
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                if "secretsmanager:GetSecretValue" in statement["Action"]:
                    readers.setdefault(statement["Resource"]["Ref"], set()).add(name)
    assert readers["ProviderKeysSecret"] == {"TaskWorkerFunction"}
    assert readers["CursorSigningSecret"] == {
        name for name, f in stack.functions.items() if "RP_CURSOR_SECRET_ARN" in f.environment
    }


def test_generated_secrets_follow_their_template() -> None:
    plain = generated_secret({"PasswordLength": 64, "ExcludePunctuation": True})
    assert len(plain) == 64 and plain.isalnum()
    assert generated_secret({}) != generated_secret({})
    inside = json.loads(
        generated_secret(
            {"SecretStringTemplate": '{"user": "rp"}', "GenerateStringKey": "password", "ExcludeNumbers": True}
        )
    )
    assert inside["user"] == "rp" and len(inside["password"]) == 32 and not any(c.isdigit() for c in inside["password"])

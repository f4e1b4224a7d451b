"""Templates over HTTP on the local cloud: CRUD, versions, built-ins, tenants, variables, injection, research."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.fakes.openai_server import NEVER_RETRIEVED, FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.harness import Cloud

pytestmark = pytest.mark.e2e

BUILTIN_IDS = {
    "builtin-market-overview",
    "builtin-competitor-profile",
    "builtin-literature-review",
    "builtin-technology-brief",
    "builtin-due-diligence-checklist",
}

SUPPLIER = {
    "name": "Supplier check",
    "description": "What a buyer should know about a supplier",
    "variables": {
        "supplier": {"type": "string", "required": True, "description": "Supplier name"},
        "country": {"type": "string", "default": "Germany"},
        "years": {"type": "number", "default": 3},
        "risk": {"type": "enum", "values": ["low", "high"], "default": "low"},
        "topics": {"type": "list", "default": ["ownership"]},
    },
    "prompt": (
        "Research the supplier {{ supplier }} in {{ country }} over the last {{ years }} years, "
        "covering {{ topics|join(', ') }}.{% if risk == 'high' %} Look hard for red flags.{% endif %}"
    ),
    "sections": [
        {"title": "Ownership of {{ supplier }}", "instructions": "Who owns {{ supplier }}."},
        {"title": "Heat pumps", "instructions": "What {{ supplier }} says about heat pumps and cold climates."},
    ],
}


def tenant(cloud: Cloud, name: str) -> httpx.Client:
    return cloud.client(cloud.create_key(f"{name}-{uuid.uuid4().hex[:6]}"))


@pytest.fixture(scope="module")
def checker(offline_cloud: Cloud) -> httpx.Client:
    """A tenant for the many refusal cases (issuing a key per case would cost seconds each); it never starts
    research, so its research list must stay empty."""
    return tenant(offline_cloud, "checker")


@pytest.fixture(scope="module")
def supplier_template(checker: httpx.Client) -> dict[str, Any]:
    created = checker.post("/v1/templates", json=SUPPLIER)
    assert created.status_code == 201, created.text
    return dict(created.json())


def own_names(http: httpx.Client) -> set[str]:
    return {t["name"] for t in http.get("/v1/templates", params={"limit": 100}).json()["items"] if not t["builtin"]}


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return {e["field"] for e in response.json().get("errors", [])}


# --- CRUD, versions, built-ins, tenants ------------------------------------------------------------------
def test_a_template_is_created_read_versioned_and_deleted(offline_cloud: Cloud) -> None:
    http = tenant(offline_cloud, "crud")
    created = http.post("/v1/templates", json=SUPPLIER)
    assert created.status_code == 201, created.text
    template = created.json()
    assert template["id"].startswith("tpl_") and template["version"] == 1 and template["builtin"] is False
    assert template["variables"]["risk"]["values"] == ["low", "high"]
    assert http.get(f"/v1/templates/{template['id']}").json() == template

    changed = {**SUPPLIER, "prompt": "Who supplies {{ supplier }}?", "name": "Supplier check v2"}
    second = http.put(f"/v1/templates/{template['id']}", json=changed)
    assert second.status_code == 200, second.text
    assert second.json()["version"] == 2 and second.json()["created_at"] == template["created_at"]
    assert http.get(f"/v1/templates/{template['id']}").json()["prompt"] == "Who supplies {{ supplier }}?"
    # Version 1 is still there, unchanged.
    first = http.get(f"/v1/templates/{template['id']}", params={"version": 1}).json()
    assert first["prompt"] == SUPPLIER["prompt"] and first["version"] == 1
    assert http.get(f"/v1/templates/{template['id']}", params={"version": 3}).status_code == 404

    http.put(f"/v1/templates/{template['id']}", json={**changed, "name": "Supplier check v3"})
    versions = http.get(f"/v1/templates/{template['id']}/versions", params={"limit": 2}).json()
    assert [v["version"] for v in versions["items"]] == [3, 2] and versions["next_cursor"]
    rest = http.get(
        f"/v1/templates/{template['id']}/versions", params={"limit": 2, "cursor": versions["next_cursor"]}
    ).json()
    assert [v["name"] for v in rest["items"]] == ["Supplier check"] and rest["next_cursor"] is None

    assert http.delete(f"/v1/templates/{template['id']}").status_code == 204
    for path in (f"/v1/templates/{template['id']}", f"/v1/templates/{template['id']}/versions"):
        assert http.get(path).status_code == 404
    assert http.get(f"/v1/templates/{template['id']}", params={"version": 1}).status_code == 404
    assert http.put(f"/v1/templates/{template['id']}", json=SUPPLIER).status_code == 404
    assert http.delete(f"/v1/templates/{template['id']}").status_code == 404


def test_the_list_walks_builtins_then_own_templates_newest_first(offline_cloud: Cloud) -> None:
    http = tenant(offline_cloud, "lister")
    own = [http.post("/v1/templates", json={**SUPPLIER, "name": f"Own {i}"}).json()["id"] for i in range(3)]
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = http.get("/v1/templates", params=params).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    builtins = [t for t in seen if t["builtin"]]
    assert {t["id"] for t in builtins} >= BUILTIN_IDS
    assert seen[: len(builtins)] == builtins  # built-ins first, by name
    assert [t["name"] for t in builtins] == sorted(t["name"] for t in builtins)
    assert [t["id"] for t in seen[len(builtins) :]] == list(reversed(own))  # then own, newest first
    assert len({t["id"] for t in seen}) == len(seen)
    # A page boundary exactly at the end of the built-ins, with no own templates after it.
    empty = tenant(offline_cloud, "empty-lister")
    page = empty.get("/v1/templates", params={"limit": len(builtins)}).json()
    assert len(page["items"]) == len(builtins) and page["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJidWlsdGluIjogOTk5fQ", "eyJidWlsdGluIjogMH0"])
def test_a_template_cursor_we_did_not_issue_is_422(offline_cloud: Cloud, cursor: str) -> None:
    response = offline_cloud.http.get("/v1/templates", params={"cursor": cursor})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


def test_builtins_are_visible_to_every_tenant_and_read_only(offline_cloud: Cloud) -> None:
    for http in (tenant(offline_cloud, "reader-a"), tenant(offline_cloud, "reader-b")):
        for template_id in BUILTIN_IDS:
            template = http.get(f"/v1/templates/{template_id}").json()
            assert template["builtin"] is True and template["sections"] and template["version"] >= 1
            for response in (
                http.put(f"/v1/templates/{template_id}", json=SUPPLIER),
                http.delete(f"/v1/templates/{template_id}"),
            ):
                assert response.status_code == 403, response.text
                assert response.headers["content-type"] == "application/problem+json"
                assert "read-only" in response.json()["detail"]
            versions = http.get(f"/v1/templates/{template_id}/versions").json()["items"]
            assert [v["version"] for v in versions] == [template["version"]]
    assert offline_cloud.http.get("/v1/templates/builtin-no-such-thing").status_code == 404
    assert offline_cloud.http.delete("/v1/templates/builtin-no-such-thing").status_code == 404


def test_another_tenants_template_does_not_exist(offline_cloud: Cloud) -> None:
    alice, mallory = tenant(offline_cloud, "tpl-alice"), tenant(offline_cloud, "tpl-mallory")
    template = alice.post("/v1/templates", json=SUPPLIER).json()
    attempts = [
        mallory.get(f"/v1/templates/{template['id']}"),
        mallory.get(f"/v1/templates/{template['id']}/versions"),
        mallory.put(f"/v1/templates/{template['id']}", json=SUPPLIER),
        mallory.delete(f"/v1/templates/{template['id']}"),
        mallory.post(f"/v1/templates/{template['id']}/render", json={"variables": {"supplier": "x"}}),
    ]
    assert [r.status_code for r in attempts] == [404] * 5
    assert template["id"] not in {t["id"] for t in mallory.get("/v1/templates", params={"limit": 100}).json()["items"]}
    research = mallory.post("/v1/research", json={"template_id": template["id"], "variables": {"supplier": "x"}})
    assert research.status_code == 422 and problem_fields(research) == {"body.template_id"}
    # Alice's template is untouched.
    assert alice.get(f"/v1/templates/{template['id']}").json()["version"] == 1


BAD_TEMPLATES: list[tuple[str, dict[str, Any], str]] = [
    ("no name", {k: v for k, v in SUPPLIER.items() if k != "name"}, "body.name"),
    ("no prompt", {k: v for k, v in SUPPLIER.items() if k != "prompt"}, "body.prompt"),
    ("prompt too long", {**SUPPLIER, "prompt": "x" * 10_001}, "body.prompt"),
    ("unknown field", {**SUPPLIER, "colour": "blue"}, "body.colour"),
    (
        "bad variable type",
        {**SUPPLIER, "variables": {"a": {"type": "date", "required": True}}},
        "body.variables.a.type",
    ),
    ("enum without values", {**SUPPLIER, "variables": {"a": {"type": "enum", "required": True}}}, "body.variables.a"),
    (
        "default of the wrong type",
        {**SUPPLIER, "variables": {"a": {"type": "number", "default": "3"}}},
        "body.variables.a",
    ),
    ("neither required nor default", {**SUPPLIER, "variables": {"a": {"type": "string"}}}, "body.variables.a"),
    (
        "bad variable name",
        {**SUPPLIER, "variables": {"__class__": {"type": "string", "default": ""}}},
        "body.variables",
    ),
    ("too many sections", {**SUPPLIER, "sections": [{"title": f"s{i}"} for i in range(21)]}, "body.sections"),
    ("syntax error", {**SUPPLIER, "prompt": "{{ supplier "}, "body.prompt"),
    ("undeclared in prompt", {**SUPPLIER, "prompt": "{{ supplier }} {{ ceo }} {{ city }}"}, "body.prompt"),
    (
        "undeclared in a section",
        {**SUPPLIER, "sections": [{"title": "A", "instructions": "{{ ceo }}"}]},
        "body.sections.0.instructions",
    ),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_TEMPLATES, ids=[c[0] for c in BAD_TEMPLATES])
def test_bad_templates_are_422_naming_the_field_and_not_stored(
    checker: httpx.Client, case: str, body: dict[str, Any], field: str
) -> None:
    name = f"bad {case}"
    response = checker.post("/v1/templates", json={**body, "name": name} if "name" in body else body)
    assert response.status_code == 422, response.text
    assert any(f == field or f.startswith(f"{field}.") for f in problem_fields(response)), response.json()
    assert name not in own_names(checker)


def test_undeclared_variables_are_named(checker: httpx.Client) -> None:
    response = checker.post("/v1/templates", json={**SUPPLIER, "prompt": "{{ supplier }} {{ ceo }} {{ city }}"})
    assert response.status_code == 422
    assert "undeclared variables: ceo, city" in response.json()["detail"]


# --- rendering and variables ----------------------------------------------------------------------------
def test_render_fills_variables_and_defaults(offline_cloud: Cloud) -> None:
    http = tenant(offline_cloud, "renderer")
    template = http.post("/v1/templates", json=SUPPLIER).json()
    rendered = http.post(
        f"/v1/templates/{template['id']}/render",
        json={
            "variables": {"supplier": "Acme GmbH", "risk": "high", "topics": ["ownership", "disputes"], "years": 2.5}
        },
    )
    assert rendered.status_code == 200, rendered.text
    assert rendered.json() == {
        "template_id": template["id"],
        "version": 1,
        "prompt": "Research the supplier Acme GmbH in Germany over the last 2.5 years, covering ownership, disputes. "
        "Look hard for red flags.",
        "sections": [
            {"title": "Ownership of Acme GmbH", "instructions": "Who owns Acme GmbH."},
            {"title": "Heat pumps", "instructions": "What Acme GmbH says about heat pumps and cold climates."},
        ],
    }
    defaults = http.post(f"/v1/templates/{template['id']}/render", json={"variables": {"supplier": "B"}}).json()
    assert defaults["prompt"].startswith(
        "Research the supplier B in Germany over the last 3 years, covering ownership."
    )


BAD_VARIABLES: list[tuple[str, dict[str, Any], str]] = [
    ("missing required", {}, "body.variables.supplier"),
    ("string as a number", {"supplier": "a", "years": "3"}, "body.variables.years"),
    ("boolean as a number", {"supplier": "a", "years": True}, "body.variables.years"),
    ("number as a string", {"supplier": 42}, "body.variables.supplier"),
    ("list as a string", {"supplier": ["a"]}, "body.variables.supplier"),
    ("enum value not allowed", {"supplier": "a", "risk": "medium"}, "body.variables.risk"),
    ("list of numbers", {"supplier": "a", "topics": [1, 2]}, "body.variables.topics"),
    ("list too long", {"supplier": "a", "topics": ["t"] * 51}, "body.variables.topics"),
    ("string too long", {"supplier": "a" * 2001}, "body.variables.supplier"),
    ("null value", {"supplier": None}, "body.variables.supplier"),
    ("unknown variable", {"supplier": "a", "ceo": "b"}, "body.variables.ceo"),
    ("object value", {"supplier": {"__class__": "x"}}, "body.variables.supplier"),
]


@pytest.mark.parametrize(("case", "variables", "field"), BAD_VARIABLES, ids=[c[0] for c in BAD_VARIABLES])
def test_missing_mistyped_or_unknown_variables_are_422_naming_them(
    checker: httpx.Client, supplier_template: dict[str, Any], case: str, variables: dict[str, Any], field: str
) -> None:
    template_id = supplier_template["id"]
    rendered = checker.post(f"/v1/templates/{template_id}/render", json={"variables": variables})
    assert rendered.status_code == 422, rendered.text
    assert field in problem_fields(rendered) and field in rendered.json()["detail"]
    # The same variables on a research are refused the same way, and nothing is started.
    research = checker.post("/v1/research", json={"template_id": template_id, "variables": variables})
    assert research.status_code == 422 and field in problem_fields(research)
    assert checker.get("/v1/research").json()["items"] == []


def test_a_rendering_larger_than_the_limit_is_422(checker: httpx.Client) -> None:
    http = checker
    body = {
        **SUPPLIER,
        "variables": {"items": {"type": "list", "required": True}},
        "prompt": "{% for a in items %}{% for b in items %}{{ a }}{{ b }}{% endfor %}{% endfor %}",
        "sections": [],
    }
    template = http.post("/v1/templates", json=body).json()
    small = http.post(f"/v1/templates/{template['id']}/render", json={"variables": {"items": ["ab", "cd"]}})
    assert small.json()["prompt"] == "abab" + "abcd" + "cdab" + "cdcd"
    huge = http.post(f"/v1/templates/{template['id']}/render", json={"variables": {"items": ["x" * 400] * 50}})
    assert huge.status_code == 422 and "longer than 20000 characters" in huge.json()["detail"]


# --- server-side template injection ---------------------------------------------------------------------
SSTI_PAYLOADS = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ config }}",
    "{{ config.items() }}",
    "{{ self }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ lipsum() }}",
    "{{ request.application.__globals__.__builtins__ }}",
    "{{ range(10) }}",
    "{% for x in range(10**9) %}{{ x }}{% endfor %}",
    "{% for x in supplier %}{% for y in supplier %}{% endfor %}{% endfor %}",
    "{{ supplier|attr('__class__') }}",
    "{{ supplier|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ '%s'|format(supplier) }}",
    "{{ '{0.__class__}'.format(supplier) }}",
    "{{ supplier['__class__'] }}",
    "{{ supplier.upper() }}",
    "{{ supplier|map(attribute='__class__')|list }}",
    "{{ [].__class__.__base__.__subclasses__() }}",
    "{% set x = supplier.__class__ %}{{ x }}",
    "{% with x = 1 %}{{ x }}{% endwith %}",
    "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% extends 'base.html' %}",
    "{{ {'a': supplier} }}",
    "{{ 9**9**9**9 }}",
    "{{ 'a' * 10**9 }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ supplier|join(supplier)|join(supplier)|join(supplier) }}",
]


@pytest.mark.parametrize("payload", SSTI_PAYLOADS)
def test_template_injection_is_refused_or_inert(checker: httpx.Client, payload: str) -> None:
    """Each payload is refused at create (422), or the template renders without reaching Python objects or
    running away (a 422 at render is also a refusal). Never a 5xx, never an object's repr in the output."""
    http = checker
    name = f"ssti {uuid.uuid4().hex}"
    body = {**SUPPLIER, "name": name, "prompt": f"Research {{{{ supplier }}}}. {payload}", "sections": []}
    created = http.post("/v1/templates", json=body)
    assert created.status_code in (201, 422), created.text
    if created.status_code == 422:
        assert created.headers["content-type"] == "application/problem+json"
        assert name not in own_names(http)
        return
    rendered = http.post(f"/v1/templates/{created.json()['id']}/render", json={"variables": {"supplier": "Acme"}})
    assert rendered.status_code in (200, 422), rendered.text
    if rendered.status_code == 200:
        prompt = rendered.json()["prompt"]
        assert not re.search(r"<class|<module|<function|<built-in|object at 0x|Template|__", prompt), prompt
        assert len(prompt) <= 20_000


@pytest.mark.parametrize("value", ["{{ 7*7 }}", "{% for x in range(9) %}x{% endfor %}", "{{ config }}"])
def test_template_syntax_in_variable_values_stays_text(offline_cloud: Cloud, value: str) -> None:
    rendered = offline_cloud.http.post(
        "/v1/templates/builtin-market-overview/render", json={"variables": {"market": value}}
    )
    assert rendered.status_code == 200
    assert f"Research the {value} market (worldwide)" in rendered.json()["prompt"]


# --- research with a template ---------------------------------------------------------------------------
HEAT_PUMPS = (
    "Acme GmbH is owned by the Schmidt family and was founded in Munich in 1990.\n\n"
    "Acme GmbH makes heat pumps that keep working in cold climates down to minus 25 degrees Celsius."
)


def test_offline_research_with_a_template_records_the_version_and_follows_the_sections(offline_cloud: Cloud) -> None:
    http = tenant(offline_cloud, "tpl-research")
    http.post("/v1/documents", json={"title": "Acme profile", "text": HEAT_PUMPS})
    template = http.post("/v1/templates", json=SUPPLIER).json()
    http.put(f"/v1/templates/{template['id']}", json={**SUPPLIER, "name": "Supplier check, second version"})

    started = offline_cloud.start(
        {
            "template_id": template["id"],
            "variables": {"supplier": "Acme GmbH"},
            "depth": "quick",
            "sources": ["documents"],
        },
        http=http,
    )
    assert started["template_id"] == template["id"] and started["template_version"] == 2
    assert started["query"].startswith("Research the supplier Acme GmbH in Germany")
    assert started["variables"] == {"supplier": "Acme GmbH"}
    research = offline_cloud.wait(started["id"], http=http)
    assert research["status"] == "succeeded", research
    assert research["template_version"] == 2
    headings = re.findall(r"^## (.+)$", research["answer"], flags=re.MULTILINE)
    assert headings == ["Ownership of Acme GmbH", "Heat pumps"]
    ownership, heat = research["answer"].split("## Heat pumps")
    assert "Schmidt family" in ownership and "minus 25 degrees Celsius" in heat
    numbers = {s["n"] for s in research["sources"]}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", research["answer"])} <= numbers

    # A newer version does not change what an earlier research recorded.
    http.put(f"/v1/templates/{template['id']}", json=SUPPLIER)
    assert http.get(f"/v1/research/{started['id']}").json()["template_version"] == 2


def test_research_with_a_builtin_template_and_bad_template_fields(offline_cloud: Cloud) -> None:
    http = tenant(offline_cloud, "tpl-research-bad")
    missing = http.post("/v1/research", json={"template_id": "tpl_nope", "variables": {}})
    assert missing.status_code == 422 and problem_fields(missing) == {"body.template_id"}
    both = http.post("/v1/research", json={"query": "q", "template_id": "builtin-market-overview"})
    assert both.status_code == 422
    without = http.post("/v1/research", json={"query": "q", "variables": {"a": "b"}})
    assert without.status_code == 422
    assert http.get("/v1/research").json()["items"] == []
    started = offline_cloud.start(
        {"template_id": "builtin-market-overview", "variables": {"market": "heat pumps"}, "depth": "quick"}, http=http
    )
    assert started["template_id"] == "builtin-market-overview" and started["template_version"] == 1
    research = offline_cloud.wait(started["id"], http=http)
    assert research["status"] == "succeeded"
    assert re.findall(r"^## (.+)$", research["answer"], flags=re.MULTILINE) == [
        "Market size and growth",
        "Segments",
        "Key players",
        "Drivers and barriers",
        "Outlook",
    ]


def test_online_research_with_a_template_writes_one_heading_per_section(
    online_cloud: Cloud, fakes: tuple[FakeOpenAI, FakePerplexity]
) -> None:
    openai, _ = fakes
    http = online_cloud.client(online_cloud.create_key(f"tpl-online-{uuid.uuid4().hex[:6]}"))
    template = http.post("/v1/templates", json=SUPPLIER)
    assert template.status_code == 201, template.text
    started = online_cloud.start(
        {
            "template_id": template.json()["id"],
            "variables": {"supplier": f"Acme {uuid.uuid4().hex[:4]}"},
            "depth": "quick",
        },
        http=http,
    )
    research = online_cloud.wait(started["id"], http=http)
    assert research["status"] == "succeeded", research
    assert research["template_id"] == template.json()["id"] and research["template_version"] == 1
    supplier = started["variables"]["supplier"]
    assert re.findall(r"^## (.+)$", research["answer"], flags=re.MULTILINE) == [
        f"Ownership of {supplier}",
        "Heat pumps",
    ]
    numbers = {s["n"] for s in research["sources"]}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", research["answer"])}
    assert markers and markers <= numbers and f"[{NEVER_RETRIEVED}]" not in research["answer"]
    # The model was asked for each section with its rendered instructions, one call each; no outline of its own.
    calls = [c for c in openai.calls() if c["body"]["response_format"]["json_schema"]["name"] == "SectionText"]
    users = [next(m["content"] for m in c["body"]["messages"] if m["role"] == "user") for c in calls]
    assert len(users) == 2 and all(
        u.startswith(f"Question: Research the supplier {supplier} in Germany") for u in users
    )
    assert any(f"Section: Ownership of {supplier}\nInstructions: Who owns {supplier}." in u for u in users)
    assert not [c for c in openai.calls() if c["body"]["response_format"]["json_schema"]["name"] == "AnswerOutline"]

"""The template sandbox, the built-in templates and section-shaped answers, without a cloud."""

from __future__ import annotations

import re
from typing import cast

import pytest
from researcher_pro.core.errors import InvalidInput
from researcher_pro.research.analyst import ExtractiveAnalyst, assemble_sections, findings_by_section
from researcher_pro.tasks.metering import Meter
from researcher_pro.templates.models import TemplateInput
from researcher_pro.templates.sandbox import MAX_RENDERED_CHARS, RenderFailure, check, render
from researcher_pro.templates.service import BuiltinCatalog, render_template

TYPES = {"company": "string", "items": "list", "n": "number"}
VALUES = {"company": "Acme", "items": ["b", "a"], "n": 3}


def rendered(source: str) -> str:
    assert check(source, TYPES) == []
    return render(source, VALUES)


def test_plain_data_features_work() -> None:
    assert rendered("{{ company|upper }} has {{ items|length }} items: {{ items|sort|join(', ') }}") == (
        "ACME has 2 items: a, b"
    )
    assert rendered("{% for x in items %}{{ loop.index }}={{ x }}{% if not loop.last %}; {% endif %}{% endfor %}") == (
        "1=b; 2=a"
    )
    assert rendered("{% if n > 2 %}big{% else %}small{% endif %} {{ n * 2 }} {{ items[0] }} {{ company ~ '!' }}") == (
        "big 6 b Acme!"
    )


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ company.upper }}", "attribute access"),
        ("{{ company.upper() }}", "calling functions"),
        ("{{ lipsum() }}", "calling functions"),
        ("{{ loop.cycle('a', 'b') }}", "calling functions"),
        ("{% for a in items %}{% for b in items %}{% for c in items %}{% endfor %}{% endfor %}{% endfor %}", "nested"),
        ("{% for c in company %}{% endfor %}", "list variable"),
        ("{% set x = 1 %}", "{% set %}"),
        ("{{ company['__class__'] }}", "indexing with a string"),
        ("{{ company|attr('__class__') }}", "No filter named 'attr'"),
        ("{{ company|format(1) }}", "No filter named 'format'"),
        ("{{ self }}", "'self' is not available"),
        ("{{ ceo }} {{ cfo }}", "undeclared variables: ceo, cfo"),
        ("{{ company ", "line 1"),
    ],
)
def test_unsafe_or_broken_templates_are_refused_before_they_are_stored(source: str, reason: str) -> None:
    problems = check(source, TYPES)
    assert any(reason in p for p in problems), problems


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a' * 10**9 }}",
        "{{ items * 100000 }}",
        "{{ 9**9**9**9 }}",
        "{{ '%0999999999d' % 1 }}",
        "{{ company|join(company * 100)|join(company * 100)|join(company * 100) }}",
        "{{ items[5] }}",
        "{{ n / 0 }}",
    ],
)
def test_values_that_would_run_away_or_fail_stop_with_a_render_failure(source: str) -> None:
    assert check(source, TYPES) == []
    with pytest.raises(RenderFailure):
        render(source, VALUES)


def test_output_stops_at_the_limit() -> None:
    source = "{% for a in items %}{% for b in items %}{{ a }}{% endfor %}{% endfor %}"
    assert check(source, TYPES) == []
    with pytest.raises(RenderFailure, match=f"longer than {MAX_RENDERED_CHARS}"):
        render(source, {"items": ["x" * 500] * 50})


def test_every_builtin_template_is_valid_and_renders_with_its_required_variables() -> None:
    builtins = BuiltinCatalog().all()
    assert {t.id for t in builtins} >= {
        "builtin-market-overview",
        "builtin-competitor-profile",
        "builtin-literature-review",
        "builtin-technology-brief",
        "builtin-due-diligence-checklist",
    }
    for template in builtins:
        body = TemplateInput.model_validate(template.model_dump(include=set(TemplateInput.model_fields)))
        types = {name: v.type for name, v in body.variables.items()}
        for text in [body.prompt] + [t for s in body.sections for t in (s.title, s.instructions)]:
            assert check(text, types) == [], (template.id, text)
        required = {name: "Acme" for name, v in template.variables.items() if v.required}
        result = render_template(template, required)
        assert "Acme" in result.prompt and "{{" not in result.prompt
        assert len(result.sections) == len(template.sections) >= 3
        with pytest.raises(InvalidInput):
            render_template(template, {})


def test_sections_shape_an_offline_answer_with_one_heading_each() -> None:
    sections = [
        {"title": "Ownership", "instructions": "Who owns the company and its founders."},
        {"title": "Products", "instructions": "Heat pumps and other products."},
        {"title": "Lawsuits", "instructions": "Court cases."},
    ]
    findings = [
        {"text": "The company makes heat pumps for cold climates.", "citations": [2]},
        {"text": "The Schmidt family owns the company.", "citations": [1]},
        {"text": "Revenue grew in 2025.", "citations": [1]},
    ]
    offline, meter = ExtractiveAnalyst(), cast(Meter, None)  # offline writing calls nothing, so meters nothing
    bodies = [
        offline.write_section("q", section, [], given, [], meter)
        for section, given in zip(sections, findings_by_section(sections, findings), strict=True)
    ]
    answer = assemble_sections(sections, bodies)
    assert re.findall(r"^## (.+)$", answer, flags=re.MULTILINE) == ["Ownership", "Products", "Lawsuits"]
    ownership, rest = answer.split("## Products")
    products, lawsuits = rest.split("## Lawsuits")
    assert "Schmidt family owns the company. [1]" in ownership and "Revenue grew" in ownership
    assert "heat pumps for cold climates. [2]" in products
    assert "Nothing in the retrieved sources addresses this section" in lawsuits

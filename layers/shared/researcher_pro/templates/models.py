"""Research templates: typed variables, a research prompt and report sections, in immutable versions."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from researcher_pro.core.aws import NUMBER_RANGE, storable_number
from researcher_pro.core.models import NOT_BLANK, TRIMMED, StrictInput, json_bytes

VariableType = Literal["string", "number", "enum", "list"]

MAX_VARIABLES = 30
MAX_SECTIONS = 20
MAX_PROMPT_CHARS = 10_000
MAX_INSTRUCTIONS_CHARS = 2_000
MAX_STRING_VALUE_CHARS = 2_000
MAX_LIST_ITEMS = 50
MAX_LIST_ITEM_CHARS = 500
MAX_ENUM_VALUES = 50
MAX_TEMPLATE_BYTES = 100_000  # a template as compact JSON: one DynamoDB item holds it with room to spare
MAX_VERSION = 1_000_000_000
# Names Jinja2 gives a meaning of its own, or that read as keywords in a template.
RESERVED_VARIABLE_NAMES = frozenset(
    {"loop", "self", "caller", "varargs", "kwargs", "true", "false", "none", "and", "or", "not", "in", "is", "if"}
    | {"else", "elif", "for", "recursive", "True", "False", "None"}
)

VariableName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
Text = Annotated[str, StringConstraints(max_length=MAX_STRING_VALUE_CHARS)]


class TemplateVariable(StrictInput):
    type: VariableType
    required: bool = False
    default: str | int | float | list[str] | None = Field(
        default=None, description="Used when the variable is not given; required variables have none"
    )
    description: Annotated[str, StringConstraints(max_length=500)] = ""
    values: (
        Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=200)]], Field(min_length=1)] | None
    ) = Field(default=None, max_length=MAX_ENUM_VALUES, description="The allowed values of an enum")

    @model_validator(mode="after")
    def _consistent(self) -> TemplateVariable:
        if self.type == "enum":
            if not self.values:
                raise ValueError("an enum variable needs 'values'")
            if len(set(self.values)) != len(self.values):
                raise ValueError("enum 'values' must be unique")
        elif self.values is not None:
            raise ValueError("'values' is only for enum variables")
        if self.required and self.default is not None:
            raise ValueError("a required variable cannot have a default")
        if not self.required and self.default is None:
            raise ValueError("give a 'default' or set 'required': true")
        if self.default is not None:
            problem = value_problem(self, self.default)
            if problem:
                raise ValueError(f"default {problem}")
        return self


def value_problem(variable: TemplateVariable, value: Any) -> str | None:
    """Why `value` is not a valid value of this variable, or None when it is."""
    match variable.type:
        case "string":
            if not isinstance(value, str):
                return "must be a string"
            if len(value) > MAX_STRING_VALUE_CHARS:
                return f"must be at most {MAX_STRING_VALUE_CHARS} characters"
        case "number":
            return _number_problem(value)
        case "enum":
            if not isinstance(value, str) or value not in (variable.values or []):
                return f"must be one of: {', '.join(variable.values or [])}"
        case "list":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                return "must be a list of strings"
            if len(value) > MAX_LIST_ITEMS:
                return f"must have at most {MAX_LIST_ITEMS} items"
            if any(len(item) > MAX_LIST_ITEM_CHARS for item in value):
                return f"items must be at most {MAX_LIST_ITEM_CHARS} characters"
    return None


def _number_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number"
    if not math.isfinite(value):
        return "must be a finite number"
    if not storable_number(value):
        return NUMBER_RANGE
    return None


class TemplateSection(StrictInput):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK), TRIMMED]
    instructions: Annotated[str, StringConstraints(max_length=MAX_INSTRUCTIONS_CHARS)] = ""


class TemplateInput(StrictInput):
    """The body of POST /v1/templates and PUT /v1/templates/{id} (a PUT is a whole new version)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK), TRIMMED]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    variables: Annotated[
        dict[VariableName, TemplateVariable],
        Field(max_length=MAX_VARIABLES, json_schema_extra={"additionalProperties": False}),
    ] = {}
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PROMPT_CHARS), Field(pattern=NOT_BLANK)]
    sections: Annotated[list[TemplateSection], Field(max_length=MAX_SECTIONS)] = []

    @model_validator(mode="after")
    def _names_free(self) -> TemplateInput:
        reserved = sorted(set(self.variables) & RESERVED_VARIABLE_NAMES)
        if reserved:
            raise ValueError(f"reserved variable names: {', '.join(reserved)}")
        size = json_bytes(self.model_dump(mode="json"))
        if size > MAX_TEMPLATE_BYTES:
            raise ValueError(f"the template is {size} bytes as compact JSON; at most {MAX_TEMPLATE_BYTES} are kept")
        return self


class Template(BaseModel):
    id: str
    name: str
    description: str = ""
    variables: dict[str, TemplateVariable] = {}
    prompt: str
    sections: list[TemplateSection] = []
    version: int
    builtin: bool = False
    created_at: str = Field(description="When the template was created")
    updated_at: str = Field(description="When this version was written")


class RenderRequest(StrictInput):
    variables: Annotated[dict[str, Any], Field(max_length=MAX_VARIABLES * 2)] = {}
    version: Annotated[int, Field(ge=1, le=MAX_VERSION)] | None = Field(
        default=None, description="Render this version; latest if unset"
    )


class RenderedSection(BaseModel):
    title: str
    instructions: str


class RenderedTemplate(BaseModel):
    template_id: str
    version: int
    prompt: str
    sections: list[RenderedSection]

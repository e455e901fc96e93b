"""The shape of a document-type spec. Unknown keys are errors, so typos fail loudly."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FieldType = Literal[
    "text",
    "name",
    "address",
    "date",
    "phone",
    "int",
    "number",
    "bool",
    "choice",
    "identifier",
    "medicines",
]
RuleKind = Literal["right_of", "below", "right_or_below", "between", "pattern"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    type: FieldType = "text"
    rule: RuleKind
    labels: list[str] = Field(default_factory=list, description="Label synonyms to anchor on")
    page: int | None = Field(None, ge=1, description="Only look on this 1-based page")
    column: Literal["same", "left", "right"] = Field(
        "same", description="For 'below': under the label, or in the page's left/right half"
    )
    from_label_top: bool = Field(False, description="'below' starts level with the label")
    max_lines: int = Field(1, ge=1, le=20)
    skip_lines: int = Field(0, ge=0)
    after: str | None = Field(None, description="Regex: start after the line matching it")
    select: str | None = Field(None, description="Regex: keep only lines matching it")
    pattern: str | None = Field(None, description="Regex for 'pattern'; group 'value' if any")
    above: list[str] = Field(default_factory=list, description="Labels the value lies above")
    start: str | None = Field(None, description="'between': regex of the line to start after")
    end: list[str] = Field(default_factory=list, description="'between': labels that end it")
    end_or_gap: bool = Field(
        False,
        description="'between': when no end label is read, the block ends at the first blank"
        " gap after its first kept line (lower confidence, so it goes to review)",
    )
    stop_at: list[str] = Field(default_factory=list, description="More labels that end a value")
    choices: list[str] = Field(default_factory=list)
    join: str = Field(", ", description="How lines of a multi-line value are joined")
    optional: bool = Field(False, description="A blank value is normal, not a review item")
    fhir: str | None = Field(None, description="FHIR path, e.g. Patient.birthDate")

    @field_validator("after", "select", "pattern", "start")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _rule_has_what_it_needs(self) -> FieldSpec:
        if self.rule in ("right_of", "below", "right_or_below") and not self.labels:
            raise ValueError(f"rule '{self.rule}' needs 'labels'")
        if self.rule == "pattern" and not self.pattern:
            raise ValueError("rule 'pattern' needs 'pattern'")
        if self.rule == "between" and not ((self.labels or self.start) and self.end):
            raise ValueError("rule 'between' needs 'labels' or 'start', and 'end'")
        if self.type == "choice" and not self.choices:
            raise ValueError("type 'choice' needs 'choices'")
        return self


class DocumentSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""
    keywords: list[str] = Field(min_length=1, description="Phrases that identify this type")
    sections: list[str] = Field(default_factory=list, description="Headings; they end values")
    required: list[str] = Field(default_factory=list)
    core: list[str] = Field(default_factory=list, description="Fields reported as core in eval")
    fields: dict[str, FieldSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _named_fields_exist(self) -> DocumentSpec:
        for group in ("required", "core"):
            missing = [f for f in getattr(self, group) if f not in self.fields]
            if missing:
                raise ValueError(f"'{group}' names unknown fields: {', '.join(missing)}")
        return self

    def all_labels(self) -> list[str]:
        labels = {label for f in self.fields.values() for label in (*f.labels, *f.end, *f.stop_at)}
        return sorted(labels | set(self.sections), key=len, reverse=True)

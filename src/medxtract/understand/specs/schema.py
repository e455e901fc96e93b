"""The shape of a document-type spec. Unknown keys are errors, so typos fail loudly.

A field declares its *concept* (the words its labels are made of, order-free), the
sections it may live in and its value type; the finder does the rest for any layout.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    type: FieldType = "text"
    labels: list[str] = Field(
        default_factory=list,
        description="Label vocabulary: each entry is a bag of words, order-free, matched with"
        " plural/stem and OCR slips ('patient name' also reads 'Name of patient')",
    )
    sections: list[str] = Field(
        default_factory=lambda: ["any"],
        description="Section kinds the field may live in ('none': outside any section;"
        " 'any': everywhere, the default). Kinds are defined in vocab.yaml or the spec's"
        " `section_kinds`",
    )
    unlabelled: bool = Field(
        False,
        description="May be read without a label, by its type and position in its section"
        " (a name, phone and address stacked under a 'Patient' heading; a letterhead)",
    )
    hints: list[str] = Field(
        default_factory=list, description="Words that make an unlabelled candidate likelier"
    )
    max_lines: int = Field(1, ge=1, le=20, description="Lines a value may run over")
    choices: list[str] = Field(default_factory=list)
    join: str = Field(", ", description="How lines of a multi-line value are joined")
    item_starts: list[str] = Field(
        default_factory=list,
        description="A line opening with one of these words (capitalised) starts a new item, "
        "joined with '; ' (a second direction, not a wrapped first one)",
    )
    optional: bool = Field(False, description="A blank value is normal, not a review item")
    fhir: str | None = Field(None, description="FHIR path this field maps to, if any")

    @model_validator(mode="after")
    def _has_what_it_needs(self) -> FieldSpec:
        if not self.labels and not self.unlabelled and self.type != "medicines":
            raise ValueError("a field needs 'labels' (or 'unlabelled: true')")
        if self.type == "choice" and not self.choices:
            raise ValueError("type 'choice' needs 'choices'")
        return self


class DocumentSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""
    evidence: list[str] = Field(
        default_factory=list,
        description="Phrases typical of this type (a title, 'Rx'); they add to, never decide,"
        " the type score",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Title phrases of look-alike documents that are not this type",
    )
    section_kinds: dict[str, list[str]] = Field(
        default_factory=dict, description="More section kinds: kind -> heading vocabulary"
    )
    other_labels: list[str] = Field(
        default_factory=list, description="More labels of no field (their values are never ours)"
    )
    required: list[str] = Field(default_factory=list, description="Fields a document must have")
    min_fields: int = Field(3, ge=1, description="Valid fields needed to call a document this type")
    without_required: int | None = Field(
        None, ge=1,
        description="With this many valid fields a document is this type even when a required"
        " field was not found (less sure; the missing field goes to review)",
    )
    core: list[str] = Field(default_factory=list, description="Fields reported as core in eval")
    fields: dict[str, FieldSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _named_fields_exist(self) -> DocumentSpec:
        for group in ("required", "core"):
            missing = [f for f in getattr(self, group) if f not in self.fields]
            if missing:
                raise ValueError(f"'{group}' names unknown fields: {', '.join(missing)}")
        return self

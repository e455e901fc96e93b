"""The document types the service knows, read from the loaded specs (shipped and added)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from medxtract.service import engine as mx_engine
from medxtract.service.api.deps import ApiKeyDep, SettingsDep

router = APIRouter(prefix="/v1", tags=["document types"])


class FieldTypePublic(BaseModel):
    name: str
    type: str = Field(description="The spec's field type: text, name, date, int, bool, ...")
    label: str = Field(description="A display label")
    labels: list[str] = Field(description="The printed labels the engine anchors on")
    choices: list[str] = Field(default_factory=list)
    required: bool
    optional: bool
    fhir: str | None = Field(None, description="FHIR path the spec maps this field to")


class DocumentTypePublic(BaseModel):
    name: str
    title: str
    fields: list[FieldTypePublic]


class DocumentTypeListPublic(BaseModel):
    count: int
    items: list[DocumentTypePublic]


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()


@router.get("/document-types", response_model=DocumentTypeListPublic)
def document_types(settings: SettingsDep, _key: ApiKeyDep) -> DocumentTypeListPublic:
    items = [
        DocumentTypePublic(
            name=name,
            title=spec.title or label(name),
            fields=[
                FieldTypePublic(
                    name=fname, type=f.type, label=label(fname), labels=list(f.labels),
                    choices=list(f.choices), required=fname in spec.required,
                    optional=f.optional, fhir=f.fhir,
                )
                for fname, f in spec.fields.items()
            ],
        )
        for name, spec in sorted(mx_engine.specs(settings).items())
    ]
    return DocumentTypeListPublic(count=len(items), items=items)

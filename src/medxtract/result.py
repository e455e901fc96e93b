"""The extraction result: what `medxtract.extract()` returns and every front end shows.

Its JSON Schema is committed as docs/result.schema.json (`medxtract schema -o ...`), with
SCHEMA_VERSION: the major number changes when a field's meaning or frame changes.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, Field

from medxtract.document import BBox, Document

Row3 = Annotated[list[float], Field(min_length=3, max_length=3)]
Matrix3 = Annotated[list[Row3], Field(min_length=3, max_length=3)]
# 2.0: boxes are on the original page (1.x: on the engine's cropped, turned, deskewed image).
SCHEMA_VERSION = "2.0"
SCHEMA_ID = f"urn:medxtract:result:{SCHEMA_VERSION}"


class ItemRegion(BaseModel):
    """One item of a list field (a medicine) on the page: the whole item, its name and its
    strength, each a relative box on the original page, and OCR's confidence in its words."""

    page: int
    bbox: BBox | None = None
    name_bbox: BBox | None = None
    strength_bbox: BBox | None = None
    confidence: float = Field(0.0, ge=0.0, le=1.0)


class FieldResult(BaseModel):
    value: Any = Field(None, description="Typed, normalised value; null when absent")
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    page: int | None = Field(None, description="1-based page the value was read on")
    bbox: BBox | None = Field(
        None, description="Relative box (x0, y0, x1, y1) of the value on the original page"
    )
    label_bbox: BBox | None = Field(
        None, description="Relative box of the field's label on the original page, if any"
    )
    item_bboxes: list[BBox] | None = Field(
        None, description="For a list field (medicines): one relative box per item, on the "
        "original page the item is on (items[i].page; a list may run onto the next page)"
    )
    items: list[ItemRegion] | None = Field(
        None, description="For a list field: each item's regions (whole, name, strength) and "
        "confidence, on the original page"
    )
    label_confidence: float | None = Field(
        None, ge=0.0, le=1.0, description="How surely the label region names this field"
    )
    source: str | None = Field(None, description="'ocr', 'text_layer' or 'form_field'")
    engine: str | None = Field(
        None, description="OCR engine that read most of the value ('tesseract', 'rapidocr')"
    )
    raw: str | None = Field(None, description="Text as read, before normalisation")
    flags: list[str] = Field(
        default_factory=list, description="Why the field needs a look, e.g. ambiguous_date"
    )
    parts: dict[str, Any] | None = Field(None, description="Structured value (E.164, name...)")
    why: str | None = Field(None, description="How the finder chose the value (no field values)")
    weighed: list[str] | None = Field(
        None, exclude=True, description="The candidates that lost and why (for --explain)"
    )
    evidence: dict[str, float] | None = Field(
        None, exclude=True, description="The calibration model's inputs, kept in memory only"
    )


class PageInfo(BaseModel):
    number: int
    width: int = Field(description="Width in pixels of the image the engine read")
    height: int
    original_width: int = Field(
        description="Width in pixels of the original page, the frame of every box: a PDF "
        "page rendered at the configured dpi, an image file as decoded (EXIF turn applied)"
    )
    original_height: int
    transform: Matrix3 = Field(
        description="3x3 homography from the engine image's pixels (x, y, 1) to the original "
        "page's pixels (divide by the third coordinate); (0, 0) is a top-left corner"
    )
    source: str = Field(description="'text_layer', 'ocr' or 'mixed'")
    rotation: int = Field(0, description="Degrees clockwise the engine turned the page")
    skew: float = Field(0.0, description="Degrees counter-clockwise the engine deskewed it")
    status: str = Field("ok", description="'ok', or 'timeout' when OCR ran out of time")
    error: str | None = Field(None, description="Why the page could not be read")


class ExtractionResult(BaseModel):
    schema_version: str = Field(SCHEMA_VERSION, description="Version of this result format")
    source: str = Field(description="File name or '<bytes>'")
    sha256: str
    document_type: str = Field(description="A spec name, or 'unknown'")
    type_confidence: float = Field(ge=0.0, le=1.0)
    pages: int
    fields: dict[str, FieldResult] = Field(default_factory=dict)
    needs_review: list[str] = Field(
        default_factory=list, description="Fields below the review threshold or failing checks"
    )
    page_info: list[PageInfo] = Field(default_factory=list, description="How each page was read")
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage")
    document: Document | None = Field(
        None, exclude=True,
        description="Words on the engine's images (in_original_frame() moves them), in memory only",
    )  # fmt: skip

    def values(self) -> dict[str, Any]:
        """Just the field values, as in a truth file."""
        return {name: f.value for name, f in self.fields.items()}

    def export(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.export(), indent=indent, ensure_ascii=False)


def result_json_schema() -> dict[str, Any]:
    schema = ExtractionResult.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "version": SCHEMA_VERSION, **schema}  # fmt: skip


def schema_text() -> str:
    """The schema as committed in docs/result.schema.json."""
    return json.dumps(result_json_schema(), indent=2, ensure_ascii=False) + "\n"

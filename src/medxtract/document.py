"""The one document model: Document > Page > Line > Word, each word with its geometry.

Boxes are relative to the page, `(x0, y0, x1, y1)` in 0..1, so they are independent
of the resolution a page was rendered or photographed at. A word's page is the image the
engine read (cropped, scaled, turned and deskewed); `Page.transform` places that image on
the original page, and `Document.in_original_frame()` moves every word there.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from medxtract import geometry

BBox = tuple[float, float, float, float]
# form_field: the value of a filled PDF form widget (check boxes read as ☒ / ☐).
WordSource = Literal["text_layer", "ocr", "form_field"]
# ok; timeout: OCR ran out of time (the page has no words); error: the engine failed on it.
PageStatus = Literal["ok", "timeout", "error"]


def union_bbox(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


class Word(BaseModel):
    text: str
    confidence: float = Field(ge=0.0, le=1.0)
    bbox: BBox
    source: WordSource = "ocr"
    engine: str | None = Field(None, description="OCR engine that read it; None if not OCR")


class Line(BaseModel):
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox:
        return union_bbox([w.bbox for w in self.words])

    @property
    def confidence(self) -> float:
        return min((w.confidence for w in self.words), default=0.0)


class Page(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    number: int = Field(description="1-based page number")
    width: int = Field(description="Width in pixels of the image the words were read from")
    height: int
    source: Literal["text_layer", "ocr", "mixed"] = "ocr"
    rotation: int = Field(0, description="Degrees the page was turned to read upright")
    skew: float = Field(0.0, description="Degrees of deskew applied")
    original_width: int = Field(
        0, description="Width in pixels of the original page (a PDF page at the render dpi, "
        "an image file as decoded); 0: the same as width"
    )
    original_height: int = 0
    transform: list[list[float]] = Field(
        default_factory=lambda: geometry.identity().tolist(),
        description="3x3 homography from this image's pixels to the original page's pixels",
    )
    lines: list[Line] = Field(default_factory=list)
    rules: list[BBox] = Field(
        default_factory=list,
        description="Ruling lines (table borders, box sides, fill-in lines), each a thin box "
        "relative to the page like a word's: from the PDF's paths, else from the image",
    )
    status: PageStatus = "ok"
    error: str | None = Field(None, description="Why the page could not be read, if it could not")
    timings: dict[str, float] = Field(default_factory=dict, exclude=True, repr=False)
    # What the OCR cascade did on this page (read.cascade.CascadeStats), for the bench.
    ocr_stats: dict[str, int | bool] = Field(default_factory=dict, exclude=True, repr=False)
    # The grey image OCR read (after clean-up), so a later stage can re-read a region
    # (read.engines.reread); dropped when the extraction ends, never serialized.
    image: SkipJsonSchema[np.ndarray | None] = Field(None, exclude=True, repr=False)

    @model_validator(mode="after")
    def _original_defaults_to_itself(self) -> Page:
        if not (self.original_width and self.original_height):
            self.original_width, self.original_height = self.width, self.height
        return self

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_original(self, bbox: BBox) -> BBox:
        """A relative box on this page's image as a relative box on the original page."""
        return geometry.map_box(
            np.array(self.transform), bbox, (self.width, self.height),
            (self.original_width, self.original_height),
        )  # fmt: skip

    def in_original_frame(self) -> Page:
        """A copy whose words and size are the original page's (no image kept)."""
        lines = [
            Line(words=[w.model_copy(update={"bbox": self.to_original(w.bbox)}) for w in ln.words])
            for ln in self.lines
        ]
        return self.model_copy(update={
            "width": self.original_width, "height": self.original_height,
            "transform": geometry.identity().tolist(), "lines": lines, "image": None,
        })  # fmt: skip


class Document(BaseModel):
    pages: list[Page] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\f".join(p.text for p in self.pages)

    def in_original_frame(self) -> Document:
        """The words placed on the original pages, as the result's field boxes are."""
        return Document(pages=[p.in_original_frame() for p in self.pages])

    def export(self) -> dict[str, Any]:
        """Plain JSON-ready dict, lines carrying their text and box for convenience. Boxes
        are on the engine's images; export `in_original_frame()` for the original pages'."""
        return {
            "pages": [
                {
                    **page.model_dump(exclude={"lines", "timings"}),
                    "lines": [
                        {
                            "text": line.text,
                            "bbox": list(line.bbox),
                            "words": [w.model_dump(mode="json") for w in line.words],
                        }
                        for line in page.lines
                    ],
                }
                for page in self.pages
            ]
        }

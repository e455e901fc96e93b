"""The one document model: Document > Page > Line > Word, each word with its geometry.

Boxes are relative to the page, `(x0, y0, x1, y1)` in 0..1, so they are independent
of the resolution a page was rendered or photographed at.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

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
    lines: list[Line] = Field(default_factory=list)
    status: PageStatus = "ok"
    error: str | None = Field(None, description="Why the page could not be read, if it could not")
    timings: dict[str, float] = Field(default_factory=dict, exclude=True, repr=False)
    # What the OCR cascade did on this page (read.cascade.CascadeStats), for the bench.
    ocr_stats: dict[str, int | bool] = Field(default_factory=dict, exclude=True, repr=False)
    # The grey image OCR read (after clean-up), so a later stage can re-read a region
    # (read.engines.reread); dropped when the extraction ends, never serialized.
    image: SkipJsonSchema[np.ndarray | None] = Field(None, exclude=True, repr=False)

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class Document(BaseModel):
    pages: list[Page] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\f".join(p.text for p in self.pages)

    def export(self) -> dict[str, Any]:
        """Plain JSON-ready dict, lines carrying their text and box for convenience."""
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

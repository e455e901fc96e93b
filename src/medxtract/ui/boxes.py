"""Draw every field's box on its page image; review and selected fields stand out."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from PIL import Image, ImageDraw

# Colours chosen to read on both clean scans and grey phone photos.
NORMAL = (37, 99, 235)  # blue: extracted, confident
REVIEW = (234, 88, 12)  # orange: needs review
SELECTED = (220, 38, 38)  # red: the field the reviewer picked


@dataclass(frozen=True)
class Box:
    field: str
    bbox: tuple[float, float, float, float]  # relative 0..1: x0, y0, x1, y1
    needs_review: bool = False


def boxes_on_page(fields: dict[str, dict], page: int, needs_review: Iterable[str]) -> list[Box]:
    review = set(needs_review)
    out: list[Box] = []
    for name, f in fields.items():
        bbox = f.get("bbox")
        if not bbox or len(bbox) != 4 or (f.get("page") or 1) != page:
            continue
        out.append(Box(name, tuple(float(v) for v in bbox), name in review))  # type: ignore[arg-type]
    return out


def draw_boxes(png: bytes, boxes: Iterable[Box], selected: str | None = None) -> Image.Image:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = img.size
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width = max(2, round(min(w, h) / 400))
    pad = 2 * width  # boxes hug the text; draw just outside it so the text stays readable
    # Selected last so it is drawn on top of overlapping boxes.
    for box in sorted(boxes, key=lambda b: (b.field == selected, b.needs_review)):
        x0, y0, x1, y1 = _clamp(box.bbox)
        rect = (x0 * w - pad, y0 * h - pad, x1 * w + pad, y1 * h + pad)
        if box.field == selected:
            draw.rectangle(rect, fill=(*SELECTED, 30), outline=(*SELECTED, 255), width=width * 2)
        elif box.needs_review:
            draw.rectangle(rect, fill=(*REVIEW, 30), outline=(*REVIEW, 255), width=width)
        else:
            draw.rectangle(rect, outline=(*NORMAL, 200), width=width)
    return Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")


def _clamp(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (min(1.0, max(0.0, v)) for v in b)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

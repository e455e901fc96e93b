"""Boxes drawn on the page image (no service needed)."""

from __future__ import annotations

import io

from PIL import Image

from medxtract.ui.boxes import NORMAL, REVIEW, SELECTED, boxes_on_page, draw_boxes


def _png(w: int = 400, h: int = 500) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(buf, "PNG")
    return buf.getvalue()


FIELDS = {
    "a": {"page": 1, "bbox": [0.1, 0.1, 0.3, 0.2]},
    "b": {"page": 1, "bbox": [0.5, 0.5, 0.9, 0.6]},
    "c": {"page": 2, "bbox": [0.1, 0.1, 0.2, 0.2]},
    "d": {"page": 1, "bbox": None},
}


def test_boxes_on_page_filters_page_and_missing_boxes() -> None:
    boxes = boxes_on_page(FIELDS, 1, ["b"])
    assert [(b.field, b.needs_review) for b in boxes] == [("a", False), ("b", True)]
    assert [b.field for b in boxes_on_page(FIELDS, 2, [])] == ["c"]


def test_colours_mark_review_and_selection() -> None:
    img = draw_boxes(_png(), boxes_on_page(FIELDS, 1, ["b"]), selected="a")
    assert img.size == (400, 500)
    # Just outside the left edge of each box (outlines are padded so text stays readable),
    # half way down it: red for selected, orange for review, blue otherwise.
    assert _near(img.getpixel((37, 60)), SELECTED)
    assert _near(img.getpixel((197, 275)), REVIEW)
    plain = draw_boxes(_png(), boxes_on_page(FIELDS, 1, []))
    assert _near(plain.getpixel((37, 60)), NORMAL, tol=60)
    assert plain.getpixel((80, 75)) == (255, 255, 255)  # inside a plain box: untouched


def _near(px: tuple[int, ...], rgb: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(px[:3], rgb, strict=True))

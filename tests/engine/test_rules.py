"""Ruling lines: from a PDF's drawn paths and from a page image, the same lines; a vertical
rule parts a line's words into cells."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
from reportlab.pdfgen import canvas

import medxtract
from medxtract.document import Document
from medxtract.read import rules
from medxtract.understand.fields import extract_fields
from medxtract.understand.specs import load_specs
from medxtract.understand.structure import phrases_of

from .conftest import make_page


def ruled_pdf() -> bytes:
    """A letter page with a two-column table (outer box, one row rule, one column rule),
    a fill-in line, a filled shading box and a tick drawn as a short stroke."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, 792))
    c.setFont("Helvetica", 11)
    c.rect(72, 600, 400, 60)  # the table's outer box: 4 rules
    c.line(72, 630, 472, 630)  # the row rule
    c.line(200, 600, 200, 660)  # the column rule
    c.drawString(80, 640, "Patient name")
    c.drawString(210, 640, "Ann Lee")
    c.drawString(80, 610, "Date of birth")
    c.drawString(210, 610, "01/02/1970")
    c.line(180, 540, 400, 540)  # a fill-in line
    c.setFillGray(0.9)
    c.rect(72, 450, 200, 40, stroke=0, fill=1)  # shading: no line on paper
    c.setFillGray(0)
    c.line(100, 400, 104, 396)  # a tick: too short for a rule
    c.save()
    return buf.getvalue()


def _kinds(found):
    across = [r for r in found if r[2] - r[0] > r[3] - r[1]]
    return len(across), len(found) - len(across)


def test_rules_come_from_the_pdf_paths_and_from_the_image_alike():
    data = ruled_pdf()
    page = pdfium.PdfDocument(data)[0]
    drawn = rules.from_pdf(page, 612, 792)
    assert _kinds(drawn) == (4, 3)  # box top/bottom, row rule, fill-in line; box sides, column
    seen = rules.from_image(np.array(page.render(scale=200 / 72, grayscale=True).to_pil()))
    assert _kinds(seen) == (4, 3)

    def near(a, b):
        return all(abs(x - y) < 0.01 for x, y in zip(a, b, strict=True))

    assert all(any(near(a, b) for b in seen) for a in drawn)
    # The fill-in line, page-relative: from x 180 to 400 pt at y 792 - 540 pt.
    assert any(near(r, (180 / 612, 252 / 792, 400 / 612, 252 / 792)) for r in drawn)


def test_a_pages_rules_reach_the_result_for_text_layer_and_ocr_pages():
    data = ruled_pdf()
    typed = medxtract.extract(data).document.pages[0]
    assert typed.source == "text_layer" and len(typed.rules) == 7
    image = np.array(pdfium.PdfDocument(data)[0].render(scale=200 / 72, grayscale=True).to_pil())
    buf = io.BytesIO()
    from PIL import Image

    Image.fromarray(image).save(buf, format="PNG")
    scanned = medxtract.extract(buf.getvalue()).document.pages[0]
    assert scanned.source == "ocr" and len(scanned.rules) == 7


def test_text_without_lines_has_no_rules():
    image = np.full((2200, 1700), 255, np.uint8)
    import cv2

    for i in range(30):
        cv2.putText(image, "Take one tablet twice daily with food " * 2, (60, 80 + 60 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    assert rules.from_image(image) == []


def test_a_vertical_rule_parts_a_line_into_its_cells():
    # "Allergies" and "Penicillin" a word space apart, a table's column rule between them.
    rows = [[("Patient name: Ann Lee", 40)], [("Allergies Penicillin", 40)]]
    page = make_page(rows)
    assert [p.text() for p in phrases_of(page)] == ["Patient name: Ann Lee", "Allergies Penicillin"]
    # "Allergies" is 40-148 px, "Penicillin" from 160 px; row 2 runs 110-140 px of 1400.
    ruled = page.model_copy(update={"rules": [(154 / 1000, 100 / 1400, 154 / 1000, 150 / 1400)]})
    assert [p.text() for p in phrases_of(ruled)] == [
        "Patient name: Ann Lee", "Allergies", "Penicillin"]
    fields = extract_fields(Document(pages=[ruled]), load_specs()["patient_details"], "MDY")
    assert fields["allergies"].value == "Penicillin"

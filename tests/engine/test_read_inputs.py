"""Hard inputs: a blank page, PDF form fields, an iPhone HEIC photo, a 1-bit fax, OCR timeouts."""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfgen import canvas

import medxtract
from medxtract.config import EngineSettings
from medxtract.evaluate import values_equal
from medxtract.read.forms import CHECKED, UNCHECKED
from medxtract.read.ingest import RawPage, SourceDocument
from medxtract.read.read_page import read_page
from medxtract.read.sniff import sniff
from medxtract.synth import generate_one, writer

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_image(lines: list[str], size=(1700, 2200), font_px: int = 34) -> np.ndarray:
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, font_px)
    for i, line in enumerate(lines):
        draw.text((150, 200 + 70 * i), line, font=font, fill=0)
    return np.asarray(img)


def image_pdf(pages: list[np.ndarray]) -> bytes:
    return writer.image_pdf(pages, 200, 90)


# --- blank pages ---


def test_a_blank_page_is_an_empty_page_not_an_error():
    blank = np.full((2200, 1700), 255, np.uint8)
    text = text_image(["Patient name: Ada Lovelace", "Date of birth: 10/12/1985"])
    result = medxtract.extract(image_pdf([text, blank]))
    assert [p.status for p in result.page_info] == ["ok", "ok"]
    assert result.document.pages[1].lines == []
    assert "Lovelace" in result.document.pages[0].text


def test_a_blank_photo_alone_gives_a_result_with_no_words():
    noisy = np.clip(np.random.default_rng(1).normal(235, 6, (1200, 900)), 0, 255)
    buf = io.BytesIO()
    Image.fromarray(noisy.astype(np.uint8)).save(buf, format="PNG")
    result = medxtract.extract(buf.getvalue())
    assert result.pages == 1 and result.document.text == ""


# --- PDF form fields ---


def acroform_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, 792))
    c.setFont("Helvetica", 11)
    c.drawString(72, 700, "Patient name:")
    c.acroForm.textfield(name="name", value="Ada Lovelace", x=160, y=694, width=200, height=20,
                         fontSize=11, borderWidth=0)  # fmt: skip
    c.drawString(72, 660, "Date of birth:")
    c.acroForm.textfield(name="dob", value="10/12/1985", x=160, y=654, width=120, height=20,
                         fontSize=0, borderWidth=0)  # fmt: skip
    c.drawString(72, 620, "Smoker")
    c.acroForm.checkbox(name="smoker", x=130, y=616, size=14, checked=True)
    c.drawString(172, 620, "Pregnant")
    c.acroForm.checkbox(name="pregnant", x=240, y=616, size=14, checked=False)
    c.drawString(72, 580, "Notes: this form has its values only in form fields, none typed.")
    c.save()
    return buf.getvalue()


def test_form_field_values_become_words_on_their_labels_lines():
    raw = SourceDocument(acroform_pdf(), EngineSettings()).load_page(0)
    lines = [line.text for line in raw.text_lines]
    assert "Patient name: Ada Lovelace" in lines
    assert "Date of birth: 10/12/1985" in lines
    assert f"Smoker {CHECKED} Pregnant {UNCHECKED}" in lines
    filled = [w for line in raw.text_lines for w in line.words if w.source == "form_field"]
    assert {w.text for w in filled} == {"Ada", "Lovelace", "10/12/1985", CHECKED, UNCHECKED}
    for w in filled:  # boxes inside the page, left of right, top above bottom
        x0, y0, x1, y1 = w.bbox
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1


def test_form_field_values_reach_the_document_text():
    result = medxtract.extract(acroform_pdf())
    assert "Patient name: Ada Lovelace" in result.document.text
    assert result.page_info[0].source == "text_layer"


def test_a_scanned_page_with_form_fields_merges_them():
    """Values in widgets over a scanned image: OCR reads the page, the values come in too."""
    scan = text_image(["Patient name:"], size=(1275, 1650), font_px=28)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, 792))
    img = io.BytesIO()
    Image.fromarray(scan).save(img, format="PNG")
    img.seek(0)
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(img), 0, 0, 612, 792)
    c.acroForm.textfield(name="n", value="Grace Hopper", x=300, y=683, width=200, height=20,
                         fontSize=11, borderWidth=0)  # fmt: skip
    c.save()
    result = medxtract.extract(buf.getvalue())
    assert result.page_info[0].source == "mixed"
    assert "Grace Hopper" in result.document.text


# --- HEIC photos ---


def heic_bytes(gray: np.ndarray, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(gray).convert("RGB").save(buf, format="HEIF", quality=90, exif=exif.tobytes())
    return buf.getvalue()


def test_a_heic_photo_is_read_like_a_jpeg():
    page = text_image(["Patient name: Ada Lovelace", "Amoxicillin 500 mg three times daily"])
    data = heic_bytes(page)
    assert sniff(data) == "heif"
    result = medxtract.extract(data)
    assert "Lovelace" in result.document.text and "Amoxicillin" in result.document.text


def test_a_heic_photo_taken_sideways_is_turned_by_its_exif():
    page = text_image(["Patient name: Ada Lovelace", "Amoxicillin 500 mg three times daily"])
    # Stored turned, with EXIF 6 ("turn 90 clockwise to view"), as phones do.
    data = heic_bytes(np.rot90(page, 1).copy(), orientation=6)
    doc = SourceDocument(data, EngineSettings())
    raw = doc.load_page(0)
    assert raw.image.shape[0] > raw.image.shape[1]  # portrait again
    assert "Lovelace" in read_page(raw, EngineSettings()).text


# --- 1-bit fax ---


def to_fax(gray: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """Bilevel at 200 dpi with broken strokes and a transmit header, as a G4 TIFF page."""
    ink = gray < 160
    ink &= rng.random(ink.shape) > 0.08  # dropped pixels break thin strokes
    img = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))
    ImageDraw.Draw(img).text((40, 10), "01/02/2026 10:41 FROM: 555 0100 P.001/001", fill=0,
                             font=ImageFont.truetype(FONT, 22))  # fmt: skip
    return img.convert("1")


def test_a_1bit_fax_is_read():
    pdf, truth = generate_one("prescription", "clean", random.Random("fax-test"), split="seed")
    gray = writer.rasterise(pdf, 200)[0]
    buf = io.BytesIO()
    to_fax(gray, np.random.default_rng(5)).save(buf, format="TIFF", compression="group4")
    result = medxtract.extract(buf.getvalue())
    assert result.document_type == "prescription"
    right = [
        name
        for name, want in truth["fields"].items()
        if name in result.fields and values_equal(name, result.fields[name].value, want)
    ]
    assert len(right) >= 0.8 * len(truth["fields"]), sorted(set(truth["fields"]) - set(right))


# --- time limits ---


def test_a_page_over_the_ocr_time_limit_is_reported_and_the_rest_completes():
    pdf = io.BytesIO()
    c = canvas.Canvas(pdf, pagesize=(612, 792))
    c.drawString(72, 700, "Page one is born digital: its text layer needs no OCR at all.")
    c.showPage()
    img = io.BytesIO()
    lines = [f"{i}. Amoxicillin {250 * i} mg, {i} times a day for {i + 4} days" for i in range(14)]
    Image.fromarray(text_image(lines)).save(img, format="PNG")
    img.seek(0)
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(img), 0, 0, 612, 792)
    c.save()
    settings = EngineSettings(ocr_timeout_s=0.001, ocr_engine="tesseract")
    result = medxtract.extract(pdf.getvalue(), settings=settings)
    assert [p.status for p in result.page_info] == ["ok", "timeout"]
    assert "time" in result.page_info[1].error
    assert "born digital" in result.document.pages[0].text
    assert result.document.pages[1].lines == []
    exported = result.export()["page_info"][1]
    assert exported["status"] == "timeout"


def test_rapidocr_calls_are_cancelled_at_the_time_limit():
    from medxtract.errors import OcrTimeoutError
    from medxtract.read.engines.rapidocr import RapidOcrEngine

    page = text_image([f"Line {i}: Amoxicillin 500 mg three times daily" for i in range(25)])
    with pytest.raises(OcrTimeoutError):
        RapidOcrEngine.shared().recognize(page, timeout_s=0.05)
    # and the engine still works afterwards
    assert RapidOcrEngine.shared().read_lines([page[190:250, 140:1400]])[0][0].startswith("Line")


# --- curled pages ---


def test_a_line_that_tilts_with_the_curl_stays_one_line():
    """Words on a line that drops 1.5 line heights across the page (a curl's lower lines)
    stay one line, and the level line above keeps to itself."""
    from medxtract.document import Word
    from medxtract.read.ingest import group_lines

    def word(text, x, cy):
        return Word(text=text, confidence=0.9, bbox=(x, cy - 0.005, x + 0.08, cy + 0.005))

    level = [word(t, 0.1 + 0.1 * i, 0.50) for i, t in enumerate(["Have", "you", "had", "the"])]
    tilted = [
        word(t, 0.1 + 0.1 * i, 0.52 + 0.003 * i)
        for i, t in enumerate(["List", "any", "medical", "problems", "you", "have", "had"])
    ]
    lines = [line.text for line in group_lines(level + tilted)]
    assert lines == ["Have you had the", "List any medical problems you have had"]


def test_the_local_pool_reports_a_timed_out_page_too(tmp_path):
    from medxtract.batch import extract_many

    lines = [f"{i}. Amoxicillin {250 * i} mg, {i} times a day" for i in range(12)]
    slow = tmp_path / "scan.pdf"
    slow.write_bytes(image_pdf([text_image(lines), text_image(lines[:3])]))
    born = tmp_path / "born.pdf"
    born.write_bytes(acroform_pdf())
    settings = EngineSettings(ocr_timeout_s=0.001, ocr_engine="tesseract")
    outcomes = list(extract_many([slow, born], "auto", settings, workers=2))
    assert all(o.error is None for o in outcomes)
    scan, form = (o.result for o in outcomes)
    assert [p.status for p in scan.page_info] == ["timeout", "timeout"]
    assert [p.status for p in form.page_info] == ["ok"]
    assert "Ada Lovelace" in form.document.text


def test_faint_or_sparse_pages_are_not_taken_for_blank():
    from medxtract.read import preprocess

    faint = np.where(text_image(["Patient name: Ada Lovelace"] * 12) < 128, 190, 240)
    faint = faint.astype(np.uint8)
    faint[5:8, 5:8] = 0  # one black speck stretches the page's contrast
    one_word = text_image(["VOID"])  # 1-bit clean: goes through the fax repair
    settings = EngineSettings(ocr_engine="tesseract")
    for page in (faint, one_word):
        image = read_page(RawPage(number=1, image=page), settings).image
        assert not preprocess.is_blank(image)


# --- settings that reach the OCR engine ---


def test_tessdata_dir_is_where_tesseract_loads_its_models(tmp_path) -> None:
    import shutil

    from medxtract.errors import OcrEngineError
    from medxtract.read.engines.tesseract import tessdata_path

    image = text_image(["Patient Name: Ada Lovelace"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OcrEngineError, match="empty"):
        read_page(RawPage(number=1, image=image),
                  EngineSettings(tessdata_dir=empty, ocr_engine="tesseract"))
    models = tmp_path / "models"
    models.mkdir()
    for name in ("eng.traineddata", "osd.traineddata"):
        if (Path(tessdata_path()) / name).exists():
            shutil.copy(Path(tessdata_path()) / name, models / name)
    page = read_page(RawPage(number=1, image=image),
                     EngineSettings(tessdata_dir=models, ocr_engine="tesseract"))
    assert "Lovelace" in page.text

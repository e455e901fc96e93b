"""The OCR cascade with the real engines: Tesseract first, RapidOCR where it reads weakly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

import medxtract
import medxtract.pipeline
from medxtract.config import EngineSettings
from medxtract.read import cascade
from medxtract.read.engines import reread
from medxtract.read.ingest import RawPage
from medxtract.read.read_page import read_page

HAND = Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf")  # fonts-dkg-handwriting
PRINT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LINES = [
    "Patient: Joel Morris",
    "19 Hawkins Crescent, London",
    "Take one tablet for 5 days",
    "Policy 834-4923-3174",
    "Amoxicillin 500 mg twice daily",
    "Eiravati Bhardwaj",
]

needs_hand_font = pytest.mark.skipif(not HAND.exists(), reason="make bench-deps installs it")


def page_of(lines: list[str], font: Path, px: int, labels: bool = True) -> np.ndarray:
    """A page of printed labels with values written in `font` beside them."""
    img = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(img)
    label_font = ImageFont.truetype(str(PRINT), 30)
    value_font = ImageFont.truetype(str(font), px)
    for i, text in enumerate(lines):
        y = 200 + 110 * i
        if labels:
            draw.text((120, y), f"Item {i + 1}:", font=label_font, fill=0)
        draw.text((360, y - 6), text, font=value_font, fill=0)
    return np.asarray(img)


def distance(text: str, truth: list[str]) -> int:
    """Edit distance of a page's text to its truth lines, whitespace ignored."""
    return Levenshtein.distance("".join(text.split()), "".join("".join(truth).split()))


@pytest.mark.parametrize(
    ("token", "ok"),
    [
        ("Morris", True),
        ("MORRIS", True),
        ("834-4923-3174", True),
        ("500mg", True),
        ("N11", True),
        ("(kg):", True),
        ("joel@example.com", True),
        ("(841)-783-4774", True),
        ("M.D", True),
        ("Müller,", True),
        ("#:", True),
        ("-", True),
        ("fOv", False),
        ("3°387", False),
        ("\\nsucance", False),
        ("Weele-r7", False),
    ],
)
def test_plausible_tells_words_from_debris(token, ok):
    assert cascade.plausible(token) is ok


@needs_hand_font
def test_the_cascade_keeps_rapidocrs_reading_of_lines_tesseract_garbles():
    image = page_of(LINES, HAND, 40)
    alone = read_page(RawPage(number=1, image=image), EngineSettings(ocr_engine="tesseract"))
    both = read_page(RawPage(number=1, image=image), EngineSettings(ocr_engine="auto"))
    values = [line.split(": ", 1)[-1] for line in LINES]
    assert distance(alone.text, values) > 0  # Tesseract alone garbles some of the fills
    kept = [line for line in both.lines if any(w.engine == "rapidocr" for w in line.words)]
    assert kept, "no line was taken from RapidOCR"
    assert 0 < both.ocr_stats["reread"] < 2 * len(LINES)
    # Printed labels Tesseract reads well stay Tesseract's.
    assert any(w.engine == "tesseract" and w.text.startswith("Item") for w in both.words)
    # The kept readings are closer to what is written than Tesseract's.
    assert distance(both.text, values) < distance(alone.text, values)


def test_a_clean_printed_page_is_not_re_read():
    image = page_of(LINES, PRINT, 32)
    page = read_page(RawPage(number=1, image=image), EngineSettings(ocr_engine="auto"))
    assert page.ocr_stats["reread"] <= 1
    assert all(w.engine == "tesseract" for w in page.words)


@needs_hand_font
def test_rapidocr_alone_reads_the_page():
    image = page_of(LINES, HAND, 40)
    page = read_page(RawPage(number=1, image=image), EngineSettings(ocr_engine="rapidocr"))
    assert page.words and all(w.engine == "rapidocr" for w in page.words)
    assert "Morris" in page.text


def test_reread_reads_one_region_of_the_kept_page_image():
    image = page_of(["Joel Morris", "Amoxicillin 500 mg twice daily"], PRINT, 32, labels=False)
    result = medxtract.extract(_png(image), settings=EngineSettings(ocr_engine="tesseract"))
    page = result.document.pages[0]
    assert page.image is None  # dropped when the extraction ended, never serialized
    assert "image" not in result.document.export()["pages"][0]
    # Within a page read (as the field finder will), the grey image is on the Page.
    page = read_page(RawPage(number=1, image=image), EngineSettings(ocr_engine="tesseract"))
    target = max(page.lines, key=lambda line: line.bbox[1])  # the second line
    words = reread(page.image, target.bbox)
    assert " ".join(w.text for w in words) == "Amoxicillin 500 mg twice daily"
    assert all(w.engine == "rapidocr" for w in words)
    for w in words:  # boxes inside the line's box
        assert target.bbox[0] - 1e-6 <= w.bbox[0] < w.bbox[2] <= target.bbox[2] + 1e-6


def _png(image: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


SCRIPT = Path("/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf")  # a slanted hand


@pytest.mark.skipif(not SCRIPT.exists(), reason="make bench-deps installs it")
def test_a_page_tesseract_cannot_read_goes_to_rapidocr_whole():
    image = page_of(LINES * 2, SCRIPT, 34, labels=False)
    alone = read_page(RawPage(number=1, image=image), EngineSettings(ocr_engine="tesseract"))
    assert cascade.unusable(alone.words)
    page = read_page(RawPage(number=1, image=image), EngineSettings(ocr_engine="auto"))
    assert page.ocr_stats["whole_page"] is True
    assert page.words and all(w.engine == "rapidocr" for w in page.words)
    assert distance(page.text, LINES * 2) < distance(alone.text, LINES * 2) / 2


def test_a_readable_page_never_goes_to_rapidocr_whole():
    page = read_page(RawPage(number=1, image=page_of(LINES, PRINT, 32)), EngineSettings())
    assert page.ocr_stats["whole_page"] is False


def test_a_re_read_that_only_echoes_a_word_it_touches_is_trimmed():
    from medxtract.document import Word
    from medxtract.read.cascade import trim_echoes

    def word(text, x0, x1, y0=0.40, y1=0.44):
        return Word(text=text, confidence=0.9, bbox=(x0, y0, x1, y1), engine="rapidocr")

    felix = word("Felix", 0.123, 0.175)
    reread = [word("ix", 0.186, 0.204), word("Crawford", 0.214, 0.286)]
    assert [w.text for w in trim_echoes(reread, [felix])] == ["Crawford"]
    # A word far along the row, or on another row, is no echo.
    far = [word("ix", 0.600, 0.620), word("Crawford", 0.630, 0.700)]
    assert [w.text for w in trim_echoes(far, [felix])] == ["ix", "Crawford"]
    below = [word("ix", 0.186, 0.204, 0.50, 0.54), word("Lane", 0.214, 0.286, 0.50, 0.54)]
    assert [w.text for w in trim_echoes(below, [felix])] == ["ix", "Lane"]


from .conftest import SEED  # noqa: E402 - the samples shipped in the repository


def _losing_medicines(src, settings):
    """Fault injection: a first reading that lost every line naming a drug, as Tesseract
    does on a hand-filled pad it cannot read (the other lines are real)."""
    from medxtract.understand.lexicon import drug_names

    drugs = {d.lower() for d in drug_names()}
    for page in medxtract.pipeline.read_pages_serially(src, settings):
        kept = [line for line in page.lines
                if not any(w.text.lower().strip(",.-") in drugs for w in line.words)]
        yield page.model_copy(update={"lines": kept})


def test_fields_too_poor_send_the_page_to_rapidocr_whole_and_the_surer_reading_wins():
    settings = EngineSettings()
    poor = medxtract.pipeline.extract(SEED / "pre_1.pdf", "prescription", settings=settings,
                                      page_reader=_losing_medicines)
    assert "second_reading" in poor.timings  # the required medicines were missing
    assert poor.fields["medicines"].value  # found again on RapidOCR's reading of the page
    assert poor.fields["medicines"].engine == "rapidocr"


def test_a_reading_whose_fields_stand_is_not_read_twice():
    good = medxtract.extract(SEED / "pre_1.pdf", "prescription")
    assert good.fields["medicines"].value
    assert "second_reading" not in good.timings


def test_a_second_reading_types_an_unknown_document_but_never_retypes_one():
    from medxtract.pipeline import keep_second
    from medxtract.result import FieldResult
    from medxtract.understand.specs import load_specs

    specs = load_specs()
    sure = {"patient_name": FieldResult(value="Ann Lee", confidence=0.9)}
    unsure = {"patient_name": FieldResult(value="Ann", confidence=0.3)}
    assert keep_second(("unknown", 0.2, {}), ("prescription", 0.8, sure), specs)
    assert keep_second(("prescription", 0.8, unsure), ("prescription", 0.9, sure), specs)
    assert not keep_second(("prescription", 0.8, sure), ("prescription", 0.9, unsure), specs)
    assert not keep_second(("prescription", 0.6, unsure), ("patient_details", 0.9, sure), specs)


def test_a_page_whose_lines_rapidocr_mostly_rewrote_is_read_again_whole():
    from medxtract.document import Document, Page
    from medxtract.pipeline import _struggled

    def page(replaced: int, source: str = "ocr") -> Page:
        return Page(number=1, width=100, height=100, source=source,
                    ocr_stats={"lines": 20, "replaced": replaced})

    assert _struggled(Document(pages=[page(2), page(6)]))
    assert not _struggled(Document(pages=[page(2), page(4)]))
    assert not _struggled(Document(pages=[page(20, "text_layer")]))


def test_a_second_reading_that_finds_the_required_fields_wins():
    from medxtract.pipeline import keep_second
    from medxtract.result import FieldResult
    from medxtract.understand.specs import load_specs

    specs = load_specs()
    without = {"medicines": FieldResult(value=None, confidence=0.1),
               "patient_name": FieldResult(value="Ann Lee", confidence=0.9)}
    with_ = {"medicines": FieldResult(value=[{"name": "Prednisone", "strength": "20 mg"}],
                                      confidence=0.4),
             "patient_name": FieldResult(value=None, confidence=0.1)}
    assert keep_second(("prescription", 0.8, without), ("prescription", 0.8, with_), specs)


def _losing_the_date(src, settings):
    """Fault injection: a first reading that saw the "Date:" label but not the date written
    beside it (the rest of the page is real)."""
    for page in medxtract.pipeline.read_pages_serially(src, settings):
        lines = [line.model_copy(update={"words": [w for w in line.words
                                                   if not any(c.isdigit() for c in w.text)]})
                 if line.words[0].text.startswith("Date") else line for line in page.lines]
        yield page.model_copy(update={"lines": lines})


def test_a_labelled_value_no_reading_saw_is_read_where_its_label_points():
    result = medxtract.pipeline.extract(SEED / "pre_1.pdf", "prescription",
                                        page_reader=_losing_the_date)
    assert "second_reading" not in result.timings  # the fields stood: no whole page again
    assert "blank_reading" in result.timings
    assert result.fields["date"].value == "2022-05-11"
    assert result.fields["date"].engine == "rapidocr"


def test_an_empty_answer_box_holds_no_unread_ink_and_a_filled_one_does():
    from medxtract.document import Word

    img = Image.new("L", (1000, 400), 255)
    draw = ImageDraw.Draw(img)
    draw.text((40, 40), "ID number", font=ImageFont.truetype(str(PRINT), 24), fill=0)
    for y in (90, 250):
        draw.rectangle((40, y, 600, y + 60), outline=0, width=2)  # two answer boxes
    draw.text((60, 100), "XK26088871", font=ImageFont.truetype(str(PRINT), 34), fill=0)
    image = np.asarray(img)
    label = Word(text="ID number", confidence=0.9, bbox=(0.04, 0.1, 0.16, 0.17))
    line_h = 0.07
    filled = cascade.unread_ink(image, (0.02, 0.2, 0.65, 0.42), [label], line_h)
    assert filled is not None and filled[0] < 0.08 and filled[2] > 0.25
    assert cascade.unread_ink(image, (0.02, 0.6, 0.65, 0.82), [label], line_h) is None
    # Ink a word already covers is read: nothing left to read again.
    value = Word(text="XK26088871", confidence=0.9, bbox=(0.06, 0.25, 0.36, 0.35))
    assert cascade.unread_ink(image, (0.02, 0.2, 0.65, 0.42), [label, value], line_h) is None

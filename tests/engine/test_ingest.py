"""Inputs: born-digital, images, multi-page TIFF, and every kind of bad input."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

import medxtract
from medxtract.config import EngineSettings
from medxtract.errors import (
    CorruptInputError,
    EmptyInputError,
    EncryptedInputError,
    InputTooLargeError,
    InvalidImageError,
    UnknownDocumentTypeError,
    UnsupportedInputError,
)
from medxtract.read.ingest import SourceDocument


def pdf_bytes(text_lines: list[str], encrypt: bool = False) -> bytes:
    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("secret", canPrint=0) if encrypt else None
    c = canvas.Canvas(buf, encrypt=enc)
    for i, line in enumerate(text_lines):
        c.drawString(72, 760 - 18 * i, line)
    c.save()
    return buf.getvalue()


def png_header(w: int, h: int) -> bytes:
    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyInputError),
        (b"hello, I am a text file renamed .pdf\n", UnsupportedInputError),
        (b"%PDF-1.7\n1 0 obj\n<<", CorruptInputError),
        (png_header(0, 0), InvalidImageError),
        (png_header(100_000, 100_000), InputTooLargeError),
    ],
)
def test_bad_inputs_raise_our_errors(data, error):
    with pytest.raises(error) as exc:
        medxtract.extract(data)
    assert "\n" not in str(exc.value)


def test_encrypted_pdf():
    with pytest.raises(EncryptedInputError, match="encrypted"):
        medxtract.extract(pdf_bytes(["secret"], encrypt=True))


def test_truncated_real_pdf(seed_dir: Path):
    data = (seed_dir / "pre_2.pdf").read_bytes()[:20000]
    with pytest.raises(CorruptInputError):
        medxtract.extract(data)


def test_limits_on_size_and_pages():
    with pytest.raises(InputTooLargeError, match="MB"):
        SourceDocument(b"%PDF-" + b"0" * 2000, EngineSettings(max_upload_bytes=1000))
    pdf = pdf_bytes(["one"])
    with pytest.raises(InputTooLargeError, match="pages"):
        SourceDocument(pdf, EngineSettings(max_pages=0))


def test_unknown_type_name():
    with pytest.raises(UnknownDocumentTypeError, match="known: auto"):
        medxtract.extract(pdf_bytes(["x"]), doc_type="invoice")


def test_born_digital_pdf_uses_text_layer_with_boxes():
    data = pdf_bytes(
        ["Patient Name: Grace Hopper      Date: 12/09/2021", "Refill: 1 times"] + ["filler"] * 3
    )
    result = medxtract.extract(data, doc_type="prescription")
    assert result.page_info[0].source == "text_layer"
    assert result.fields["patient_name"].value == "Grace Hopper"
    assert result.fields["patient_name"].source == "text_layer"
    x0, y0, x1, y1 = result.fields["patient_name"].bbox
    assert 0 < x0 < x1 < 1 and 0 < y0 < y1 < 0.2  # near the top of the page


def test_multi_page_tiff_reads_every_frame():
    frames = [Image.new("L", (400, 300), 255), Image.new("L", (400, 300), 255)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    doc = SourceDocument(buf.getvalue(), EngineSettings())
    assert doc.page_count == 2 and doc.load_page(1).image.shape == (300, 400)


def test_render_page_gives_a_png(seed_dir: Path):
    png = medxtract.render_page(seed_dir / "pre_2.pdf", 1)
    assert png.startswith(b"\x89PNG")


def test_sideways_photo_is_turned_and_its_review_image_matches(seed_dir: Path):
    """A real photo turned a quarter: read upright, and the review image is the picture as
    given (the frame of the field boxes), not the engine's upright one."""
    png = medxtract.render_page(seed_dir / "pre_2.pdf", 1)
    turned = Image.open(io.BytesIO(png)).rotate(90, expand=True)
    buf = io.BytesIO()
    turned.save(buf, format="PNG")
    result = medxtract.extract(buf.getvalue())
    info = result.page_info[0]
    assert info.rotation in (90, 270)
    assert result.document_type == "prescription"
    assert result.fields["patient_name"].value
    review = Image.open(io.BytesIO(medxtract.render_page(buf.getvalue(), 1)))
    assert review.size == (info.original_width, info.original_height) == turned.size
    assert (info.width > info.height) != (turned.width > turned.height)  # read upright


def test_large_phone_jpeg_is_decoded_reduced_and_upright():
    """A 12 Mpx photo is decoded at reduced DCT scale, and its EXIF turn is applied."""
    from medxtract.read.preprocess import TARGET_LONG_SIDE

    photo = Image.new("RGB", (4000, 3000), (200, 190, 180))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was held turned; view rotated 90° clockwise
    buf = io.BytesIO()
    photo.save(buf, format="JPEG", quality=80, exif=exif)
    raw = SourceDocument(buf.getvalue(), EngineSettings()).load_page(0)
    h, w = raw.image.shape
    assert h > w  # upright: the EXIF turn made it portrait
    assert 0.9 * TARGET_LONG_SIDE <= max(h, w) < 4000
    # The original page is the photo in full, turned: the decoded pixels scale up onto it.
    assert raw.size == (3000, 4000)
    corner = raw.to_page @ np.array([w, h, 1.0])
    assert corner[:2] / corner[2] == pytest.approx([3000, 4000])


def test_a_hyphen_does_not_split_a_line_into_columns():
    from medxtract.document import Word
    from medxtract.read.ingest import group_lines

    def word(text, x0, x1, y0=0.100, y1=0.112):
        return Word(text=text, confidence=0.9, bbox=(x0, y0, x1, y1))

    # "Tramadol - take 1 pill": the hyphen is 2 px tall; the gaps are ordinary spaces.
    words = [word("Tramadol", 0.20, 0.28), word("-", 0.29, 0.295, 0.105, 0.1065),
             word("take", 0.305, 0.34), word("pill", 0.35, 0.38)]  # fmt: skip
    assert [line.text for line in group_lines(words)] == ["Tramadol - take pill"]
    # A real column gap still splits.
    far = [word("07355", 0.20, 0.26), word("Height", 0.60, 0.66)]
    assert [line.text for line in group_lines(far)] == ["07355", "Height"]

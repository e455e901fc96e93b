"""Values filled into a PDF that live outside its text layer: AcroForm widgets and
free-text annotations (a PDF editor's "add text" tool). Each becomes words with the box
the value is drawn in, `source="form_field"`, so line grouping puts a value on its
label's line. Check boxes and radio buttons read as a glyph: ☒ checked, ☐ unchecked.
"""

from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from reportlab.pdfbase.pdfmetrics import stringWidth

from medxtract.document import Word

CHECKED, UNCHECKED = "☒", "☐"
# What a viewer draws for an auto-sized (size 0) single-line field: about this share of
# the box height.
AUTO_FONT_SHARE = 0.7
# Widget and free-text borders plus padding, in points, inside the annotation's rect.
PADDING = 2.0
LINE_SPACING = 1.15

_TEXT_KINDS = (
    pdfium_c.FPDF_FORMFIELD_TEXTFIELD,
    pdfium_c.FPDF_FORMFIELD_COMBOBOX,
    pdfium_c.FPDF_FORMFIELD_LISTBOX,
)
_BOX_KINDS = (pdfium_c.FPDF_FORMFIELD_CHECKBOX, pdfium_c.FPDF_FORMFIELD_RADIOBUTTON)
_HIDDEN = pdfium_c.FPDF_ANNOT_FLAG_HIDDEN | pdfium_c.FPDF_ANNOT_FLAG_NOVIEW
_DA_SIZE = re.compile(r"([\d.]+)\s+Tf")


def form_words(pdf: pdfium.PdfDocument, page: pdfium.PdfPage, pw: float, ph: float) -> list[Word]:
    """Words of every visible, filled widget and free-text annotation on the page."""
    formenv = pdf.formenv.raw if pdf.formenv is not None else None
    words: list[Word] = []
    for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, i)
        if not annot:
            continue
        try:
            words += _annot_words(formenv, annot, pw, ph)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return words


def _annot_words(formenv, annot, pw: float, ph: float) -> list[Word]:
    if pdfium_c.FPDFAnnot_GetFlags(annot) & _HIDDEN:
        return []
    subtype = pdfium_c.FPDFAnnot_GetSubtype(annot)
    rect = pdfium_c.FS_RECTF()
    if not pdfium_c.FPDFAnnot_GetRect(annot, rect):
        return []
    box = (min(rect.left, rect.right), min(rect.bottom, rect.top),
           max(rect.left, rect.right), max(rect.bottom, rect.top))  # fmt: skip
    if subtype == pdfium_c.FPDF_ANNOT_FREETEXT:
        text = _wide(pdfium_c.FPDFAnnot_GetStringValue, annot, b"Contents")
        size = _da_size(_wide(pdfium_c.FPDFAnnot_GetStringValue, annot, b"DA"))
        return _text_words(text, box, size, True, pw, ph)
    if subtype != pdfium_c.FPDF_ANNOT_WIDGET or formenv is None:
        return []
    kind = pdfium_c.FPDFAnnot_GetFormFieldType(formenv, annot)
    if kind in _BOX_KINDS:
        glyph = CHECKED if pdfium_c.FPDFAnnot_IsChecked(formenv, annot) else UNCHECKED
        return [_word(glyph, box, pw, ph)]
    if kind not in _TEXT_KINDS:
        return []  # push buttons, signatures
    text = _wide(pdfium_c.FPDFAnnot_GetFormFieldValue, formenv, annot)
    font_size = ctypes.c_float(0.0)
    if not pdfium_c.FPDFAnnot_GetFontSize(formenv, annot, font_size):
        font_size.value = 0.0
    flags = pdfium_c.FPDFAnnot_GetFormFieldFlags(formenv, annot)
    multiline = bool(flags & pdfium_c.FPDF_FORMFLAG_TEXT_MULTILINE)
    return _text_words(text, box, font_size.value, multiline, pw, ph)


def _text_words(text: str, box, size: float, top_aligned: bool, pw: float, ph: float):
    """Lay `text` out as a viewer would: wrapped to the box, single lines centred in it
    (a single-line field) or stacked from its top (multi-line fields, free text)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    x0, y0, x1, y1 = box
    inner = max(x1 - x0 - 2 * PADDING, 1.0)
    if size <= 0:
        size = max(AUTO_FONT_SHARE * (y1 - y0), 1.0)
    rows = _wrap(text, size, inner) if top_aligned else [text.replace("\n", " ")]
    words: list[Word] = []
    for r, row in enumerate(rows):
        # PDF y grows upwards: stack rows down from the top, or centre the one row.
        top = y1 - PADDING - r * size * LINE_SPACING if top_aligned else (y0 + y1 + size) / 2
        # An auto-fitting field squeezes an over-long value into its box.
        squeeze = min(1.0, inner / max(stringWidth(row, "Helvetica", size), 1e-6))
        for start, token in _tokens(row):
            left = x0 + PADDING + squeeze * stringWidth(row[:start], "Helvetica", size)
            width = squeeze * stringWidth(token, "Helvetica", size)
            words.append(_word(token, (left, top - size, left + width, top), pw, ph))
    return words


def _wrap(text: str, size: float, width: float) -> list[str]:
    rows: list[str] = []
    for para in text.split("\n"):
        row = ""
        for token in para.split():
            trial = f"{row} {token}" if row else token
            if row and stringWidth(trial, "Helvetica", size) > width:
                rows.append(row)
                row = token
            else:
                row = trial
        if row:
            rows.append(row)
    return rows


def _tokens(row: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"\S+", row)]


def _word(text: str, box, pw: float, ph: float) -> Word:
    """A word from a PDF-space box (points, y up) to a page-relative box (y down)."""
    x0, y0, x1, y1 = box
    rel = (x0 / pw, 1 - y1 / ph, x1 / pw, 1 - y0 / ph)
    rel = tuple(min(max(v, 0.0), 1.0) for v in rel)
    return Word(text=text, confidence=1.0, bbox=rel, source="form_field")


def _da_size(da: str) -> float:
    """Font size from a default-appearance string such as '/Helv 12 Tf 0 g'."""
    match = _DA_SIZE.search(da)
    return float(match.group(1)) if match else 0.0


def _wide(fn, *args) -> str:
    """A pdfium UTF-16LE string getter: ask for the length, then fill a buffer."""
    length = fn(*args, None, 0)
    if length <= 2:
        return ""
    buf = (ctypes.c_ushort * (length // 2))()
    fn(*args, buf, length)
    return ctypes.string_at(buf, length).decode("utf-16-le", errors="replace").rstrip("\x00")

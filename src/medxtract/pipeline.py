"""The orchestrator: input -> pages -> words -> document type -> fields -> result."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np

from medxtract.config import EngineSettings, Settings, get_settings
from medxtract.document import BBox, Document, Page
from medxtract.errors import InputNotFoundError, MedxtractError, UnknownDocumentTypeError
from medxtract.logs import context, decision
from medxtract.read.ingest import SourceDocument
from medxtract.read.limits import check_file_size
from medxtract.read.read_page import read_page, reread_regions, reread_whole
from medxtract.result import ExtractionResult, FieldResult, PageInfo
from medxtract.understand.classify import classify
from medxtract.understand.fields import find, needs_review, to_results
from medxtract.understand.marks import MarkReader
from medxtract.understand.specs import load_specs
from medxtract.understand.specs.schema import DocumentSpec
from medxtract.understand.structured import add_parts

Source = str | Path | bytes
# Reads the pages of one document; the CLI swaps in a process pool.
PageReader = Callable[[SourceDocument, EngineSettings], Iterable[Page]]
# A document's type, its confidence and its fields.
Found = tuple[str, float, dict[str, FieldResult]]


def read_bytes(source: Source, max_bytes: int | None = None) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), "<bytes>"
    path = Path(source)
    if not path.is_file():
        raise InputNotFoundError(f"no such file: {path}")
    if max_bytes is not None:  # from the file system, before reading a byte
        check_file_size(path, max_bytes)
    return path.read_bytes(), str(path)


def engine_settings(settings: Settings | EngineSettings | None) -> EngineSettings:
    """The engine's section: callers may pass all the settings, as `get_settings()` gives."""
    if settings is None:
        return get_settings().engine
    return settings.engine if isinstance(settings, Settings) else settings


def read_pages_serially(doc: SourceDocument, settings: EngineSettings) -> Iterable[Page]:
    return (read_page(doc.load_page(i), settings) for i in range(doc.page_count))


def extract(
    source: Source,
    doc_type: str = "auto",
    *,
    settings: Settings | EngineSettings | None = None,
    filename: str | None = None,
    page_reader: PageReader = read_pages_serially,
) -> ExtractionResult:
    settings = engine_settings(settings)
    specs = load_specs(settings.specs_dir)
    if doc_type != "auto" and doc_type not in specs:
        raise UnknownDocumentTypeError(
            f"unknown document type '{doc_type}'; known: auto, {', '.join(sorted(specs))}"
        )
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data, name = read_bytes(source, settings.max_upload_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    src = SourceDocument(data, settings)
    timings["open"] = _ms(t0)

    # Decisions name the document by a hash prefix: its file name may name the patient.
    with context(doc=sha256[:12]):
        t1 = time.perf_counter()
        document = Document(pages=list(page_reader(src, settings)))
        timings["read_pages"] = _ms(t1)
        for page in document.pages:
            for stage, ms in page.timings.items():
                timings[stage] = round(timings.get(stage, 0.0) + ms, 2)
        t2 = time.perf_counter()
        given = doc_type
        doc_type, type_conf, fields = _fields(document, src, given, specs, settings)
        timings["fields"] = _ms(t2)
        if settings.ocr_engine == "auto" and (
            _poor(doc_type, fields, specs) or _struggled(document)
        ):
            t3 = time.perf_counter()
            document, doc_type, type_conf, fields = _second_reading(
                document, src, given, specs, settings, (doc_type, type_conf, fields)
            )
            timings["second_reading"] = _ms(t3)
        if settings.ocr_engine == "auto" and (blanks := _blank_regions(document, fields)):
            t4 = time.perf_counter()
            document, doc_type, type_conf, fields = _read_blanks(
                document, src, given, specs, settings, (doc_type, type_conf, fields), blanks
            )
            timings["blank_reading"] = _ms(t4)
        to_original_frame(fields, document)
        for page in document.pages:
            page.image = None  # kept for re-reading regions during the extraction only
        review = needs_review(fields, settings.review_threshold)
        timings["total"] = _ms(t0)
        _log_result(doc_type, type_conf, document, fields, review, timings["total"])
    return ExtractionResult(
        source=filename or name,
        sha256=sha256,
        document_type=doc_type,
        type_confidence=type_conf,
        pages=len(document.pages),
        fields=fields,
        needs_review=review,
        page_info=[
            PageInfo(
                number=p.number,
                width=p.width,
                height=p.height,
                original_width=p.original_width,
                original_height=p.original_height,
                transform=p.transform,
                source=p.source,
                rotation=p.rotation,
                skew=p.skew,
                status=p.status,
                error=p.error,
            )
            for p in document.pages
        ],
        timings=timings,
        document=document,
    )


def _fields(
    document: Document,
    src: SourceDocument,
    doc_type: str,
    specs: dict[str, DocumentSpec],
    settings: EngineSettings,
) -> Found:
    """The document type (`doc_type`, or the best-scoring one for "auto"), its confidence
    and the fields of its spec."""
    marks = MarkReader(_page_images(document, src), {p.number: (p.width, p.height)
                                                     for p in document.pages})
    if doc_type == "auto":
        doc_type, type_conf, found, _ = classify(
            document, specs, settings.date_order, settings.type_threshold, marks
        )
    else:
        type_conf = 1.0
        decision("type.chosen", logging.INFO, type=doc_type, confidence=1.0, why="given")
        found = find(document, specs[doc_type], settings.date_order, marks)
    fields = to_results(found, specs[doc_type]) if doc_type in specs else {}
    if fields:  # structured parts (E.164, name parts, ...) beside the printed values
        add_parts(fields, specs[doc_type], settings)
    return doc_type, type_conf, fields


# With this share of its core fields missing a typed document's reading is poor.
POOR_CORE_MISSING = 0.5


def _poor(doc_type: str, fields: dict[str, FieldResult], specs: dict[str, DocumentSpec]) -> bool:
    """Fields too poor to stand: no type, a required field missing, or half the core fields
    missing. Then the OCR'd pages are read again whole by RapidOCR."""
    spec = specs.get(doc_type)
    if spec is None:
        return True
    if any(fields[n].value is None for n in spec.required if n in fields):
        return True
    core = [fields[n].value is None for n in spec.core if n in fields]
    return bool(core) and sum(core) / len(core) >= POOR_CORE_MISSING


# With this share of a page's lines re-read and replaced, Tesseract struggled there.
STRUGGLED_SHARE = 0.25


def _struggled(document: Document) -> bool:
    """Tesseract misread much of an OCR'd page (the cascade replaced many of its lines):
    its other lines are suspect too (a hand-filled form, a fax)."""
    for page in document.pages:
        stats = page.ocr_stats
        if page.source == "ocr" and stats.get("lines") and (
            stats.get("replaced", 0) / stats["lines"] >= STRUGGLED_SHARE
        ):
            return True
    return False


def _second_reading(
    document: Document,
    src: SourceDocument,
    given: str,
    specs: dict[str, DocumentSpec],
    settings: EngineSettings,
    first: Found,
) -> tuple[Document, *Found]:
    """Tesseract's reading left the fields poor (handwriting, a fax): RapidOCR reads the
    OCR'd pages whole, the fields are found again, and the reading whose fields are
    surer is kept (a typed document over `unknown`, then more required fields, then the
    larger sum of confidences; never a reading that gives a typed document another type)."""
    pages = [reread_whole(p, settings) for p in document.pages]
    doc, found, second = _surer(document, pages, src, given, specs, settings, first)
    if second is not None:
        decision("document.second_reading", pages=sum(p is not None for p in pages),
                 kept="rapidocr" if doc is not document else "tesseract",
                 first_type=first[0], second_type=second[0])
    return doc, *found


def _surer(
    document: Document,
    pages: list[Page | None],
    src: SourceDocument,
    given: str,
    specs: dict[str, DocumentSpec],
    settings: EngineSettings,
    first: Found,
) -> tuple[Document, Found, Found | None]:
    """The document with `pages` read again put in (None: a page as it was) and its fields,
    when they are surer than `first` (see keep_second); else the document as it was. Also
    the fields of the new reading (None when no page was read again)."""
    if not any(pages):
        return document, first, None
    both = zip(pages, document.pages, strict=True)
    new_doc = Document(pages=[new or old for new, old in both])
    second = _fields(new_doc, src, given, specs, settings)
    if keep_second(first, second, specs):
        return new_doc, second, second
    return document, first, second


# At most this many fields a document has its blank values looked for again.
MAX_BLANKS = 8


def _blank_regions(
    document: Document, fields: dict[str, FieldResult]
) -> dict[int, list[tuple[BBox, float]]]:
    """Per OCR'd page, where the values of fields whose label was found but whose value
    was not (or failed its type) should be: right of the label along its row, and under it
    for a few lines; each with the label's line height. Boxes are relative to the page's
    image."""
    pages = {p.number: p for p in document.pages if p.source == "ocr" and p.image is not None}
    out: dict[int, list[tuple[BBox, float]]] = {}
    blank = [(pages[f.page], f.label_bbox) for f in fields.values()
             if f.value is None and f.label_bbox is not None and f.page in pages]
    for page, (x0, y0, x1, y1) in blank[:MAX_BLANKS]:
        lh = y1 - y0
        lw = lh * page.height / max(page.width, 1)  # a line height, across
        out.setdefault(page.number, []).extend([
            ((x1, max(y0 - 0.4 * lh, 0.0), min(x1 + 0.45, 1.0), min(y1 + 0.4 * lh, 1.0)), lh),
            ((max(x0 - 0.5 * lw, 0.0), y1, min(x0 + 0.45, 1.0), min(y1 + 4.5 * lh, 1.0)), lh),
        ])
    return out


def _read_blanks(
    document: Document,
    src: SourceDocument,
    given: str,
    specs: dict[str, DocumentSpec],
    settings: EngineSettings,
    first: Found,
    regions: dict[int, list[tuple[BBox, float]]],
) -> tuple[Document, *Found]:
    """RapidOCR looks again where labelled values came out blank; the fields are found
    again and kept when surer (as for the second reading)."""
    pages = [reread_regions(p, regions[p.number], settings) if p.number in regions else None
             for p in document.pages]
    doc, found, second = _surer(document, pages, src, given, specs, settings, first)
    if second is not None:
        decision("document.blank_reading", regions=sum(map(len, regions.values())),
                 words=sum(p.ocr_stats.get("blank_words", 0) for p in pages if p is not None),
                 kept=doc is not document)
    return doc, *found


def keep_second(first: Found, second: Found, specs: dict[str, DocumentSpec]) -> bool:
    """The second reading's fields are surer than the first's. It may type an unknown
    document; it never gives a typed document another type."""
    if first[0] in specs and second[0] != first[0]:
        return False
    return _sureness(second, specs) > _sureness(first, specs)


def _sureness(found: Found, specs: dict[str, DocumentSpec]) -> tuple[bool, int, float]:
    """A typed document first, then one with more of its required fields (what makes it
    usable at all), then the larger sum of field confidences."""
    doc_type, _conf, fields = found
    spec = specs.get(doc_type)
    required = sum(fields[n].value is not None for n in spec.required if n in fields) if spec else 0
    sure = sum(f.confidence for f in fields.values() if f.value is not None)
    return spec is not None, required, sure


def _log_result(
    doc_type: str,
    type_conf: float,
    document: Document,
    fields: dict[str, FieldResult],
    review: list[str],
    total_ms: float,
) -> None:
    """Per field what was decided, then the document: names, scores and flags only (the
    values are in the result, not in logs)."""
    for name, f in fields.items():
        items = {"items": len(f.value)} if isinstance(f.value, list) else {}
        decision("field.result", field=name, found=f.value is not None, confidence=f.confidence,
                 review=name in review, flags=f.flags, page=f.page, engine=f.engine, **items)
    decision("document", logging.INFO, type=doc_type, type_confidence=type_conf,
             pages=len(document.pages),
             timed_out_pages=sum(p.status == "timeout" for p in document.pages),
             fields_found=sum(f.value is not None for f in fields.values()),
             needs_review=len(review), total_ms=total_ms)


def to_original_frame(fields: dict[str, FieldResult], document: Document) -> None:
    """Every box of every field moved from the engine's image onto the original page."""
    pages = {p.number: p for p in document.pages}
    for f in fields.values():
        page = pages.get(f.page) if f.page is not None else None
        if page is None:
            continue
        f.bbox = page.to_original(f.bbox) if f.bbox else f.bbox
        f.label_bbox = page.to_original(f.label_bbox) if f.label_bbox else f.label_bbox
        for item in f.items or []:
            item_page = pages.get(item.page, page)
            item.bbox, item.name_bbox, item.strength_bbox = (
                item_page.to_original(b) if b else b
                for b in (item.bbox, item.name_bbox, item.strength_bbox)
            )
        if f.items:  # one box per item, each mapped through its own page
            f.item_bboxes = [item.bbox for item in f.items if item.bbox] or None
        elif f.item_bboxes:
            f.item_bboxes = [page.to_original(b) for b in f.item_bboxes]


def render_page(
    source: Source, page: int, *, settings: Settings | EngineSettings | None = None
) -> bytes:
    """PNG of a 1-based page as the original (a PDF page at settings.dpi, an image as
    decoded): the frame of the result's boxes."""
    settings = engine_settings(settings)
    data, _ = read_bytes(source)
    src = SourceDocument(data, settings)
    if not 1 <= page <= src.page_count:
        raise InputNotFoundError(f"page {page} does not exist; the document has {src.page_count}")
    ok, png = cv2.imencode(".png", src.render(page - 1))
    return png.tobytes()


def _page_images(document: Document, src: SourceDocument) -> Callable[[int], np.ndarray | None]:
    """The image a page's words were read from; a text-layer page is rendered when a drawn
    mark (a ticked box, a circled answer) has to be looked at."""
    pages = {p.number: p for p in document.pages}

    def image(number: int) -> np.ndarray | None:
        page = pages.get(number)
        if page is None:
            return None
        if page.image is None and page.source == "text_layer":
            try:
                page.image = src.render(number - 1)
            except MedxtractError:
                return None
        return page.image

    return image


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)

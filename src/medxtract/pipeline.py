"""The orchestrator: input -> pages -> words -> document type -> fields -> result."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2

from medxtract.config import Settings, get_settings
from medxtract.document import Document, Page
from medxtract.errors import InputNotFoundError, UnknownDocumentTypeError
from medxtract.read.ingest import SourceDocument
from medxtract.read.limits import check_file_size
from medxtract.read.read_page import page_image, read_page
from medxtract.result import ExtractionResult, PageInfo
from medxtract.understand.classify import classify
from medxtract.understand.fields import extract_fields, needs_review
from medxtract.understand.specs import load_specs

Source = str | Path | bytes
# Reads the pages of one document; the CLI swaps in a process pool.
PageReader = Callable[[SourceDocument, Settings], Iterable[Page]]


def read_bytes(source: Source, max_bytes: int | None = None) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), "<bytes>"
    path = Path(source)
    if not path.is_file():
        raise InputNotFoundError(f"no such file: {path}")
    if max_bytes is not None:  # from the file system, before reading a byte
        check_file_size(path, max_bytes)
    return path.read_bytes(), str(path)


def read_pages_serially(doc: SourceDocument, settings: Settings) -> Iterable[Page]:
    return (read_page(doc.load_page(i), settings) for i in range(doc.page_count))


def extract(
    source: Source,
    doc_type: str = "auto",
    *,
    settings: Settings | None = None,
    filename: str | None = None,
    page_reader: PageReader = read_pages_serially,
) -> ExtractionResult:
    settings = settings or get_settings()
    specs = load_specs(settings.specs_dir)
    if doc_type != "auto" and doc_type not in specs:
        raise UnknownDocumentTypeError(
            f"unknown document type '{doc_type}'; known: auto, {', '.join(sorted(specs))}"
        )
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data, name = read_bytes(source, settings.max_upload_bytes)
    src = SourceDocument(data, settings)
    timings["open"] = _ms(t0)

    t1 = time.perf_counter()
    document = Document(pages=list(page_reader(src, settings)))
    timings["read_pages"] = _ms(t1)
    for page in document.pages:
        for stage, ms in page.timings.items():
            timings[stage] = round(timings.get(stage, 0.0) + ms, 2)

    t2 = time.perf_counter()
    if doc_type == "auto":
        doc_type, type_conf = classify(document.text, specs, settings.type_threshold)
    else:
        type_conf = 1.0
    fields = extract_fields(document, specs[doc_type], settings) if doc_type in specs else {}
    timings["fields"] = _ms(t2)
    timings["total"] = _ms(t0)
    return ExtractionResult(
        source=filename or name,
        sha256=hashlib.sha256(data).hexdigest(),
        document_type=doc_type,
        type_confidence=type_conf,
        pages=len(document.pages),
        fields=fields,
        needs_review=needs_review(fields, settings.review_threshold),
        page_info=[
            PageInfo(
                number=p.number,
                width=p.width,
                height=p.height,
                source=p.source,
                rotation=p.rotation,
                skew=p.skew,
            )
            for p in document.pages
        ],
        timings=timings,
        document=document,
    )


def render_page(
    source: Source,
    page: int,
    *,
    settings: Settings | None = None,
    rotation: int = 0,
    skew: float | None = None,
) -> bytes:
    """PNG of a 1-based page, oriented as the engine read it (pass the result's page_info)."""
    settings = settings or get_settings()
    data, _ = read_bytes(source)
    src = SourceDocument(data, settings)
    if not 1 <= page <= src.page_count:
        raise InputNotFoundError(f"page {page} does not exist; the document has {src.page_count}")
    raw = src.load_page(page - 1)
    if raw.source == "mixed":
        # Show the typed overlay too: a reviewer checks values against what is on the page.
        raw = dataclasses.replace(raw, image=src.render(page - 1))
    image = page_image(raw, rotation, skew)
    if image is None:
        image = src.render(page - 1)
    ok, png = cv2.imencode(".png", image)
    return png.tobytes()


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)

"""medxtract: medical PDFs and photos in, typed fields with provenance out."""

from __future__ import annotations

from medxtract.errors import ExitCode, MedxtractError
from medxtract.result import ExtractionResult, FieldResult

__version__ = "0.1.0"
__all__ = [
    "ExitCode",
    "ExtractionResult",
    "FieldResult",
    "MedxtractError",
    "extract",
    "render_page",
]


def extract(source, doc_type: str = "auto", *, settings=None, filename: str | None = None):
    """Extract the fields of one document (path or bytes). See `medxtract.pipeline.extract`."""
    from medxtract.pipeline import extract as _extract

    return _extract(source, doc_type, settings=settings, filename=filename)


def render_page(source, page: int, *, settings=None) -> bytes:
    """PNG of 1-based `page` as the original page (a PDF page at the configured dpi, an
    image as decoded): the result's boxes are relative to it."""
    from medxtract.pipeline import render_page as _render_page

    return _render_page(source, page, settings=settings)

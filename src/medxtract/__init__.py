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


def render_page(source, page: int, *, settings=None, rotation=0, skew=None) -> bytes:
    """PNG of 1-based `page` as the engine read it (upright, deskewed): boxes align with it.
    Pass `rotation` and `skew` from the result's `page_info` to skip re-estimating them."""
    from medxtract.pipeline import render_page as _render_page

    return _render_page(source, page, settings=settings, rotation=rotation, skew=skew)

"""Checks on an upload before it is stored or queued: type by content, size, pages, pixels.

Everything here reads headers only; nothing is decoded or rendered, so a decompression
bomb is refused before it can cost memory. The engine repeats the pixel check itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from medxtract.config import EngineSettings
from medxtract.errors import (
    CorruptInputError,
    EmptyInputError,
    EncryptedInputError,
    InputTooLargeError,
    UnsupportedInputError,
)
from medxtract.read.sniff import sniff as sniff_kind

# The engine's content sniffer decides; the service accepts this subset of its kinds.
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
}


@dataclass
class Intake:
    media_type: str
    pages: int


def sniff(head: bytes) -> str:
    """Media type from the first bytes; a PDF may have a little junk before its header."""
    if not head:
        raise EmptyInputError("The upload is empty (0 bytes).")
    media_type = MEDIA_TYPES.get(sniff_kind(head) or "")
    if media_type is not None:
        return media_type
    raise UnsupportedInputError(
        "Unsupported file type: expected a PDF, PNG, JPEG or TIFF (checked by content)."
    )


def inspect(data: bytes, settings: EngineSettings) -> Intake:
    """Media type and pages, with every pre-decode limit the engine applies."""
    from medxtract.read import limits

    media_type = sniff(data[:1024])
    if media_type == "application/pdf":
        pages = _pdf_pages(data, settings.max_pages)
        limits.check_pdf(data, settings)
        return Intake(media_type, pages)
    frames = limits.check_image(data, settings)
    if frames > settings.max_pages:
        raise InputTooLargeError(f"The image has {frames} pages; the limit is "
                                 f"{settings.max_pages}.")
    return Intake(media_type, frames)


def _pdf_pages(data: bytes, max_pages: int) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg or "security" in msg:
            raise EncryptedInputError(
                "The PDF is encrypted (password protected); upload an unprotected copy."
            ) from None
        raise CorruptInputError("The PDF is damaged or truncated and cannot be read.") from None
    try:
        n = len(pdf)
    finally:
        pdf.close()
    if n == 0:
        raise EmptyInputError("The PDF has no pages.")
    if n > max_pages:
        raise InputTooLargeError(f"The PDF has {n} pages; the limit is {max_pages}.")
    return n

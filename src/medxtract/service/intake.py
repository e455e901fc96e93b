"""Checks on an upload before it is stored or queued: type by content, size, pages, pixels.

Everything here reads headers only; nothing is decoded or rendered, so a decompression
bomb is refused before it can cost memory. The engine repeats the pixel check itself.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from medxtract.errors import (
    CorruptInputError,
    EmptyInputError,
    EncryptedInputError,
    InputTooLargeError,
    InvalidImageError,
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


def inspect(data: bytes, *, max_pages: int, max_pixels: int) -> Intake:
    media_type = sniff(data[:1024])
    if media_type == "application/pdf":
        return Intake(media_type, _pdf_pages(data, max_pages))
    return Intake(media_type, _image_pages(data, max_pages, max_pixels))


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


def _image_pages(data: bytes, max_pages: int, max_pixels: int) -> int:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # lazy: reads the header only
            frames = getattr(img, "n_frames", 1)
            if frames > max_pages:
                raise InputTooLargeError(f"The image has {frames} pages; the limit is {max_pages}.")
            for i in range(frames):
                if i:
                    img.seek(i)
                w, h = img.size
                if w <= 0 or h <= 0:
                    raise InvalidImageError("The image has no pixels.")
                if w * h > max_pixels:
                    raise InputTooLargeError(
                        f"Page {i + 1} is {w}x{h} pixels; the limit is {max_pixels} pixels "
                        "per page."
                    )
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputTooLargeError("The image is too large (decompression bomb).") from None
    except UnidentifiedImageError:
        raise InvalidImageError("The image is damaged and cannot be read.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImageError("The image is damaged and cannot be read.") from None
    return frames

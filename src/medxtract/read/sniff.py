"""What a file is, by its content, never by its name."""

from __future__ import annotations

from typing import Literal

Kind = Literal["pdf", "png", "jpeg", "tiff", "bmp", "webp", "heif"]
# ISO base media file brands of HEIF still images (iPhone photos are 'heic').
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

_MAGIC: list[tuple[bytes, Kind]] = [
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
]


def sniff(data: bytes) -> Kind | None:
    head = data[:1024]
    # Some PDF writers put junk before the header; the spec allows it within the first 1 KiB.
    if b"%PDF-" in head:
        return "pdf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heif"
    return None

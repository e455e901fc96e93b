"""A corpus of hostile and broken inputs, built in code (nothing large is stored).

Each case names the code it must get over HTTP and the CLI exit status (docs/service.md,
"Limits"). PDFs are written object by object with a correct xref unless the case breaks it.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from pathlib import Path

SEED = Path(__file__).resolve().parents[2] / "samples" / "seed"


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    http: int  # status of `POST /v1/documents?wait=true` (200: extracted)
    code: str | None  # problem code, or None when it extracts
    exit: int  # `medxtract extract` exit status


def pdf(objects: list[bytes], *, root: int = 1, break_xref: bool = False) -> bytes:
    """A PDF of numbered objects (1-based, in order) with a valid xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % (off + (977 if break_xref else 0))
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (len(objects) + 1, root)
    out += b"startxref\n%d\n%%%%EOF\n" % (xref + (13 if break_xref else 0))
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", flate: bool = False) -> bytes:
    if flate:
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page(contents: bytes, media: bytes = b"0 0 612 792", resources: bytes = b"<< >>",
             flate: bool = False) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Contents 4 0 R /Resources %s >>"
        % (media, resources),
        stream(contents, flate=flate),
    ]


def deflate_repeated(chunk: bytes, total: int) -> bytes:
    """zlib data that inflates to `total` bytes of `chunk` repeated, built in pieces."""
    z = zlib.compressobj(9)
    block = chunk * max(1, (1 << 20) // len(chunk))
    parts, left = [], total
    while left > 0:
        piece = block[: min(left, len(block))]
        parts.append(z.compress(piece))
        left -= len(piece)
    parts.append(z.flush())
    return b"".join(parts)


def text_pdf(break_xref: bool = False) -> bytes:
    text = b"BT /F1 12 Tf 72 700 Td (Prescription for a patient of the clinic) Tj ET"
    res = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    return pdf(one_page(text, resources=res), break_xref=break_xref)


def tiff_frames(n: int) -> bytes:
    from PIL import Image

    frames = [Image.new("1", (8, 8), 1) for _ in range(n)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:],
                   compression="group4")
    return buf.getvalue()


def truncated_jpeg() -> bytes:
    from PIL import Image

    img = Image.effect_noise((800, 600), 60).convert("L")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    data = buf.getvalue()
    return data[: len(data) // 2]


def encrypted_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="secret-password")
    c.drawString(100, 700, "Patient Medical Record")
    c.save()
    return buf.getvalue()


def cases() -> list[Case]:
    loop = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
    ]
    draw = b"0 0 m 612 792 l S\n" * 10
    return [
        # 2 GiB of spaces behind 2 MB of zlib: refused before pdfium parses a command
        Case("flate bomb", pdf(one_page(deflate_repeated(b" ", 2 << 30), flate=True)),
             413, "input_too_large", 8),
        # drawing commands (64 MB of lines) that would take pdfium minutes and gigabytes
        Case("drawing bomb", pdf(one_page(deflate_repeated(draw, 64 << 20), flate=True)),
             413, "input_too_large", 8),
        Case("500-frame TIFF", tiff_frames(500), 413, "input_too_large", 8),
        Case("huge MediaBox", pdf(one_page(b"", media=b"0 0 200000 200000")),
             413, "input_too_large", 8),
        Case("page-tree loop", pdf(loop), 422, "corrupt_input", 4),
        # pdfium rebuilds a broken cross-reference table from the objects themselves
        Case("broken xref", text_pdf(break_xref=True), 200, None, 0),
        Case("truncated JPEG", truncated_jpeg(), 422, "invalid_image", 7),
        Case("zero-byte", b"", 400, "empty_input", 3),
        Case("encrypted", encrypted_pdf(), 422, "encrypted_input", 5),
        Case("not a document", b"MZ\x90\x00 this is an exe\n" * 40, 415, "unsupported_input",
             6),
        Case("truncated PDF", (SEED / "pre_1.pdf").read_bytes()[:3000], 422, "corrupt_input",
             4),
    ]


def write(folder: Path) -> dict[str, Path]:
    """Each case as a file (CLI tests); names carry no meaning to the engine."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i, case in enumerate(cases()):
        path = folder / f"case{i:02d}.bin"
        path.write_bytes(case.data)
        out[case.name] = path
    return out

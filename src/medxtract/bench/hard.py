"""Hard pages for measuring the reading stages: faxes, hand-filled forms, curled rescans.

The generator's own hard tiers live in `medxtract.synth` (another change); these are a
small stand-in built on its forms and truths, so each image-handling step is measured on
pages it was not tuned on (`python -m medxtract.bench.hard --count 4`).
"""

from __future__ import annotations

import argparse
import io
import random
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from medxtract.synth import degrade, generate_one, layout_patient_details, layout_prescription
from medxtract.synth.style import TypedText
from medxtract.synth.writer import image_pdf, rasterise

# Debian's handwriting fonts (fonts-dkg-handwriting, fonts-rufscript, fonts-humor-sans).
HAND_FONTS = [
    "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf",
    "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
    "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
]
HEADER_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FAX_DPI = 200
_BUILD = {
    "prescription": layout_prescription.build,
    "patient_details": layout_patient_details.build,
}


def fax(kind: str, rng: random.Random, fmt: str = "PDF") -> tuple[bytes, dict]:
    """A fax as a fax server saves it (PDF, 1-bit CCITT pages; or fmt="TIFF", G4): 200 dpi,
    broken strokes, streaks, a transmit header."""
    pdf, truth = generate_one(kind, "clean", rng, split="seed")
    nrng = np.random.default_rng(rng.getrandbits(64))
    frames = [_fax_page(g, nrng, i + 1) for i, g in enumerate(rasterise(pdf, FAX_DPI))]
    buf = io.BytesIO()
    extra = {"compression": "group4"} if fmt == "TIFF" else {}
    frames[0].save(buf, format=fmt, save_all=True, append_images=frames[1:],
                   resolution=FAX_DPI, dpi=(FAX_DPI, FAX_DPI), **extra)  # fmt: skip
    return buf.getvalue(), truth


def _fax_page(gray: np.ndarray, rng: np.random.Generator, number: int) -> Image.Image:
    h, w = gray.shape
    img = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), rng.uniform(0.5, 0.9))
    # Dropouts: blobs of 1-2 px where the scanner lost the ink (broken strokes).
    holes = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 0.7)
    img += np.where(holes > rng.uniform(0.62, 0.66), 255, 0).astype(np.float32)
    ink = img < rng.uniform(120, 170)
    for y in rng.integers(0, h, rng.integers(0, 4)):  # a dirty line on the scanner glass
        ink[y : y + rng.integers(1, 3), :] |= rng.random(w) < 0.6
    ink |= rng.random((h, w)) < 0.0008  # salt
    page = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))
    header = f"DEC-01-2026 10:{rng.integers(10, 59)} FROM: +1 555 0100 CLINIC   P.{number:03d}"
    ImageDraw.Draw(page).text((30, 8), header, fill=0, font=ImageFont.truetype(HEADER_FONT, 20))
    return page.convert("1")


def handwritten(kind: str, rng: random.Random) -> tuple[bytes, dict]:
    """The blank form scanned, every value filled in by hand (a handwriting font)."""
    typed: list[TypedText] = []
    blank, truth = _BUILD[kind](rng, typed)
    dpi = rng.choice((200, 240))
    pages = rasterise(blank, dpi)
    font_path = rng.choice(HAND_FONTS)
    ph_pt = _page_height(blank)
    k = dpi / 72
    drawn = [Image.fromarray(p) for p in pages]
    for t in typed:
        draw = ImageDraw.Draw(drawn[t.page])
        font = ImageFont.truetype(font_path, round(t.size * k * rng.uniform(1.05, 1.25)))
        x = t.x * k + rng.uniform(-3, 3)
        y = (ph_pt - t.y) * k + rng.uniform(-2, 2)
        draw.text((x, y), t.text, font=font, fill=rng.randint(0, 60), anchor="ls")
    nrng = np.random.default_rng(rng.getrandbits(64))
    scans = [degrade.scan(np.asarray(p), nrng) for p in drawn]
    return image_pdf(scans, dpi, 85), truth


def curled(kind: str, rng: random.Random) -> tuple[bytes, dict]:
    """A printed page rescanned with its lower part curling: lines tilt and bend more
    towards the bottom."""
    pdf, truth = generate_one(kind, "clean", rng, split="seed")
    nrng = np.random.default_rng(rng.getrandbits(64))
    dpi = rng.choice((200, 240))
    bend = rng.uniform(0.012, 0.025) * rng.choice((-1, 1))  # of the page height, at the bottom
    tilt = rng.uniform(0.8, 1.8) * rng.choice((-1, 1))  # degrees, at the bottom
    pages = [degrade.scan(_curl(g, bend, tilt), nrng) for g in rasterise(pdf, dpi)]
    return image_pdf(pages, dpi, 85), truth


def _curl(gray: np.ndarray, bend: float, tilt: float) -> np.ndarray:
    h, w = gray.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    depth = (ys / h) ** 2  # nothing at the top, most at the bottom
    u = (xs - w / 2) / (w / 2)
    dy = depth * (bend * h * u**2 + np.tan(np.deg2rad(tilt)) * (xs - w / 2))
    return cv2.remap(gray, xs, (ys + dy).astype(np.float32), cv2.INTER_LINEAR, borderValue=255)


def _page_height(pdf: bytes) -> float:
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        return doc[0].get_size()[1]
    finally:
        doc.close()


TIERS: dict[str, Callable[[str, random.Random], tuple[bytes, dict]]] = {
    "fax": fax,
    "handwritten": handwritten,
    "curled": curled,
}


def write(out: Path, count: int, seed: int, tiers=tuple(TIERS)) -> list[Path]:
    """`count` documents per (kind, tier), each with its truth; returns the paths."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for tier in tiers:
        for kind in _BUILD:
            for i in range(count):
                data, truth = TIERS[tier](kind, random.Random(f"{seed}:{tier}:{kind}:{i}"))
                ext = "tif" if data[:2] in (b"II", b"MM") else "pdf"
                path = out / f"{kind}-{tier}-{i:04d}.{ext}"
                path.write_bytes(data)
                path.with_name(f"{path.stem}.truth.json").write_text(json.dumps(truth))
                paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--count", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    for p in write(args.out, args.count, args.seed):
        print(p)


if __name__ == "__main__":
    main()


def measure(folder: Path, settings, show_misses: bool = False) -> dict:
    """Field accuracy and what the cascade did, over every document with a truth."""
    import json
    import time

    import medxtract
    from medxtract.evaluate import truth_pairs, values_equal

    right = total = pages = lines = reread = replaced = whole = recovered = 0
    cascade_ms = 0.0
    start = time.perf_counter()
    for doc, truth_path in truth_pairs(folder):
        truth = json.loads(truth_path.read_text())
        result = medxtract.extract(doc, settings=settings)
        for name, want in truth["fields"].items():
            got = result.fields.get(name)
            ok = got is not None and values_equal(name, got.value, want)
            right += ok
            total += 1
            if show_misses and not ok:
                print(f"  {doc.name} {name}: {want!r} -> {got.value if got else None!r}")
        for page in result.document.pages:
            pages += 1
            stats = page.ocr_stats
            lines += stats.get("lines", 0)
            reread += stats.get("reread", 0)
            replaced += stats.get("replaced", 0)
            recovered += stats.get("recovered", 0)
            whole += bool(stats.get("whole_page"))
            cascade_ms += page.timings.get("cascade", 0.0)
    return {
        "fields": f"{right}/{total}",
        "accuracy": round(right / max(total, 1), 3),
        "pages": pages,
        "lines_reread": f"{reread}/{lines}",
        "lines_replaced": replaced,
        "lines_recovered": recovered,
        "pages_whole": whole,
        "cascade_s": round(cascade_ms / 1000, 1),
        "wall_s": round(time.perf_counter() - start, 1),
    }

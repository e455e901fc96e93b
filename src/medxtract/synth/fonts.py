"""TrueType faces from Debian font packages, registered with reportlab on first use.

Printed forms draw on the PDF base-14 faces plus Debian's DejaVu, Liberation and FreeFont
families; the `handwriting` variant fills values in with handwriting faces. A missing package
only narrows the choice: the generator says once which `make synth-deps` would add, and goes
on with the faces it has (the base-14 faces are always there).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

_ROOT = Path("/usr/share/fonts/truetype")

# name -> (regular, bold) file paths under _ROOT, with the Debian package that ships them.
PRINT_FACES: dict[str, tuple[str, str, str]] = {
    "DejaVuSans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    "DejaVuSerif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf", "fonts-dejavu-core"),
    "DejaVuSansCond": (
        "dejavu/DejaVuSansCondensed.ttf",
        "dejavu/DejaVuSansCondensed-Bold.ttf",
        "fonts-dejavu-extra",
    ),
    "LiberationSans": (
        "liberation/LiberationSans-Regular.ttf",
        "liberation/LiberationSans-Bold.ttf",
        "fonts-liberation",
    ),
    "LiberationSerif": (
        "liberation/LiberationSerif-Regular.ttf",
        "liberation/LiberationSerif-Bold.ttf",
        "fonts-liberation",
    ),
    "LiberationSansNarrow": (
        "liberation/LiberationSansNarrow-Regular.ttf",
        "liberation/LiberationSansNarrow-Bold.ttf",
        "fonts-liberation",
    ),
    "FreeSans": ("freefont/FreeSans.ttf", "freefont/FreeSansBold.ttf", "fonts-freefont-ttf"),
    "FreeSerif": ("freefont/FreeSerif.ttf", "freefont/FreeSerifBold.ttf", "fonts-freefont-ttf"),
    "FreeMono": ("freefont/FreeMono.ttf", "freefont/FreeMonoBold.ttf", "fonts-freefont-ttf"),
}
BASE14 = {
    "Helvetica": ("Helvetica", "Helvetica-Bold"),
    "Times": ("Times-Roman", "Times-Bold"),
    "Courier": ("Courier", "Courier-Bold"),
}
# Handwriting: (file, package, style). Styles: "print" (neat hand), "caps" (block capitals),
# "script" (slanted joined script).
HAND_FACES: dict[str, tuple[str, str, str]] = {
    "DkgHand": ("fifthhorseman/dkg.ttf", "fonts-dkg-handwriting", "print"),
    "DkgHandBold": ("fifthhorseman/dkgBd.ttf", "fonts-dkg-handwriting", "print"),
    "HumorSans": ("humor-sans/Humor-Sans.ttf", "fonts-humor-sans", "caps"),
    "Rufscript": ("rufscript/Rufscript010.ttf", "fonts-rufscript", "script"),
}
# Has the check-box glyphs (U+2610 BALLOT BOX, U+2612 X IN BOX, U+2713 CHECK MARK).
SYMBOL_FACE = "DejaVuSans"


def _register(name: str, rel: str) -> bool:
    path = _ROOT / rel
    if not path.is_file():
        return False
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return True


@cache
def print_families() -> dict[str, tuple[str, str]]:
    """{family: (regular font name, bold font name)}: base-14 plus every TrueType family
    installed."""
    out = dict(BASE14)
    missing: set[str] = set()
    for fam, (reg, bold, pkg) in PRINT_FACES.items():
        if _register(fam, reg) and _register(fam + "-Bold", bold):
            out[fam] = (fam, fam + "-Bold")
        else:
            missing.add(pkg)
    if missing:
        log.warning(
            "synth: font packages %s not installed; forms use the other faces "
            "(run `make synth-deps` to add them)",
            ", ".join(sorted(missing)),
        )
    return out


@cache
def hand_faces() -> dict[str, str]:
    """{font name: style} of the handwriting faces installed (may be empty)."""
    out: dict[str, str] = {}
    missing: set[str] = set()
    for name, (rel, pkg, style) in HAND_FACES.items():
        if _register(name, rel):
            out[name] = style
        else:
            missing.add(pkg)
    if missing:
        log.warning(
            "synth: handwriting font packages %s not installed; handwritten values use the "
            "faces that are (run `make synth-deps`)",
            ", ".join(sorted(missing)),
        )
    return out


@cache
def symbol_font() -> str | None:
    """A registered face with the ballot-box glyphs, or None (boxes are then drawn)."""
    reg, _bold, _pkg = PRINT_FACES[SYMBOL_FACE]
    return SYMBOL_FACE if _register(SYMBOL_FACE, reg) else None


def is_unicode(font: str) -> bool:
    """Base-14 faces draw Latin-1 only; TrueType faces draw what their glyphs cover."""
    return font not in {f for pair in BASE14.values() for f in pair} and not font.startswith(
        ("Helvetica", "Times", "Courier")
    )

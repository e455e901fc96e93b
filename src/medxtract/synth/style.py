"""Per-document look (page size, fonts, sizes, spacing, margins) and drawing helpers.

Every form picks a fresh Style so extraction rules cannot lean on one exact layout.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from medxtract.synth import fonts


@dataclass
class Style:
    page: tuple[float, float]
    regular: str
    bold: str
    label_font: str  # labels are bold on some forms, plain on others
    heading_font: str
    value_size: float
    label_size: float
    heading_size: float
    leading: float  # multiple of the font size between stacked lines
    margin_left: float
    margin_top: float
    col2_frac: float  # where the right column starts, as a fraction of the page width
    label_gray: float  # 0 = black; real forms often print labels grey

    @property
    def width(self) -> float:
        return self.page[0]

    @property
    def height(self) -> float:
        return self.page[1]

    @property
    def col2_x(self) -> float:
        return self.width * self.col2_frac

    def line(self, size: float | None = None) -> float:
        return (size or self.value_size) * self.leading


def random_style(rng: random.Random) -> Style:
    families = fonts.print_families()
    # Half the forms keep the PDF base-14 faces, the rest use any installed TrueType face.
    if rng.random() < 0.5:
        family = rng.choice(("Helvetica", "Helvetica", "Times", "Courier"))
    else:
        family = rng.choice(sorted(families))
    regular, bold = families[family]
    value = rng.uniform(11, 14)
    if family in ("Courier", "FreeMono"):
        value = min(value, 12.5)  # Courier is wide; keep long lines on the page
    return Style(
        page=rng.choice((LETTER, A4)),
        regular=regular,
        bold=bold,
        label_font=rng.choice((bold, bold, regular)),
        heading_font=bold,
        value_size=value,
        label_size=value + rng.uniform(-1, 1),
        heading_size=value + rng.uniform(3, 9),
        leading=rng.uniform(1.25, 1.6),
        margin_left=rng.uniform(45, 85),
        margin_top=rng.uniform(45, 85),
        col2_frac=rng.uniform(0.5, 0.58),
        label_gray=rng.choice((0.0, 0.0, 0.25, 0.4)),
    )


@dataclass(frozen=True)
class TypedText:
    """A value the overlay variant types over the scanned blank form (PDF points, y up)."""

    page: int  # 0-based
    x: float  # left end of the baseline, after alignment
    y: float
    text: str
    font: str
    size: float


class Pen:
    """A reportlab canvas plus the document style, with a few form-drawing shortcuts.

    Given a `typed` list, the pen draws the blank form only: every `value()` is appended
    to that list instead of being drawn, for the overlay variant to type in later."""

    def __init__(
        self, style: Style, typed: list[TypedText] | None = None, hand: Hand | None = None
    ) -> None:
        self.style = style
        self.hand = hand
        self.buf = io.BytesIO()
        # invariant=1 drops timestamps and random IDs so a seed gives identical bytes.
        self.c = Canvas(self.buf, pagesize=style.page, invariant=1)
        self.typed = typed
        self.page = 0  # 0-based index of the page being drawn

    def text(
        self,
        x: float,
        y: float,
        s: str,
        font: str | None = None,
        size: float | None = None,
        gray: float = 0.0,
        align: str = "left",
    ) -> float:
        """Draw one line; returns its width."""
        x, font, size, w = self._place(x, s, font, size, align)
        self.c.setFillGray(gray)
        self.c.setFont(font, size)
        self.c.drawString(x, y, s)
        self.c.setFillGray(0)
        return w

    def _place(
        self, x: float, s: str, font: str | None, size: float | None, align: str
    ) -> tuple[float, str, float, float]:
        """(left x, font, size, width) of `s` aligned at `x`, with the style's defaults."""
        font = font or self.style.regular
        size = size or self.style.value_size
        w = stringWidth(s, font, size)
        if align == "center":
            x -= w / 2
        elif align == "right":
            x -= w
        return x, font, size, w

    def label(self, x: float, y: float, s: str) -> float:
        st = self.style
        return self.text(x, y, s, st.label_font, st.label_size, st.label_gray)

    def value(
        self,
        x: float,
        y: float,
        s: str,
        font: str | None = None,
        size: float | None = None,
        align: str = "left",
    ) -> float:
        """A filled-in answer (anything the truth is read from, not the printed form)."""
        if self.hand is not None:
            s, font, size, y = self.hand.restyle(s, size or self.style.value_size, y)
        if self.typed is None:
            return self.text(x, y, s, font, size, align=align)
        x, font, size, w = self._place(x, s, font, size, align)
        self.typed.append(TypedText(self.page, x, y, s, font, size))
        return w

    def box(self, x: float, y: float, w: float, h: float, width: float = 0.8) -> None:
        """A printed rectangle with its lower-left corner at (x, y)."""
        self.c.setStrokeGray(0.1)
        self.c.setLineWidth(width)
        self.c.rect(x, y, w, h, stroke=1, fill=0)

    def checkbox(self, x: float, y: float, size: float, checked: bool, kind: str) -> None:
        """A tick box on the baseline at (x, y). kind: "tick"/"cross" (a drawn box, marked
        with a pen stroke), "glyph" (the ballot-box characters), "bracket" ("[X]" / "[ ]")."""
        sym = fonts.symbol_font()
        if kind == "glyph" and sym:
            if checked and self.typed is None:
                self.text(x, y, "\u2612", sym, size * 1.2)
            else:
                self.text(x, y, "\u2610", sym, size * 1.2)
                if checked:
                    self.value(x + size * 0.2, y + size * 0.1, "X", size=size * 0.9)
            return
        if kind == "bracket":
            self.text(x, y, "[   ]", size=size)
            if checked:
                self.value(x + self.width_of("[", size=size) + 1, y, "X", size=size)
            return
        self.box(x, y - size * 0.15, size, size)
        if not checked:
            return
        if self.typed is not None:  # the overlay types its mark over the scanned box
            self.value(x + size * 0.18, y + size * 0.05, "X", size=size * 0.95)
            return
        c = self.c
        c.setStrokeGray(0.05)
        c.setLineWidth(max(1.0, size * 0.12))
        b = y - size * 0.15
        if kind == "cross":
            c.line(x + 1, b + 1, x + size - 1, b + size - 1)
            c.line(x + 1, b + size - 1, x + size - 1, b + 1)
        else:  # a tick that overshoots the box, as pens do
            c.line(x + size * 0.15, b + size * 0.5, x + size * 0.4, b + size * 0.1)
            c.line(x + size * 0.4, b + size * 0.1, x + size * 1.1, b + size * 1.2)

    def rule(self, x1: float, y: float, x2: float, width: float = 0.8, gray: float = 0.2) -> None:
        self.c.setStrokeGray(gray)
        self.c.setLineWidth(width)
        self.c.line(x1, y, x2, y)

    def width_of(self, s: str, font: str | None = None, size: float | None = None) -> float:
        return stringWidth(s, font or self.style.regular, size or self.style.value_size)

    def value_width(self, s: str, size: float | None = None) -> float:
        """Width of `s` as `value()` writes it (in the hand, when there is one)."""
        if self.hand is not None:
            return self.hand.measure(s, size or self.style.value_size)
        return self.width_of(s, size=size)

    def wrap(self, s: str, max_width: float) -> list[str]:
        """Greedy word wrap of a value."""
        lines: list[str] = []
        cur = ""
        for word in s.split():
            trial = f"{cur} {word}".strip()
            if cur and self.value_width(trial) > max_width:
                lines.append(cur)
                cur = word
            else:
                cur = trial
        return [*lines, cur] if cur else lines

    def new_page(self) -> None:
        self.c.showPage()
        self.page += 1

    def finish(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


class Hand:
    """Values written by hand: a handwriting face per document (block capitals, marker or
    slanted script), a little larger than print, each entry on a slightly wandering line."""

    def __init__(self, rng: random.Random) -> None:
        faces = fonts.hand_faces()
        self.rng = random.Random(rng.getrandbits(64))
        if faces:
            self.font = rng.choice(sorted(faces))
            self.caps = faces[self.font] == "caps" or rng.random() < 0.25
        else:  # no handwriting package: an oblique print face stands in (warned once)
            self.font, self.caps = "Courier-Oblique", True
        self.scale = rng.uniform(0.95, 1.12)  # more would overrun the form's spaces

    def measure(self, s: str, size: float) -> float:
        return stringWidth(s.upper() if self.caps else s, self.font, size * self.scale)

    def restyle(self, s: str, size: float, y: float) -> tuple[str, str, float, float]:
        text = s.upper() if self.caps else s
        return text, self.font, size * self.scale, y + self.rng.uniform(-1.5, 1.5)

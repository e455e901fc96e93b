"""Shared pieces of the form families: the per-document context, labels with or without
colons, key/value lines, headings, check boxes, and distractor fields (labels that belong
to no truth field, filled with plausible values)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from medxtract.synth import people
from medxtract.synth.dates import printed_date
from medxtract.synth.manifest import Words
from medxtract.synth.style import Hand, Pen, Style, TypedText, random_style

CHECK_KINDS = ("tick", "cross", "glyph", "bracket")


@dataclass
class Form:
    """One document being drawn: its pen, randomness, wordings and truth so far."""

    rng: random.Random
    pen: Pen
    words: Words
    colon: str  # ":" or "" after labels
    check_kind: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def st(self) -> Style:
        return self.pen.style

    def lab(self, key: str, *, split_ok: bool = False) -> str:
        """A wording for `key`, with this form's colon unless it is a question."""
        w = self.words.pick(key, split_ok=split_ok)
        return w if w.endswith("?") or "|" in w else w + self.colon

    def label_value(
        self, x: float, y: float, label: str, value: str, *, gap: float | None = None
    ) -> float:
        """`label value` on one line; returns the x where the value ends."""
        w = self.pen.label(x, y, label)
        vx = x + w + (gap if gap is not None else self.rng.uniform(5, 12))
        return vx + self.pen.value(vx, y, value) if value else vx

    def heading(self, x: float, y: float, text: str, right: float, *, rule: bool = True) -> float:
        """A section heading (sometimes upper case, sometimes ruled); returns the next y."""
        st = self.st
        size = st.heading_size * self.rng.uniform(0.7, 0.85)
        if self.rng.random() < 0.3:
            text = text.upper()
        self.pen.text(x, y, text, st.heading_font, size, gray=st.label_gray)
        if rule:
            self.pen.rule(x, y - size * 0.35, right, width=self.rng.uniform(0.5, 1.2))
        return y - st.line() * self.rng.uniform(1.5, 2.0)

    def check(self, x: float, y: float, checked: bool, size: float | None = None) -> float:
        """A check box at x (for captions of `size`); returns its width plus a small gap."""
        size = (size or self.st.label_size) * 0.85
        self.pen.checkbox(x, y, size, checked, self.check_kind)
        if self.check_kind == "bracket":
            return self.pen.width_of("[   ]", size=size) + 4
        return size * 1.25 + 4

    def circle_option(
        self, x: float, y: float, text: str, chosen: bool, size: float | None = None
    ) -> float:
        """A printed choice, circled by hand when chosen; returns its width."""
        pen, size = self.pen, size or self.st.label_size
        w = pen.text(x, y, text, size=size)
        if chosen:
            if pen.typed is None:
                pen.c.setLineWidth(1.2)
                pen.c.ellipse(x - 4, y - 4, x + w + 4, y + size)
            else:  # the overlay types a mark where the pen would circle
                pen.value(x - 2, y - 1, "O", size=size * 1.4)
        return w

    def options(
        self, x: float, y: float, choices: list[str], chosen: str, size: float | None = None
    ) -> float:
        """Check boxes with captions ("[x] Yes [ ] No") at the label size unless `size` is
        given; returns the x after the last one."""
        st = self.st
        for c in choices:
            x += self.check(x, y, c == chosen, size)
            caption = self.pen.text(x, y, c, st.label_font, size or st.label_size, st.label_gray)
            x += caption + self.rng.uniform(10, 18)
        return x


def start(
    rng: random.Random, typed: list[TypedText] | None, words: Words | None, hand: Hand | None
) -> Form:
    st = random_style(rng)
    return Form(
        rng=rng,
        pen=Pen(st, typed, hand),
        words=words or Words(rng),
        colon=rng.choice((":", ":", "")),
        check_kind=rng.choice(CHECK_KINDS),
    )


def signature(
    pen: Pen, rng: random.Random, x: float, y: float, width: float, height: float = 24.0
) -> None:
    """A scrawled signature on the baseline at (x, y), at most `height` tall, on filled forms
    only: a slanted looping line (a prolate cycloid) whose loops grow and shrink. It draws
    from `rng` either way, so blank and filled forms stay in step."""
    loops = rng.randint(3, 6)
    r = width / loops / (2 * math.pi) * rng.uniform(1.3, 2.0)  # over 1 per radian: loops
    slant = rng.uniform(0.1, 0.4)
    wobble = [rng.uniform(0.6, 1.4) for _ in range(loops + 1)]
    stroke = rng.uniform(0.7, 1.3)
    if pen.typed is not None:
        return
    steps = loops * 16
    r = min(r, 9.0, height / 2.8)  # 2.8: twice the radius, times the largest wobble
    step_x = (width - 2 * r) / steps
    path = pen.c.beginPath()
    for k in range(steps + 1):
        t = k / 16 * 2 * math.pi
        h = r * wobble[k // 16]
        dy = h * (1 - math.cos(t))
        px, py = x + r + k * step_x - h * math.sin(t) + slant * dy, y + dy
        if k == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    pen.c.setStrokeGray(0.1)
    pen.c.setLineWidth(stroke)
    pen.c.drawPath(path, stroke=1, fill=0)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def distractor(rng: random.Random, kind: str) -> tuple[str, str]:
    """(label, value) of a field no truth asks for. kind: "rx", "pd" or "any"."""
    first, last = people.name_parts(rng)
    common = [
        ("MRN", f"{_digits(rng, 7)}"),
        ("NHS no.", f"{_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 4)}"),
        ("Fax", people.phone(rng)),
        ("Email", people.email(rng, first, last)),
        ("Sex", rng.choice(("M", "F", "Male", "Female"))),
        ("Hospital no.", f"H{_digits(rng, 6)}"),
        ("Ward", rng.choice(("Ward 7B", "Oak Ward", "ICU", "Day unit"))),
        ("Age", str(rng.randint(2, 90))),
    ]
    rx = [
        ("Consultant", f"Dr {people.person_name(rng)}"),
        ("Admission date", printed_date(rng, 2019, 2025)[0]),
        ("Pharmacy", rng.choice(("Boots", "CVS Pharmacy", "Walgreens #2231", "Apollo Pharmacy"))),
        ("License no.", f"{rng.choice('ABCDGM')}{_digits(rng, 6)}"),
        ("Signature", ""),
        ("Diagnosis", rng.choice(("URTI", "Hypertension", "Otitis media", "Cellulitis"))),
    ]
    pd = [
        ("Relationship", rng.choice(("Spouse", "Mother", "Son", "Friend", "Sister"))),
        ("Occupation", rng.choice(("Teacher", "Nurse", "Driver", "Retired", "Engineer"))),
        ("GP name", f"Dr {people.person_name(rng)}"),
        ("Marital status", rng.choice(("Single", "Married", "Widowed", "Divorced"))),
        ("Employer", rng.choice(("City Council", "Acme Ltd", "Self-employed", "County School"))),
        ("Signature", ""),
        ("Preferred language", rng.choice(("English", "Spanish", "Hindi", "Polish"))),
        ("Referred by", f"Dr {people.person_name(rng)}"),
    ]
    pool = common + (rx if kind == "rx" else pd if kind == "pd" else rx + pd)
    return rng.choice(pool)


def distractors(rng: random.Random, n: int, kind: str) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    while len(out) < n:
        k, v = distractor(rng, kind)
        out.setdefault(k, v)
    return list(out.items())


def wrap(
    pen: Pen, text: str, width: float, size: float | None = None, *, printed: bool = False
) -> list[str]:
    """Greedy word wrap at `size`, measured as a value is written (or as print)."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        w = pen.width_of(trial, size=size) if printed else pen.value_width(trial, size)
        if cur and w > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    return [*lines, cur] if cur else lines

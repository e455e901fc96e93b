"""Patient-details family `pd_registration_grid`: a registration grid. A ruled table whose
rows are questions (name, address, phones ...) and whose columns are the people they are
asked about (the patient, the emergency contact); then a two-column "question | answer"
table for measurements, history and insurance."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import kit
from medxtract.synth.manifest import Words
from medxtract.synth.pd_common import patient
from medxtract.synth.style import Hand, Pen, TypedText

# Grid rows: (row wording key, patient field, emergency-contact field or None)
GRID = [
    ("patient_name", "patient_name", "emergency_contact_name"),
    ("address", "address", "emergency_contact_address"),
    ("emergency_contact_home_phone", "phone", "emergency_contact_home_phone"),
    ("emergency_contact_work_phone", None, "emergency_contact_work_phone"),
    ("birth_date", "birth_date", None),
]
ANSWERS = [
    "record_date",
    "weight",
    "height",
    "chicken_pox",
    "measles",
    "hepatitis_b_vaccinated",
    "medical_problems",
    "allergies",
    "regular_medications",
    "has_insurance",
    "insurance_company",
    "policy_number",
    "insurance_address",
    "insurance_expiry",
]


def build(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f = kit.start(rng, typed, words, hand)
    st, pen = f.st, f.pen
    p = patient(rng)
    x0 = st.margin_left * rng.uniform(0.5, 0.8)
    x1 = st.width - x0
    y = st.height - st.margin_top
    size = st.value_size * rng.uniform(0.85, 0.95)
    lead = st.line(size)
    present: list[str] = []

    pen.text(x0, y, f.words.pick("pd_title"), st.heading_font, st.heading_size)
    y -= st.line() * 2
    # The people grid.
    cols = [x0, x0 + (x1 - x0) * rng.uniform(0.2, 0.26)]
    cols.append(cols[1] + (x1 - cols[1]) / 2)
    cols.append(x1)
    heads = ["", f.words.pick("h_patient"), f.words.pick("h_emergency")]
    for cx, h in zip(cols, heads, strict=False):
        pen.text(cx + 4, y, h, st.bold, size)
    top = y + lead
    y -= lead * 0.5
    rows_y = [top, y]
    for key, mine, theirs in GRID:
        y -= lead
        label = f.words.pick(key).rstrip(":")
        if key == "patient_name" and rng.random() < 0.5:
            label = "Name"
        # A label wider than its column wraps (as printed, in the label face's size).
        llines = kit.wrap(pen, label, cols[1] - cols[0] - 10, st.label_size, printed=True)
        for k, line in enumerate(llines):
            pen.label(cols[0] + 4, y - k * lead, line)
        height = len(llines)
        for ci, field in ((1, mine), (2, theirs)):
            if field is None:
                continue
            present.append(field)
            lines = kit.wrap(pen, p.shown[field], cols[ci + 1] - cols[ci] - 10, size)
            for k, line in enumerate(lines[:2]):
                pen.value(cols[ci] + 5, y - k * lead, line, size=size)
            if len(lines) > 2:
                p.truth[field] = " ".join(lines[:2])
            height = max(height, min(len(lines), 2))
        y -= lead * (height - 1) + lead * 0.5
        rows_y.append(y)
    _grid(pen, cols, rows_y)

    # Question | answer table.
    y -= st.line() * 1.5
    split = x0 + (x1 - x0) * rng.uniform(0.38, 0.48)
    rows_y = [y + lead]
    answers = list(ANSWERS)
    if rng.random() < 0.4:
        rng.shuffle(answers)
    for key in answers:
        if y < st.margin_top + 2 * lead:
            _grid(pen, [x0, split, x1], rows_y)
            pen.new_page()
            y = st.height - st.margin_top
            rows_y = [y + lead]
        present.append(key)
        q = f.words.pick(key)
        qlines = kit.wrap(pen, q, split - x0 - 10, size, printed=True)
        for k, line in enumerate(qlines):
            pen.text(x0 + 4, y - k * lead, line, st.label_font, size, gray=st.label_gray)
        if key in ("hepatitis_b_vaccinated", "has_insurance"):
            f.options(split + 6, y, ["Yes", "No"], p.shown[key])
            alines = [""]
        elif key in ("chicken_pox", "measles"):
            chosen = "Immune" if p.truth[key] == "IMMUNE" else "Not immune"
            f.options(split + 6, y, ["Immune", "Not immune"], chosen)
            alines = [""]
        else:
            alines = kit.wrap(pen, p.shown[key], x1 - split - 12, size)[:2] or [""]
            for k, line in enumerate(alines):
                pen.value(split + 6, y - k * lead, line, size=size)
            if " ".join(alines) != p.shown[key] and p.truth[key] is not None:
                p.truth[key] = " ".join(alines)
        y -= lead * (max(len(qlines), len(alines)) - 1) + lead * 0.5
        rows_y.append(y)
        y -= lead
    _grid(pen, [x0, split, x1], rows_y)
    label, value = kit.distractor(rng, "pd")
    f.label_value(x0, max(24.0, y - lead), label + f.colon, value)
    return pen.finish(), {"document_type": "patient_details", "fields": p.fields(tuple(present))}


def _grid(pen: Pen, xs: list[float], ys: list[float]) -> None:
    """Rules between rows and columns of a table whose row boundaries are `ys`."""
    for yv in ys:
        pen.rule(xs[0], yv, xs[-1], width=0.6, gray=0.2)
    pen.c.setLineWidth(0.6)
    for xv in xs:
        pen.c.line(xv, ys[0], xv, ys[-1])

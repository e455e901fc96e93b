"""Patient-details family `pd_new_patient`: a two-column "New Patient Information" form.
Sections (patient, emergency contact, insurance, medical history) each repeat plain
"Name:"-style labels; answers follow their labels on the same line, two pairs to a row,
long answers across the page; yes/no and immunity answers are tick boxes."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import kit
from medxtract.synth.manifest import Words
from medxtract.synth.pd_common import patient
from medxtract.synth.style import Hand, TypedText

WIDE = {
    "address",
    "emergency_contact_address",
    "insurance_address",
    "medical_problems",
    "allergies",
    "regular_medications",
}
# Answers a cut would garble (a date, a number): they shrink to fit instead.
WHOLE = {"record_date", "birth_date", "insurance_expiry", "phone", "weight", "height"}
BOXES = {
    "hepatitis_b_vaccinated": "yesno",
    "has_insurance": "yesno",
    "chicken_pox": "immune",
    "measles": "immune",
}


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
    x0 = st.margin_left * rng.uniform(0.6, 1.0)
    x1 = st.width - x0
    xm = (x0 + x1) / 2 + rng.uniform(-10, 10)
    y = st.height - st.margin_top
    d = kit.distractors(rng, 6, "pd")

    title = f.words.pick("pd_title")
    pen.text(x0, y, title, st.heading_font, st.heading_size * 1.1)
    y -= st.line() * 1.2
    pen.text(
        x0,
        y,
        "Please print clearly. All information is kept confidential.",
        size=st.label_size * 0.8,
        gray=0.3,
    )
    y -= st.line() * 1.8
    plain = rng.random() < 0.6  # "Name:" in every section rather than varied wordings
    sections = [
        (
            "h_patient",
            [
                "patient_name",
                "record_date",
                "birth_date",
                "d0",
                "phone",
                "d1",
                "address",
                "weight",
                "height",
            ],
        ),
        (
            "h_emergency",
            [
                "emergency_contact_name",
                "d2",
                "emergency_contact_home_phone",
                "emergency_contact_work_phone",
                "emergency_contact_address",
            ],
        ),
        (
            "h_insurance",
            [
                "has_insurance",
                "insurance_company",
                "d3",
                "policy_number",
                "insurance_expiry",
                "insurance_address",
            ],
        ),
        (
            "h_history",
            [
                "chicken_pox",
                "measles",
                "hepatitis_b_vaccinated",
                "medical_problems",
                "allergies",
                "regular_medications",
            ],
        ),
    ]
    if rng.random() < 0.5:
        sections[2], sections[3] = sections[3], sections[2]
    present: list[str] = []
    for head, keys in sections:
        if y < st.margin_top + st.line() * 6:
            pen.new_page()
            y = st.height - st.margin_top
        y = f.heading(x0, y, f.words.pick(head), x1)
        col = 0
        for key in keys:
            wide = key in WIDE or key in BOXES  # tick-box rows need the width
            if wide and col == 1:
                y -= st.line() * 1.6
                col = 0
            if col == 0 and y < st.line() * 1.2:  # at the paper's edge: go on overleaf
                pen.new_page()
                y = st.height - st.margin_top
            x = x0 if col == 0 else xm
            if key.startswith("d"):
                label, value = d[int(key[1])]
                label += f.colon
            elif plain and key in ("patient_name", "emergency_contact_name"):
                label, value = "Name" + f.colon, p.shown[key]
            elif plain and key in ("address", "emergency_contact_address", "insurance_address"):
                label, value = "Address" + f.colon, p.shown[key]
            elif plain and key in ("phone", "emergency_contact_home_phone"):
                label, value = rng.choice(("Phone", "Home phone")) + f.colon, p.shown[key]
            else:
                label, value = f.lab(key), p.shown[key]
            if not key.startswith("d"):
                present.append(key)
            limit = x1 if wide or col == 1 else xm - 12
            if key in BOXES:
                lw = pen.label(x, y, label)
                if BOXES[key] == "yesno":
                    f.options(x + lw + 8, y, ["Yes", "No"], value)
                else:
                    chosen = "Immune" if p.truth[key] == "IMMUNE" else "Not immune"
                    f.options(x + lw + 8, y, ["Immune", "Not immune"], chosen)
            else:
                lw = pen.label(x, y, label)
                lines = kit.wrap(pen, value, limit - x - lw - 10) if value else []
                size = None
                if len(lines) > 2 and key in WHOLE:  # a long label: the answer prints smaller
                    size = st.value_size * (limit - x - lw - 10) / pen.value_width(value)
                    lines = [value]
                pen.rule(x + lw + 4, y - 3, limit, width=0.4, gray=0.5)
                for i, line in enumerate(lines[:2]):
                    pen.value(x + lw + 8, y - i * st.line(), line, size=size)
                if len(lines) > 2:
                    p.truth[key] = " ".join(lines[:2])
                if len(lines) > 1:
                    y -= st.line()
            if wide or col == 1:
                y -= st.line() * 1.6
                col = 0
            else:
                col = 1
        if col == 1:
            y -= st.line() * 1.6
        y -= st.line() * 0.4
    pen.rule(x0, max(36.0, y - st.line()), x0 + 200)
    pen.text(
        x0,
        max(36.0, y - st.line()) - st.line(st.label_size),
        "Signature of patient",
        size=st.label_size * 0.8,
    )
    return pen.finish(), {"document_type": "patient_details", "fields": p.fields(tuple(present))}

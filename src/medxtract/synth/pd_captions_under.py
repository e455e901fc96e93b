"""Patient-details family `pd_captions_under`: answers written ON a rule with the caption
printed UNDER it, as signature blocks are ("________ / Patient name"), two or three to a
row; yes/no answers are written on the line too, with the choices in the caption."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import kit
from medxtract.synth.manifest import Words
from medxtract.synth.pd_common import patient
from medxtract.synth.style import Hand, TypedText


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
    x0 = st.margin_left
    x1 = st.width - x0
    y = st.height - st.margin_top
    cap = st.label_size * rng.uniform(0.65, 0.8)
    row_h = st.value_size + cap + rng.uniform(14, 22)

    pen.text(
        st.width / 2, y, f.words.pick("pd_title"), st.heading_font, st.heading_size, align="center"
    )
    y -= st.line() * 2.2
    present: list[str] = []
    yes_no = rng.choice(("(yes / no)", "(Y/N)", "- yes or no"))
    imm = rng.choice(("(immune / not immune)", "- immune or not immune?"))
    dvals = kit.distractors(rng, 4, "pd")

    def item(key: str, frac: float) -> tuple[str, float]:
        return key, frac

    sections: list[tuple[str, list[list[tuple[str, float]]]]] = [
        (
            "h_patient",
            [
                [item("patient_name", 0.62), item("record_date", 0.38)],
                [item("birth_date", 0.3), item("phone", 0.4), item("d0", 0.3)],
                [item("address", 1.0)],
                [item("weight", 0.25), item("height", 0.25), item("d1", 0.5)],
            ],
        ),
        (
            "h_emergency",
            [
                [item("emergency_contact_name", 0.55), item("d2", 0.45)],
                [item("emergency_contact_address", 1.0)],
                [
                    item("emergency_contact_home_phone", 0.5),
                    item("emergency_contact_work_phone", 0.5),
                ],
            ],
        ),
        (
            "h_history",
            [
                [item("chicken_pox", 0.5), item("measles", 0.5)],
                [item("hepatitis_b_vaccinated", 1.0)],
                [item("medical_problems", 1.0)],
                [item("allergies", 1.0)],
                [item("regular_medications", 1.0)],
            ],
        ),
        (
            "h_insurance",
            [
                [item("has_insurance", 0.4), item("insurance_company", 0.6)],
                [item("policy_number", 0.5), item("insurance_expiry", 0.5)],
                [item("insurance_address", 1.0)],
            ],
        ),
    ]
    for head, rows in sections:
        if y < st.margin_top + 3 * row_h:
            pen.new_page()
            y = st.height - st.margin_top
        if rng.random() < 0.8:
            y = f.heading(x0, y, f.words.pick(head), x1, rule=rng.random() < 0.5)
        for row in rows:
            if y < st.margin_top + row_h:
                pen.new_page()
                y = st.height - st.margin_top
            if rng.random() < 0.3:
                row = row[::-1]
            x = x0
            for key, frac in row:
                w = (x1 - x0) * frac - 14
                line_y = y - st.value_size * 0.4
                pen.rule(x, line_y, x + w, width=0.6, gray=0.3)
                if key.startswith("d"):
                    label, value = dvals[int(key[1])]
                else:
                    label = f.words.pick(key).rstrip(":")
                    value = p.shown[key]
                    if key in ("hepatitis_b_vaccinated", "has_insurance"):
                        label = f"{label.rstrip('?')} {yes_no}"
                    elif key in ("chicken_pox", "measles"):
                        label = f"{label} {imm}"
                    present.append(key)
                shown = value
                while shown and pen.value_width(shown) > w - 8:
                    shown = shown.rsplit(" ", 1)[0] if " " in shown else ""
                if shown != value and not key.startswith("d"):
                    p.truth[key] = shown.rstrip(",")  # what fits the line is the answer
                if shown:
                    pen.value(x + rng.uniform(2, 10), y, shown)
                pen.text(x, line_y - cap - 2, label, st.label_font, cap, gray=st.label_gray)
                x += w + 14
            y -= row_h
        y -= st.line() * rng.uniform(0.3, 0.8)
    return pen.finish(), {"document_type": "patient_details", "fields": p.fields(tuple(present))}

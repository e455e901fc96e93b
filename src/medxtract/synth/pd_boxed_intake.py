"""Patient-details family `pd_boxed_intake`: a boxed intake form. Every answer sits in a
ruled cell whose small CAPITAL label is printed in the cell's top-left corner; sections
start with a shaded bar; yes/no and immune/not-immune answers are tick boxes (drawn boxes
ticked or crossed, ballot-box glyphs, or brackets)."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import kit
from medxtract.synth.manifest import Words
from medxtract.synth.pd_common import Patient, patient
from medxtract.synth.style import Hand, TypedText

# (key, width as a fraction of the row, kind): kind "text", "lines" (wrapped, two lines),
# "yesno", "immune", or "d" (a distractor, key is its label).
Cell = tuple[str, float, str]


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
    y = st.height - st.margin_top * rng.uniform(0.6, 1.0)
    cap = rng.uniform(6.5, 8.0)  # the corner labels' size
    cell_h = st.value_size + cap + rng.uniform(8, 14)
    dvals = dict(kit.distractors(rng, 6, "pd"))

    pen.text(x0, y, f.words.pick("pd_title"), st.heading_font, st.heading_size)
    y -= st.line() * 1.4
    present: list[str] = []
    name_split = f.words.pick("patient_name", split_ok=True)

    def name_cells() -> list[Cell]:
        if "|" in name_split:
            a, b = name_split.split("|")
            return [("@" + a, 0.35, "surname"), ("@" + b, 0.3, "first")]
        return [("patient_name", 0.6, "text")]

    sections: list[tuple[str, list[Cell]]] = [
        (
            "h_patient",
            [
                *name_cells(),
                ("record_date", 0.2, "text"),
                ("birth_date", 0.25, "text"),
                ("d:" + list(dvals)[0], 0.2, "d"),
                ("phone", 0.35, "text"),
                ("address", 1.0, "lines"),
                ("weight", 0.2, "text"),
                ("height", 0.2, "text"),
                ("d:" + list(dvals)[1], 0.3, "d"),
            ],
        ),
        (
            "h_emergency",
            [
                ("emergency_contact_name", 0.5, "text"),
                ("d:" + list(dvals)[2], 0.25, "d"),
                ("emergency_contact_home_phone", 0.3, "text"),
                ("emergency_contact_work_phone", 0.3, "text"),
                ("emergency_contact_address", 1.0, "lines"),
            ],
        ),
        (
            "h_history",
            [
                ("chicken_pox", 0.5, "immune"),
                ("measles", 0.5, "immune"),
                ("hepatitis_b_vaccinated", 0.6, "yesno"),
                ("medical_problems", 1.0, "lines"),
                ("allergies", 0.5, "text"),
                ("regular_medications", 0.5, "text"),
            ],
        ),
        (
            "h_insurance",
            [
                ("has_insurance", 0.5, "yesno"),
                ("insurance_company", 0.5, "text"),
                ("policy_number", 0.35, "text"),
                ("insurance_expiry", 0.3, "text"),
                ("insurance_address", 1.0, "lines"),
            ],
        ),
    ]
    if rng.random() < 0.4:  # history and insurance swap places on some forms
        sections[2], sections[3] = sections[3], sections[2]
    for head, cells in sections:
        if rng.random() < 0.4:
            rng.shuffle(cells)
        if y < st.margin_top + 4 * cell_h:
            pen.new_page()
            y = st.height - st.margin_top
        # The section bar: a grey band with the heading on it.
        pen.c.setFillGray(rng.uniform(0.82, 0.92))
        pen.c.rect(x0, y - 4, x1 - x0, st.label_size + 8, stroke=0, fill=1)
        pen.c.setFillGray(0)
        pen.text(x0 + 4, y, f.words.pick(head).upper(), st.bold, st.label_size)
        y -= 4
        row: list[Cell] = []
        for cell in [*cells, None]:
            if cell is not None and sum(c[1] for c in row) + cell[1] <= 1.0001:
                row.append(cell)
                continue
            scale = 1.0 / sum(c[1] for c in row)
            h = cell_h * (1.6 if any(c[2] == "lines" for c in row) else 1.0)
            cx = x0
            for key, frac, kind in row:
                w = (x1 - x0) * frac * scale
                pen.box(cx, y - h, w, h, width=0.6)
                _fill(f, p, key, kind, cx, y, w, h, cap, dvals, present)
                cx += w
            y -= h
            row = [cell] if cell else []
        y -= st.line() * rng.uniform(0.6, 1.2)

    label, value = list(dvals.items())[3]
    f.label_value(x0, max(30.0, y - st.line()), label + f.colon, value)
    return pen.finish(), {"document_type": "patient_details", "fields": p.fields(tuple(present))}


def _fill(
    f: kit.Form,
    p: Patient,
    key: str,
    kind: str,
    x: float,
    top: float,
    w: float,
    h: float,
    cap: float,
    dvals: dict[str, str],
    present: list[str],
) -> None:
    """Draw one cell's corner label and its answer; note the truth field it holds."""
    pen, st = f.pen, f.st
    if kind == "d":
        label = key[2:]
    elif key.startswith("@"):
        label = key[1:]
    else:
        label = f.words.pick(key)
    pen.text(
        x + 3,
        top - cap - 2,
        label.upper().rstrip(":?") + ("?" if label.endswith("?") else ""),
        st.label_font,
        cap,
        gray=st.label_gray,
    )
    vy = top - cap - 4 - st.value_size
    vx = x + 6
    if kind == "d":
        value, size = dvals[label], st.value_size
        if value and pen.value_width(value) > w - 12:  # a long answer in a narrow cell
            size *= (w - 12) / pen.value_width(value)
        pen.value(vx, vy, value, size=size)
        return
    if kind in ("surname", "first"):
        pen.value(vx, vy, p.last if kind == "surname" else p.first)
        if "patient_name" not in present:
            present.append("patient_name")
            p.truth["patient_name"] = [f"{p.first} {p.last}", f"{p.last}, {p.first}"]
        return
    present.append(key)
    if kind == "yesno":
        f.options(vx, vy, ["Yes", "No"], p.shown[key])
    elif kind == "immune":
        chosen = "Immune" if p.truth[key] == "IMMUNE" else "Not immune"
        f.options(vx, vy, ["Immune", "Not immune"], chosen)
    else:
        lines = kit.wrap(pen, p.shown[key], w - 12) or [""]
        for i, line in enumerate(lines[:2]):
            if line:
                pen.value(vx, vy - i * st.line(), line)
        if len(lines) > 2:  # the cell ran out of room: the truth keeps what fits
            p.truth[key] = " ".join(lines[:2])

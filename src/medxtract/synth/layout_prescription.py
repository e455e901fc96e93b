"""One-page prescription: centred prescriber header, patient lines, Rx, medicines,
directions, refills - modelled on samples/seed/pre_*.pdf."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import clinical, people
from medxtract.synth.dates import printed_date
from medxtract.synth.kit import distractor
from medxtract.synth.manifest import Words
from medxtract.synth.style import Hand, Pen, TypedText, random_style

NAME_LABELS = ("Name:", "Patient Name:", "Patient:")
DATE_LABELS = ("Date:", "Date of issue:")
ADDRESS_LABELS = ("Address:", "Patient Address:")
DIRECTIONS_LABELS = ("Directions:", "Sig:", "Instructions:")
REFILL_STYLES = ("Refill: {n} times", "Refills: {n}", "Refill: {n}")
PHONE_LABELS = ("Phone", "Phone:", "Tel:")


def build(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """(pdf_bytes, truth); with `typed`, the values go there instead (see `Pen`). The
    prescriber header stays printed: it is part of the pad, not filled in. With `words`,
    the labels come from the wording bank instead of the sample's own wordings."""
    st = random_style(rng)
    pen = Pen(st, typed, hand)

    def lab(key: str, own: tuple[str, ...]) -> str:
        return words.pick(key) + ":" if words else rng.choice(own)

    cx = st.width / 2 + rng.uniform(-15, 15)
    right = st.width - st.margin_left + rng.uniform(-10, 10)

    # Header: name, street, "City. Phone (000)-111-2222" (or city and phone on own lines).
    prescriber = people.prescriber(rng)
    street = people.street_line(rng)
    city = rng.choice(people.CITIES)[0]
    phone = people.phone(rng)
    phone_label = rng.choice(PHONE_LABELS)
    if rng.random() < 0.6:
        header = [f"{street},", f"{city}. {phone_label} {phone}"]
    else:
        header = [street, city, f"{phone_label} {phone}"]
    y = st.height - st.margin_top - rng.uniform(0, 20)
    hsize = st.value_size + rng.uniform(0, 3)
    pen.text(cx, y, prescriber, rng.choice((st.regular, st.bold)), hsize, align="center")
    for line in header:
        y -= st.line(hsize)
        pen.text(cx, y, line, size=hsize, align="center")

    # Patient name and date on one underlined line.
    patient = people.person_name(rng)
    date_text, date_truth = printed_date(rng, 2018, 2025)
    y -= st.line() * rng.uniform(2.2, 3.2)
    x = st.margin_left
    w = pen.label(x, y, lab("patient_name", NAME_LABELS))
    vx = x + w + rng.uniform(6, 14)
    pen.value(vx, y, patient)
    date_label = lab("date", DATE_LABELS)
    date_w = pen.width_of(date_text) + 8
    dlx = right - date_w - pen.width_of(date_label, st.label_font, st.label_size) - 6
    name_end = vx + pen.value_width(patient) + 12
    if name_end > dlx - 16:
        # A long label pushes the name into the date: the date goes on the line under it
        # (printed over each other, neither could be read).
        pen.rule(vx - 4, y - 4, name_end)
        y -= st.line() * 1.6
    else:
        pen.rule(vx - 4, y - 4, dlx - 16)
    pen.label(dlx, y, date_label)
    pen.value(right - date_w + 4, y, date_text)
    pen.rule(right - date_w, y - 4, right)

    # Patient address, one underlined line.
    address = people.one_line_address(rng)
    y -= st.line() * rng.uniform(1.8, 2.6)
    w = pen.label(x, y, lab("patient_address", ADDRESS_LABELS))
    pen.value(x + w + 5, y, address)
    pen.rule(x + w + 2, y - 4, right)

    # Rx symbol, then 1-3 medicine lines indented.
    y -= st.line() * rng.uniform(2.5, 4)
    _draw_rx(pen, x, y, rng)
    meds = clinical.medicines(rng, rng.choice((1, 1, 2, 2, 3)))
    indent = x + rng.uniform(60, 110)
    y -= st.line() * rng.uniform(1.2, 2)
    for med in meds:
        pen.value(indent, y, f"{med['name']} {med['strength']}")
        y -= st.line()

    # Directions: label, a gap, then wrapped lines.
    y -= st.line() * rng.uniform(0.6, 1.5)
    pen.label(indent, y, lab("directions", DIRECTIONS_LABELS))
    y -= st.line() * rng.uniform(1.2, 2)
    chosen = meds if len(meds) > 1 and rng.random() < 0.7 else meds[:1]
    lines: list[str] = []
    sigs: list[str] = []
    for med in chosen:
        sigs.append(clinical.direction(rng, med["name"]))
        lines += pen.wrap(sigs[-1], right - indent)
    for line in lines:
        pen.value(indent, y, line)
        y -= st.line()

    # Refills, bottom right, number on a short underline.
    refills = rng.randint(0, 5)
    ry = rng.uniform(60, max(70, min(y - 40, 160)))
    template = words.pick("refills") if words else rng.choice(REFILL_STYLES)
    head, tail = template.split("{n}")
    tail_w = pen.width_of(tail, st.label_font, st.label_size)
    num_w = max(pen.width_of(str(refills)) + 16, 28)
    head_w = pen.width_of(head, st.label_font, st.label_size)
    x0 = right - tail_w - num_w - head_w
    pen.label(x0, ry, head)
    pen.value(x0 + head_w + num_w / 2 - pen.width_of(str(refills)) / 2, ry, str(refills))
    pen.rule(x0 + head_w + 2, ry - 3, x0 + head_w + num_w - 2)
    if tail:
        pen.label(x0 + head_w + num_w, ry, tail)

    # A field no truth asks for, bottom left (a signature line, the pharmacy, a fax ...);
    # not on the seed-like forms (no `words`).
    if words:
        dlabel, dvalue = distractor(rng, "rx")
        w = pen.label(x, ry, dlabel + ":")
        if dvalue:
            pen.value(x + w + 6, ry, dvalue)
        else:
            pen.rule(x + w + 4, ry - 3, min(x0 - 20, x + w + 150))

    truth = {
        "prescriber_name": prescriber,
        "prescriber_address": f"{street}, {city}",
        "prescriber_phone": phone,
        "patient_name": patient,
        "date": date_truth,
        "patient_address": address,
        "medicines": meds,
        "directions": "; ".join(sigs),  # one sig per medicine, in medicine order
        "refills": refills,
    }
    return pen.finish(), {"document_type": "prescription", "fields": truth}


def _draw_rx(pen: Pen, x: float, y: float, rng: random.Random) -> None:
    """The prescription sign: a big R with a crossing x, as printed pads show it."""
    size = pen.style.value_size * rng.uniform(2.2, 3)
    pen.text(x, y, "R", "Times-Bold", size)
    pen.text(x + size * 0.45, y - size * 0.25, "x", "Times-Bold", size * 0.75)

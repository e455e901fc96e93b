"""Prescription family `rx_clinic_pad`: a clinic pad. Clinic and doctor top-left, the
patient block top-right (name, age, date, sometimes address), then numbered medicines,
each with its own directions line beneath, refills and a signature line at the foot."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import clinical, kit, people
from medxtract.synth.dates import printed_date
from medxtract.synth.manifest import Words
from medxtract.synth.rx_common import draw_rx, med_text, prescriber, refills_text, rx_truth, sigs
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
    x = st.margin_left
    right = st.width - st.margin_left
    y = st.height - st.margin_top

    # Printed header, left: clinic, doctor, address lines, phone.
    doc = prescriber(rng)
    hs = st.value_size * rng.uniform(1.0, 1.25)
    pen.text(x, y, doc.clinic, st.bold, hs * 1.2)
    hy = y - st.line(hs) * 1.2
    pen.text(x, hy, doc.name, st.bold if rng.random() < 0.5 else st.regular, hs)
    for line in doc.lines:
        hy -= st.line(hs * 0.9)
        pen.text(x, hy, line, size=hs * 0.9)
    hy -= st.line(hs * 0.9)
    pen.text(x, hy, f"{f.lab('prescriber_phone')} {doc.phone}", size=hs * 0.9)

    # Patient block, right-aligned column.
    first, last = people.name_parts(rng)
    name_text, name_truth = people.printed_name(rng, first, last)
    date_text, date_truth = printed_date(rng, 2019, 2026)
    bx = st.width * rng.uniform(0.56, 0.62)
    rows: list[tuple[str, str]] = [
        (f.lab("patient_name"), name_text),
        ("Age" + f.colon, f"{rng.randint(1, 92)}{rng.choice(('', ' y', ' yrs'))}"),
        (f.lab("date"), date_text),
    ]
    addr = None
    if rng.random() < 0.5:
        addr = ", ".join(people.any_address_lines(rng)[:2])
        rows.append((f.lab("patient_address"), addr))
    rng.shuffle(rows)
    by = y
    for label, value in rows:
        size = st.label_size
        if bx + pen.width_of(label, st.label_font, size) + 40 > right:
            size *= (right - bx) * 0.6 / pen.width_of(label, st.label_font, size)  # a long label
        w = pen.text(bx, by, label, st.label_font, size, st.label_gray)
        vx = bx + w + 6
        # Long addresses wrap under the label.
        lines = pen.wrap(value, right - vx)
        if len(lines) > 2:  # too narrow beside a long label: write it on the lines below
            by -= st.line()
            vx = bx + 10
            lines = pen.wrap(value, right - vx)
        for i, line in enumerate(lines):
            pen.value(vx, by - i * st.line(), line)
        pen.rule(vx - 2, by - 3, right, width=0.5, gray=0.5)
        by -= st.line() * (len(lines) + rng.uniform(0.4, 0.9))

    y = min(hy, by) - st.line() * 0.6
    pen.rule(x, y, right, width=1.2)
    y -= st.line() * rng.uniform(2.0, 3.0)
    draw_rx(f, x, y)
    y -= st.line() * rng.uniform(1.5, 2.2)

    meds = clinical.medicine_list(rng, rng.choice((1, 2, 2, 3, 3, 4)))
    directions = sigs(f, meds)
    num = rng.choice(("{i}.", "{i})", "({i})", "{i} -"))
    indent = x + rng.uniform(15, 40)
    for i, (med, sig) in enumerate(zip(meds, directions, strict=True), 1):
        tag = num.format(i=i)
        pen.text(indent, y, tag)
        mx = indent + pen.width_of(tag) + 8
        pen.value(mx, y, med_text(f, med))
        y -= st.line()
        lead = rng.choice(("", "", f.lab("directions") + " "))
        for line in pen.wrap(lead + sig, right - mx - 10):
            pen.value(mx + rng.uniform(8, 20), y, line)
            y -= st.line()
        y -= st.line() * rng.uniform(0.3, 0.8)

    # Foot: refills, distractors, signature.
    refills = rng.randint(0, 5)
    y = min(y - st.line(), rng.uniform(150, 220))
    text = refills_text(f, refills)
    pen.value(x, y, text)  # the doctor writes the refills in
    for label, value in kit.distractors(rng, rng.randint(1, 3), "rx"):
        y -= st.line() * 1.4
        f.label_value(x, y, label + f.colon, value)
    sy = max(50.0, y - st.line() * 2.5)
    pen.rule(right - 180, sy, right)
    pen.text(right - 180, sy - st.line(st.label_size), "Signature", size=st.label_size * 0.8)

    return pen.finish(), rx_truth(doc, name_truth, date_truth, addr, meds, directions, refills)

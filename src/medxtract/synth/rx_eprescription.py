"""Prescription family `rx_eprescription`: an e-prescription printout. A title bar with a
transmission id, prescriber and patient blocks side by side as key: value pairs, then one
block per medicine (drug, strength, directions, quantity, refills) and a footer."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import clinical, kit, people
from medxtract.synth.dates import printed_date
from medxtract.synth.manifest import Words
from medxtract.synth.rx_common import prescriber, rx_truth, sigs
from medxtract.synth.style import Hand, TypedText


def build(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f = kit.start(rng, typed, words, hand)
    f.colon = ":"  # printouts always print "Key: value"
    st, pen = f.st, f.pen
    x = st.margin_left * rng.uniform(0.6, 0.9)
    right = st.width - x
    mid = st.width / 2 + rng.uniform(-10, 10)
    y = st.height - st.margin_top

    pen.text(x, y, f.words.pick("rx_title"), st.bold, st.heading_size)
    pen.text(
        right, y, f"ID {rng.randint(10**9, 10**10 - 1)}", size=st.value_size * 0.8, align="right"
    )
    y -= st.line() * 0.6
    pen.rule(x, y, right, width=1.5)
    y -= st.line() * 1.6

    doc = prescriber(rng)
    first, last = people.name_parts(rng)
    name_text, name_truth = people.printed_name(rng, first, last)
    addr_lines = people.any_address_lines(rng)
    date_text, date_truth = printed_date(rng, 2019, 2026)
    size = st.value_size * 0.9

    def block(
        bx: float, by: float, limit: float, title: str, pairs: list[tuple[str, list[str]]]
    ) -> float:
        pen.text(bx, by, title, st.bold, size * 1.1)
        by -= st.line(size) * 1.4
        for label, lines in pairs:
            lw = pen.label(bx, by, label)
            vx = bx + max(lw + 6, rng.choice((70.0, 80.0, lw + 6)))
            for line in lines:
                for part in kit.wrap(pen, line, limit - vx, size):
                    pen.value(vx, by, part, size=size)
                    by -= st.line(size)
            by -= st.line(size) * 0.25
        return by

    left_pairs = [
        (f.lab("prescriber_name").replace(":", "") + ":", [doc.name]),
        (f.lab("prescriber_address"), doc.lines),
        (f.lab("prescriber_phone"), [doc.phone]),
        ("NPI:", [f"{rng.randint(10**9, 10**10 - 1)}"]),
    ]
    right_pairs = [
        (f.lab("patient_name"), [name_text]),
        ("DOB:", [printed_date(rng, 1940, 2015)[0]]),
        (f.lab("patient_address"), addr_lines),
        ("Phone:", [people.phone_any(rng)]),
    ]
    sides = [("Prescriber", left_pairs), ("Patient", right_pairs)]
    if rng.random() < 0.4:
        sides.reverse()
    ly = block(x, y, mid - 12, *sides[0])
    ry = block(mid, y, right, *sides[1])
    y = min(ly, ry) - st.line() * 0.5
    f.label_value(x, y, f.lab("date"), date_text)
    y -= st.line() * 0.8
    pen.rule(x, y, right, width=0.8)
    y -= st.line() * 1.5

    meds = clinical.medicine_list(rng, rng.randint(1, 3))
    directions = sigs(f, meds)
    refills = rng.randint(0, 5)
    med_label = f.words.pick("medicines") + ":"
    str_label = f.words.pick("strength") + ":"
    dir_label = f.lab("directions")
    qty_label = f.words.pick("quantity") + ":"
    refill_tpl = f.words.pick("refills")
    for med, sig in zip(meds, directions, strict=True):
        if y < st.margin_top + st.line(size) * 9:  # the next block would not fit
            pen.new_page()
            y = st.height - st.margin_top
        pen.text(x, y, "Rx", st.bold, size * 1.2)
        y -= st.line(size) * 1.3
        for label, value in (
            (med_label, med["name"]),
            (str_label, f"{clinical.print_strength(rng, med['strength'])} {med['form']}"),
            (dir_label, sig),
            (qty_label, str(rng.choice((10, 14, 28, 30, 60, 90)))),
            ("", refill_tpl.format(n=refills)),
        ):
            if not label:
                pen.value(x + 12, y, value, size=size)
            else:
                lw = pen.label(x + 12, y, label)
                lines = pen.wrap(value, right - x - lw - 40)
                for line in lines:
                    pen.value(x + 12 + max(lw + 6, 110), y, line, size=size)
                    y -= st.line(size)
                y += st.line(size)
            y -= st.line(size) * 1.1
        y -= st.line(size) * 0.8

    y -= st.line()
    if y < st.margin_top + st.line() * 4:
        pen.new_page()
        y = st.height - st.margin_top
    for label, value in kit.distractors(rng, 2, "rx"):
        f.label_value(x, y, label + ":", value)
        y -= st.line() * 1.2
    note = (
        "Electronically signed by the prescriber and sent to the pharmacy. This printout "
        "is for the patient's records."
    )
    small = st.value_size * 0.7
    for line in kit.wrap(pen, note, right - x, small, printed=True):
        y -= st.line(small)
        pen.text(x, max(12.0, y), line, size=small)

    address = ", ".join(addr_lines)
    return pen.finish(), rx_truth(doc, name_truth, date_truth, address, meds, directions, refills)

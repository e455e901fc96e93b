"""Prescription family `rx_us_card`: a small US prescription card. Prescriber header with
DEA and NPI lines, patient name/address/date lines, the Rx sign, medicines with their sig,
"Refills: 0 1 2 3 PRN" with one circled or ticked, and a "Dispense as written" box."""

from __future__ import annotations

import random
from typing import Any

from medxtract.synth import clinical, kit, people
from medxtract.synth.dates import printed_date
from medxtract.synth.manifest import Words
from medxtract.synth.rx_common import draw_rx, med_text, prescriber, rx_truth, sigs
from medxtract.synth.style import Hand, TypedText

CARD_SIZES = ((396.0, 612.0), (360.0, 504.0), (420.0, 595.0))  # half letter, 5x7 in, A5-ish


def build(
    rng: random.Random,
    typed: list[TypedText] | None = None,
    *,
    words: Words | None = None,
    hand: Hand | None = None,
) -> tuple[bytes, dict[str, Any]]:
    f = kit.start(rng, typed, words, hand)
    st = f.st
    st.page = rng.choice(CARD_SIZES)
    st.value_size = min(st.value_size, 11.0)
    st.label_size = min(st.label_size, 10.5)
    st.margin_left = st.margin_top = rng.uniform(24, 36)
    f.pen = pen = type(f.pen)(st, typed, hand)
    x = st.margin_left
    right = st.width - x
    y = st.height - st.margin_top
    small = st.value_size * 0.8

    doc = prescriber(rng)
    pen.text(st.width / 2, y, doc.name, st.bold, st.value_size * 1.15, align="center")
    for line in [*doc.lines, f"{f.lab('prescriber_phone')} {doc.phone}"]:
        y -= st.line(small)
        pen.text(st.width / 2, y, line, size=small, align="center")
    y -= st.line(small) * 1.3
    dea = f"{rng.choice('ABFM')}{rng.choice('ABCDEFGH')}{rng.randint(10**6, 10**7 - 1)}"
    pen.text(x, y, f"DEA# {dea}", size=small)
    pen.text(right, y, f"NPI# {rng.randint(10**9, 10**10 - 1)}", size=small, align="right")
    y -= st.line(small) * 0.6
    pen.rule(x, y, right, width=1.0)

    first, last = people.name_parts(rng)
    name_text, name_truth = people.printed_name(rng, first, last)
    addr = ", ".join(people.any_address_lines(rng)[:2])
    date_text, date_truth = printed_date(rng, 2019, 2026)
    y -= st.line() * 1.6
    end = f.label_value(x, y, f.lab("patient_name"), name_text)
    pen.rule(end - pen.width_of(name_text) - 2, y - 3, right - 95, width=0.5)
    dl = f.lab("date")
    dx = right - pen.width_of(date_text) - pen.width_of(dl, st.label_font, st.label_size) - 8
    if dx < end + 8:  # a long name: the date goes on a line of its own
        y -= st.line() * 1.5
        dx = x
    f.label_value(dx, y, dl, date_text, gap=4)
    y -= st.line() * 1.5
    al = f.lab("patient_address")
    vx = x + pen.width_of(al, st.label_font, st.label_size) + 8
    alines = kit.wrap(pen, addr, (right - vx) * 0.88)  # room for a wider hand
    f.label_value(x, y, al, alines[0], gap=8)
    for extra in alines[1:]:
        y -= st.line()
        pen.value(vx, y, extra)
    pen.rule(x + 50, y - 3, right, width=0.5)

    y -= st.line() * 2.4
    draw_rx(f, x, y)
    y -= st.line() * 1.8
    meds = clinical.medicine_list(rng, rng.choice((1, 1, 2)))
    directions = sigs(f, meds)
    for med, sig in zip(meds, directions, strict=True):
        for line in kit.wrap(pen, med_text(f, med), right - x - 30):
            pen.value(x + 20, y, line)
            y -= st.line()
        lead = f.lab("directions") + " "
        for line in kit.wrap(pen, lead + sig, right - x - 30):
            pen.value(x + 20, y, line)
            y -= st.line()
        y -= st.line() * 0.5

    # Refills row: every choice printed, the chosen one circled (or ticked).
    refills = rng.randint(0, 3)
    y = min(y - st.line(), 130.0)
    lx = x + pen.label(x, y, "Refills" + (f.colon or ":")) + 10
    circle = rng.random() < 0.6
    for choice in ("0", "1", "2", "3", "PRN"):
        if circle:
            lx += f.circle_option(lx, y, choice, choice == str(refills)) + 14
        else:
            lx += f.check(lx, y, choice == str(refills))
            lx += pen.label(lx, y, choice) + 10
    y -= st.line() * 1.6
    daw = rng.random() < 0.3
    dx = x + f.check(x, y, daw)
    pen.label(dx, y, rng.choice(("Dispense as written", "DAW", "Do not substitute")))
    pen.rule(right - 120, y - 2, right)
    pen.text(right - 120, y - st.line(small), "Prescriber signature", size=small * 0.9)
    label, value = kit.distractor(rng, "rx")
    if y - st.line() * 2.2 > 12:
        f.label_value(x, y - st.line() * 2.2, label + f.colon, value)

    return pen.finish(), rx_truth(doc, name_truth, date_truth, addr, meds, directions, refills)

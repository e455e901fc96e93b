"""Pieces every prescription family shares: the prescriber, medicine lines, refills."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from medxtract.synth import clinical, people
from medxtract.synth.kit import Form


@dataclass
class Prescriber:
    name: str
    lines: list[str]  # address lines
    phone: str
    clinic: str

    @property
    def address(self) -> str:
        return ", ".join(self.lines)


# Quantities as written on hospital forms (a count, a pack, a volume, or days' supply).
QUANTITIES = (
    "14",
    "28",
    "30",
    "56",
    "1 pack",
    "1 tube",
    "100 ml",
    "7 days",
    "2 weeks",
    "1 inhaler",
)

CLINICS = (
    "Riverside Family Practice",
    "Greenfield Medical Centre",
    "Sunrise Clinic",
    "Lakeside Health",
    "City Care Polyclinic",
    "Maple Grove Surgery",
    "St. Anne's Hospital",
    "Hillview Community Hospital",
    "Apollo Clinic",
    "Northgate Health Centre",
)


def prescriber(rng: random.Random) -> Prescriber:
    return Prescriber(
        name=people.prescriber(rng),
        lines=people.any_address_lines(rng),
        phone=people.phone_any(rng),
        clinic=rng.choice(CLINICS),
    )


def med_text(f: Form, med: dict[str, str], *, with_form: bool | None = None) -> str:
    """A medicine as written on one line: "Tab. Amoxicillin 500 mg", "Amoxicillin 500mg cap"."""
    strength = clinical.print_strength(f.rng, med["strength"])
    if with_form is None:
        with_form = f.rng.random() < 0.5
    if not with_form:
        return f"{med['name']} {strength}"
    form = med["form"]
    if f.rng.random() < 0.5:
        return f"{form.capitalize()}. {med['name']} {strength}"
    return f"{med['name']} {strength} {form}"


def refills_text(f: Form, n: int) -> str:
    """ "Refills: 2", "Repeat x2", "No refills" ... from the wording bank."""
    if n == 0 and f.rng.random() < 0.35:
        return f.rng.choice(("No refills", "Refills: none", "NR", "Refills: 0"))
    return f.words.pick("refills").format(n=n)


def sigs(f: Form, meds: list[dict[str, str]]) -> list[str]:
    return [clinical.sig(f.rng) for _ in meds]


def truth_meds(meds: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"name": m["name"], "strength": m["strength"]} for m in meds]


def rx_truth(
    doc: Prescriber,
    patient_name: Any,
    date: Any,
    address: str | None,
    meds: list[dict[str, str]],
    directions: list[str],
    refills: int | None,
) -> dict[str, Any]:
    """A prescription's truth in spec order; a field the form has no place for is left out."""
    fields: dict[str, Any] = {
        "prescriber_name": doc.name,
        "prescriber_address": doc.address,
        "prescriber_phone": doc.phone,
        "patient_name": patient_name,
        "date": date,
    }
    if address:
        fields["patient_address"] = address
    fields |= {"medicines": truth_meds(meds), "directions": "; ".join(directions)}
    if refills is not None:
        fields["refills"] = refills
    return {"document_type": "prescription", "fields": fields}


def draw_rx(f: Form, x: float, y: float) -> float:
    """The Rx sign (a big R with a crossed tail, or the ℞ glyph); returns its width."""
    size = f.st.value_size * f.rng.uniform(2.0, 2.8)
    f.pen.text(x, y, "R", "Times-Bold", size)
    f.pen.text(x + size * 0.45, y - size * 0.25, "x", "Times-Bold", size * 0.75)
    return size * 1.1

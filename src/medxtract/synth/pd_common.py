"""One patient's answers for the patient-details families: what each form prints and the
truth it stands for."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from medxtract.synth import clinical, people
from medxtract.synth.dates import printed_date

FIELDS = (
    "record_date",
    "patient_name",
    "birth_date",
    "phone",
    "address",
    "weight",
    "height",
    "emergency_contact_name",
    "emergency_contact_address",
    "emergency_contact_home_phone",
    "emergency_contact_work_phone",
    "chicken_pox",
    "measles",
    "hepatitis_b_vaccinated",
    "medical_problems",
    "has_insurance",
    "insurance_company",
    "policy_number",
    "insurance_address",
    "insurance_expiry",
    "allergies",
    "regular_medications",
)


@dataclass
class Patient:
    shown: dict[str, str]  # text printed on the form ("" for a blank answer)
    truth: dict[str, Any]
    first: str
    last: str
    addr: list[str]
    em_addr: list[str]
    ins_addr: list[str] = field(default_factory=list)

    def fields(self, present: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The truth for the fields a form has a place for, in spec order."""
        keep = set(present or FIELDS)
        return {k: self.truth[k] for k in FIELDS if k in keep}


def _optional(rng: random.Random, choices: list[str]) -> tuple[str, str | None]:
    if rng.random() < 0.25:
        return rng.choice(("N/A", "None", "", "-")), None
    v = rng.choice(choices)
    return v, v


def patient(rng: random.Random) -> Patient:
    s: dict[str, str] = {}
    t: dict[str, Any] = {}
    s["record_date"], t["record_date"] = printed_date(rng, 2019, 2026)
    first, last = people.name_parts(rng)
    s["patient_name"], t["patient_name"] = people.printed_name(rng, first, last)
    s["birth_date"], t["birth_date"] = printed_date(rng, 1935, 2015)
    s["phone"] = t["phone"] = people.phone_any(rng)
    addr = people.any_address_lines(rng)
    s["address"] = t["address"] = ", ".join(addr)
    kg, cm = rng.randint(42, 135), rng.randint(145, 203)
    t["weight"], t["height"] = str(kg), str(cm)
    s["weight"] = rng.choice((str(kg), f"{kg} kg", f"{kg}kg"))
    s["height"] = rng.choice((str(cm), f"{cm} cm", f"{cm}cm"))
    ef, el = people.name_parts(rng, last if rng.random() < 0.5 else None)
    s["emergency_contact_name"], t["emergency_contact_name"] = people.printed_name(rng, ef, el)
    em_addr = addr if rng.random() < 0.3 else people.any_address_lines(rng)
    s["emergency_contact_address"] = t["emergency_contact_address"] = ", ".join(em_addr)
    for k, p in (("emergency_contact_home_phone", 0.75), ("emergency_contact_work_phone", 0.55)):
        v = people.phone_any(rng) if rng.random() < p else None
        s[k], t[k] = v or "", v
    for k in ("chicken_pox", "measles"):
        t[k] = rng.choice(("IMMUNE", "IMMUNE", "NOT IMMUNE"))
        s[k] = t[k] if rng.random() < 0.5 else t[k].capitalize()
    t["hepatitis_b_vaccinated"] = rng.random() < 0.6
    s["hepatitis_b_vaccinated"] = "Yes" if t["hepatitis_b_vaccinated"] else "No"
    s["medical_problems"], t["medical_problems"] = _optional(rng, clinical.PROBLEMS)
    s["allergies"], t["allergies"] = _optional(rng, clinical.ALLERGIES)
    s["regular_medications"], t["regular_medications"] = _optional(rng, clinical.REGULAR_MEDS)
    has = rng.random() < 0.8
    t["has_insurance"] = has
    s["has_insurance"] = "Yes" if has else "No"
    ins_addr: list[str] = []
    if has:
        s["insurance_company"] = t["insurance_company"] = people.company(rng)
        s["policy_number"] = t["policy_number"] = rng.choice(("", "", "XK", "MBR-", "W")) + "".join(
            str(rng.randint(0, 9)) for _ in range(rng.choice((8, 9, 10, 12)))
        )
        ins_addr = people.address_lines(rng, country_p=0.2)
        s["insurance_address"] = t["insurance_address"] = ", ".join(ins_addr)
        s["insurance_expiry"], t["insurance_expiry"] = printed_date(rng, 2024, 2030)
    else:
        for k in ("insurance_company", "policy_number", "insurance_address", "insurance_expiry"):
            s[k], t[k] = rng.choice(("", "N/A")), None
    return Patient(s, t, first, last, addr, em_addr, ins_addr)

"""FHIR bundles of the seed samples, from real extractions: structured HumanName, Address and
E.164 telecom (phonenumbers, nameparser, usaddress), validated by fhir.resources."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

import medxtract
from medxtract.service import fhir
from medxtract.understand.specs import load_specs

from .conftest import SEED


def _bundle(name: str) -> dict:
    result = medxtract.extract(SEED / f"{name}.pdf")
    record = {"id": name, "document_type": result.document_type, "fields": result.values(),
              "verified_at": "2024-01-02T03:04:05"}
    bundle = fhir.bundle_for(record, load_specs()[result.document_type].fields)
    Bundle.model_validate(bundle)  # raises unless it is a valid R4 Bundle
    return bundle


def _resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize(
    ("name", "given", "family", "line", "city", "postal", "phone"),
    [
        ("pd_1", ["Kathy"], "Crawford", "9264 Ash Dr", "New York City", "10005", "+17379880851"),
        ("pd_2", ["Jerry"], "Lucas", "4218 Wheeler Ridge Dr", "Buffalo", "14201",
         "+12799208204"),
    ],
)
def test_patient_records(name, given, family, line, city, postal, phone):
    b = _bundle(name)
    (patient,) = _resources(b, "Patient")
    assert patient["name"][0]["given"] == given and patient["name"][0]["family"] == family
    address = patient["address"][0]
    assert address["line"] == [line] and address["city"] == city
    assert address["postalCode"] == postal and address["country"] == "US"
    assert patient["telecom"] == [{"system": "phone", "value": phone, "use": "home"}]
    contact = patient["contact"][0]
    assert contact["name"]["family"] == family and contact["address"]["city"] == city
    (coverage,) = _resources(b, "Coverage")
    assert coverage["beneficiary"]["reference"].endswith(patient["id"])


def test_pd_2_emergency_address_has_a_state():
    contact = _resources(_bundle("pd_2"), "Patient")[0]["contact"][0]
    assert contact["address"]["state"] == "New York"


@pytest.mark.parametrize(("name", "family", "meds"), [("pre_1", "Sharapova", 2),
                                                      ("pre_2", "Kohli", 1)])
def test_prescriptions(name, family, meds):
    b = _bundle(name)
    (patient,) = _resources(b, "Patient")
    assert patient["name"][0]["family"] == family
    (doctor,) = _resources(b, "Practitioner")
    # "Dr John Smith, M.D": the hand-written parser made "M.D" the family name
    assert doctor["name"][0] == {"text": "Dr John Smith, M.D", "family": "Smith",
                                 "given": ["John"], "prefix": ["Dr"], "suffix": ["M.D"]}
    # (000) 111-2222 is not a valid number: kept as printed, never turned into a false E.164
    assert doctor["telecom"][0]["value"] == "(000) 111-2222"
    requests = _resources(b, "MedicationRequest")
    assert len(requests) == meds
    assert all(r["requester"]["reference"].endswith(doctor["id"]) for r in requests)

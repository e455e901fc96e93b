"""A verified record as a FHIR R4 Bundle, mapped by the `fhir` path each spec field names.

A spec field says where its value goes, e.g. `fhir: Patient.birthDate` or
`fhir: Patient.contact.telecom.where(use='work')`. Names, addresses and phones go in as
structured parts (HumanName, Address, E.164 ContactPoint). Built as plain JSON and validated
with the `fhir.resources` R4B models (R4B is the R4-compatible package of fhir.resources >= 7).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from medxtract.understand.structured import address_parts, name_parts, phone_parts, region_of

NS = uuid.UUID("6f1c1c1e-55a2-4b8e-9a35-1b7b6c2f0e10")

# FHIR path -> (resource, element, kind). A path not listed here is ignored.
TARGETS: dict[str, tuple[str, str, str]] = {
    "Patient.name": ("patient", "name", "names"),
    "Patient.birthDate": ("patient", "birthDate", "date"),
    "Patient.telecom": ("patient", "telecom", "telecoms"),
    "Patient.address": ("patient", "address", "addresses"),
    "Patient.contact.name": ("contact", "name", "name"),
    "Patient.contact.telecom": ("contact", "telecom", "telecoms"),
    "Patient.contact.address": ("contact", "address", "address"),
    "Practitioner.name": ("practitioner", "name", "names"),
    "Practitioner.telecom": ("practitioner", "telecom", "telecoms"),
    "Practitioner.address": ("practitioner", "address", "addresses"),
    "Coverage.payor": ("coverage", "payor", "displays"),
    "Coverage.subscriberId": ("coverage", "subscriberId", "string"),
    "Coverage.period.end": ("coverage", "period.end", "date"),
    "MedicationRequest.medication": ("medreq", "medication", "medicines"),
    "MedicationRequest.authoredOn": ("medreq", "authoredOn", "date"),
    "MedicationRequest.dosageInstruction": ("medreq", "dosageInstruction", "dosage"),
    "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed": (
        "medreq", "dispenseRequest.numberOfRepeatsAllowed", "count"),
}
_WHERE_USE = re.compile(r"^(?P<path>.+)\.where\(use\s*=\s*'(?P<use>[a-z]+)'\)$")


def _uid(record_id: str, kind: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NS, f'{record_id}/{kind}')}"


def split_path(path: str) -> tuple[str, str | None]:
    m = _WHERE_USE.match(path.strip())
    return (m["path"], m["use"]) if m else (path.strip(), None)


def _human_name(text: str) -> dict[str, Any]:
    p = name_parts(text)
    return _clean({"text": text, "family": p["family"], "given": p["given"],
                   "prefix": p["prefix"], "suffix": p["suffix"]})


def _address(text: str) -> dict[str, Any]:
    p = address_parts(text)
    return _clean({"text": text, "line": [p["street"]] if p.get("street") else None,
                   "city": p.get("city"), "state": p.get("state"),
                   "postalCode": p.get("postal_code"), "country": p.get("country")})


def _telecom(text: str, use: str | None, region: str) -> dict[str, Any]:
    p = phone_parts(text, region)
    return _clean({"system": "phone", "value": p["e164"] or text, "use": use})


def _date(v: Any) -> str | None:
    s = str(v) if v else ""
    m = re.match(r"\d{4}(-\d{2}(-\d{2})?)?", s)
    return m.group() if m else None


def _convert(kind: str, value: Any, use: str | None, region: str) -> Any:
    text = str(value).strip()
    match kind:
        case "names":
            return [_human_name(text)]
        case "name":
            return _human_name(text)
        case "addresses":
            return [{**_address(text), **({"use": use} if use else {})}]
        case "address":
            return _address(text)
        case "telecoms":
            return [_telecom(text, use or "home", region)]
        case "date":
            return _date(value)
        case "displays":
            return [{"display": text}]
        case "dosage":
            return [{"text": text}]
        case "count":
            return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
                else None
        case "medicines":
            return value if isinstance(value, list) else None
    return text


def _put(target: dict[str, Any], element: str, value: Any) -> None:
    *parents, leaf = element.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    if isinstance(value, list) and isinstance(target.get(leaf), list):
        target[leaf] = target[leaf] + value  # e.g. a home and a work phone
    else:
        target[leaf] = value


def mapped(
    fields: Mapping[str, Any], fhir_paths: Mapping[str, str | None], region: str
) -> dict[str, dict[str, Any]]:
    """{resource: {element: FHIR JSON}} from the record's values and the spec's paths."""
    out: dict[str, dict[str, Any]] = {}
    for name, path in fhir_paths.items():
        value = fields.get(name)
        if not path or value in (None, "", []):
            continue
        base, use = split_path(path)
        if base not in TARGETS:
            continue
        resource, element, kind = TARGETS[base]
        converted = _convert(kind, value, use, region)
        if converted not in (None, "", [], {}):
            _put(out.setdefault(resource, {}), element, converted)
    return out


def bundle_for(
    record: dict[str, Any], spec_fields: Mapping[str, Any], default_region: str = "US"
) -> dict[str, Any]:
    """spec_fields: the record type's FieldSpecs (their `fhir` paths and `type`s)."""
    f = record["fields"]
    rid = record["id"]
    addresses = [f.get(n) for n, s in spec_fields.items() if s.type == "address" and f.get(n)]
    # Phones without a country code take the country of the record's address.
    region = next((r for r in map(region_of, addresses) if r), None) or default_region
    parts = mapped(f, {n: s.fhir for n, s in spec_fields.items()}, region)

    patient_url = _uid(rid, "patient")
    patient = {"resourceType": "Patient", "id": patient_url.rsplit(":", 1)[1],
               **parts.get("patient", {})}
    if parts.get("contact"):
        patient["contact"] = [{
            "relationship": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C",
                "display": "Emergency Contact"}]}],
            **parts["contact"],
        }]
    entries = [{"fullUrl": patient_url, "resource": patient}]

    requester = None
    if parts.get("practitioner"):
        url = _uid(rid, "practitioner")
        prac = {"resourceType": "Practitioner", "id": url.rsplit(":", 1)[1],
                **parts["practitioner"]}
        entries.append({"fullUrl": url, "resource": prac})
        names = prac.get("name") or [{}]
        requester = _clean({"reference": url, "display": names[0].get("text")})

    if parts.get("coverage"):
        url = _uid(rid, "coverage")
        cov = parts["coverage"]
        entries.append({"fullUrl": url, "resource": _clean({
            "resourceType": "Coverage", "id": url.rsplit(":", 1)[1], "status": "active",
            "beneficiary": {"reference": patient_url},
            "payor": cov.get("payor") or [{"display": "Unknown insurer"}],
            "subscriberId": cov.get("subscriberId"),
            "identifier": [{"value": cov["subscriberId"]}] if cov.get("subscriberId") else None,
            "period": cov.get("period"),
        })})

    medreq = parts.get("medreq", {})
    for i, med in enumerate(medreq.get("medication") or []):
        if not isinstance(med, dict) or not med.get("name"):
            continue
        url = _uid(rid, f"medreq/{i}")
        text = " ".join(str(x) for x in (med.get("name"), med.get("strength")) if x)
        entries.append({"fullUrl": url, "resource": _clean({
            "resourceType": "MedicationRequest", "id": url.rsplit(":", 1)[1],
            "status": "active", "intent": "order",
            "medicationCodeableConcept": {"text": text},
            "subject": {"reference": patient_url},
            "authoredOn": medreq.get("authoredOn"),
            "requester": requester,
            "dosageInstruction": medreq.get("dosageInstruction"),
            "dispenseRequest": medreq.get("dispenseRequest"),
        })})

    bundle = {
        "resourceType": "Bundle",
        "id": _uid(rid, "bundle").rsplit(":", 1)[1],
        "type": "collection",
        "timestamp": _timestamp(record.get("verified_at")),
        "entry": entries,
    }
    validated = Bundle.model_validate(_clean(bundle))
    return validated.model_dump(mode="json", exclude_none=True)


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, [], {}, "")}


def _timestamp(v: Any) -> str | None:
    if v is None:
        return None
    s = v.isoformat() if hasattr(v, "isoformat") else str(v)
    return s if ("+" in s[10:] or s.endswith("Z")) else s + "+00:00"

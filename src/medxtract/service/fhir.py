"""A verified record as a FHIR R4 Bundle (Patient, Coverage, MedicationRequest).

Built as plain JSON and validated with the `fhir.resources` R4B models (R4B is the
R4-compatible package of fhir.resources >= 7; its top level is R5).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

NS = uuid.UUID("6f1c1c1e-55a2-4b8e-9a35-1b7b6c2f0e10")


def _uid(record_id: str, kind: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NS, f'{record_id}/{kind}')}"


def _name(text: str | None) -> list[dict[str, Any]] | None:
    if not text:
        return None
    cleaned = re.sub(r"^(dr\.?|mr\.?|mrs\.?|ms\.?)\s+", "", text.strip(), flags=re.I)
    parts = cleaned.split()
    name: dict[str, Any] = {"text": text.strip()}
    if len(parts) >= 2:
        name["family"] = parts[-1].strip(",")
        name["given"] = [p.strip(",") for p in parts[:-1]]
    return [name]


def _phone(value: Any, use: str | None = None) -> dict[str, Any] | None:
    if not value:
        return None
    t = {"system": "phone", "value": str(value)}
    if use:
        t["use"] = use
    return t


def _address(text: Any) -> list[dict[str, Any]] | None:
    return [{"text": str(text)}] if text else None


def _date(v: Any) -> str | None:
    s = str(v) if v else ""
    return s[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", s) else None


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, [], {}, "")}


def bundle_for(record: dict[str, Any]) -> dict[str, Any]:
    f = record["fields"]
    rid = record["id"]
    patient_url = _uid(rid, "patient")
    patient = _clean({
        "resourceType": "Patient",
        "id": patient_url.rsplit(":", 1)[1],
        "name": _name(f.get("patient_name")),
        "birthDate": _date(f.get("birth_date")),
        "telecom": [t for t in [_phone(f.get("phone"), "home")] if t],
        "address": _address(f.get("address") or f.get("patient_address")),
    })
    contact_name = f.get("emergency_contact_name")
    if contact_name or f.get("emergency_contact_home_phone"):
        patient["contact"] = [_clean({
            "relationship": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C",
                "display": "Emergency Contact"}]}],
            "name": (_name(contact_name) or [None])[0],
            "telecom": [t for t in [_phone(f.get("emergency_contact_home_phone"), "home"),
                                    _phone(f.get("emergency_contact_work_phone"), "work")] if t],
            "address": (_address(f.get("emergency_contact_address")) or [None])[0],
        })]
    entries = [{"fullUrl": patient_url, "resource": patient}]

    if f.get("insurance_company") or f.get("policy_number"):
        cov_url = _uid(rid, "coverage")
        coverage = _clean({
            "resourceType": "Coverage",
            "id": cov_url.rsplit(":", 1)[1],
            "status": "active",
            "subscriberId": str(f["policy_number"]) if f.get("policy_number") else None,
            "identifier": [{"value": str(f["policy_number"])}] if f.get("policy_number") else None,
            "beneficiary": {"reference": patient_url},
            "payor": [_clean({"display": f.get("insurance_company") or "Unknown insurer"})],
            "period": {"end": _date(f.get("insurance_expiry"))}
            if _date(f.get("insurance_expiry")) else None,
        })
        entries.append({"fullUrl": cov_url, "resource": coverage})

    if record["document_type"] == "prescription":
        requester = _clean({"display": f.get("prescriber_name")}) or None
        meds = f.get("medicines") or []
        for i, med in enumerate(meds):
            if not isinstance(med, dict) or not med.get("name"):
                continue
            url = _uid(rid, f"medreq/{i}")
            text = " ".join(str(x) for x in (med.get("name"), med.get("strength")) if x)
            mr = _clean({
                "resourceType": "MedicationRequest",
                "id": url.rsplit(":", 1)[1],
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {"text": text},
                "subject": {"reference": patient_url},
                "authoredOn": _date(f.get("date")),
                "requester": requester,
                "dosageInstruction": [{"text": str(f["directions"])}]
                if f.get("directions") else None,
                "dispenseRequest": {"numberOfRepeatsAllowed": int(f["refills"])}
                if isinstance(f.get("refills"), int) and f["refills"] >= 0 else None,
            })
            entries.append({"fullUrl": url, "resource": mr})

    bundle = {
        "resourceType": "Bundle",
        "id": _uid(rid, "bundle").rsplit(":", 1)[1],
        "type": "collection",
        "timestamp": _timestamp(record.get("verified_at")),
        "entry": entries,
    }
    validated = Bundle.model_validate(_clean(bundle))
    return validated.model_dump(mode="json", exclude_none=True)


def _timestamp(v: Any) -> str | None:
    if v is None:
        return None
    s = v.isoformat() if hasattr(v, "isoformat") else str(v)
    return s if ("+" in s[10:] or s.endswith("Z")) else s + "+00:00"

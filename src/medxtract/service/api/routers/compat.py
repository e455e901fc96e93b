"""The student project's endpoints, kept for its users.

`POST /extract_from_doc` waits for the extraction (in the pool or queue, never in the API
process) and answers the field values;
`POST /patient_details` and `POST /prescription` store a verified record from form
fields named like the fields (the old names `phone_number` and
`hepatitis_b_vaccination` are accepted too). They need the API key like /v1 does.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from medxtract.config import Settings
from medxtract.errors import UnknownDocumentTypeError
from medxtract.service import engine as mx_engine
from medxtract.service import records as rec
from medxtract.service import uploads
from medxtract.service.api.deps import ApiKeyDep, DispatcherDep, SessionDep, SettingsDep
from medxtract.service.api.routers.documents import error_status, read_limited
from medxtract.service.models import FAILED, Job
from medxtract.service.problems import ApiProblem

router = APIRouter(tags=["compatibility"])

_S = Annotated[str | None, Field(max_length=5000)]


class PatientDetailsForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_date: _S = None
    patient_name: _S = None
    birth_date: _S = None
    phone: _S = None
    phone_number: _S = None
    address: _S = None
    weight: _S = None
    height: _S = None
    emergency_contact_name: _S = None
    emergency_contact_address: _S = None
    emergency_contact_home_phone: _S = None
    emergency_contact_work_phone: _S = None
    chicken_pox: _S = None
    measles: _S = None
    hepatitis_b_vaccinated: _S = None
    hepatitis_b_vaccination: _S = None
    medical_problems: _S = None
    has_insurance: _S = None
    insurance_company: _S = None
    policy_number: _S = None
    insurance_address: _S = None
    insurance_expiry: _S = None
    allergies: _S = None
    regular_medications: _S = None


class PrescriptionForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prescriber_name: _S = None
    prescriber_address: _S = None
    prescriber_phone: _S = None
    patient_name: _S = None
    date: _S = None
    patient_address: _S = None
    medicines: _S = Field(None, description="JSON list of {name, strength}, or one per line")
    directions: _S = None
    refills: _S = None


class StoredPublic(BaseModel):
    record_id: str
    document_type: str
    status: str = "stored"


ALIASES = {"phone_number": "phone", "hepatitis_b_vaccination": "hepatitis_b_vaccinated"}


def _medicines(text: str) -> Any:
    text = text.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return [part.strip() for part in text.replace(";", "\n").splitlines() if part.strip()]


def _store(session: Session, settings: Settings, doc_type: str, form: BaseModel,
           identity: str) -> StoredPublic:
    values: dict[str, Any] = {}
    for name, value in form.model_dump(exclude_none=True).items():
        values[ALIASES.get(name, name)] = value
    if isinstance(values.get("medicines"), str):
        values["medicines"] = _medicines(values["medicines"])
    allowed = set(mx_engine.spec_fields(doc_type, settings))
    record = rec.store_compat(session, doc_type, values, allowed, settings, identity)
    session.commit()
    return StoredPublic(record_id=record.id, document_type=doc_type)


@router.post("/patient_details", response_model=StoredPublic)
def post_patient_details(form: Annotated[PatientDetailsForm, Form()], session: SessionDep,
                         settings: SettingsDep, identity: ApiKeyDep):
    return _store(session, settings, "patient_details", form, identity)


@router.post("/prescription", response_model=StoredPublic)
def post_prescription(form: Annotated[PrescriptionForm, Form()], session: SessionDep,
                      settings: SettingsDep, identity: ApiKeyDep):
    return _store(session, settings, "prescription", form, identity)


@router.post("/extract_from_doc", response_model=dict[str, Any])
def extract_from_doc(
    settings: SettingsDep,
    session: SessionDep,
    dispatcher: DispatcherDep,
    _key: ApiKeyDep,
    file: Annotated[UploadFile, File()],
    file_format: Annotated[str, Form(max_length=64)],
):
    """Extract and answer the values. The document is stored and queued like an upload
    (so it is reviewed like one too); this request waits for its job."""
    if file_format not in mx_engine.spec_names(settings):
        raise UnknownDocumentTypeError(
            "file_format must be one of: " + ", ".join(mx_engine.spec_names(settings)) + "."
        )
    data = read_limited(file, settings.engine.max_upload_bytes)
    got = uploads.accept(session, settings, dispatcher, data, document_type=file_format,
                         wait=True)
    if got.status == FAILED:
        job = session.get(Job, got.job_id)
        code, message = (job.error_code, job.error) if job else (None, None)
        raise ApiProblem(error_status(code), code or "extraction_failed", message or "Failed.")
    if got.result is None:
        raise ApiProblem(504, "still_running",
                         f"The extraction is still running; see /v1/jobs/{got.job_id}.")
    return {name: f.get("value") for name, f in (got.result.get("fields") or {}).items()}

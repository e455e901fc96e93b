"""Verified records: approving a review (with its audit trail) and the compatibility posts."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from medxtract.config import Settings
from medxtract.output import csv_text
from medxtract.service import engine as mx_engine
from medxtract.service import typed
from medxtract.service.db import utcnow
from medxtract.service.models import (
    APPROVED,
    PENDING_REVIEW,
    Document,
    Extraction,
    FieldCorrection,
    PatientRecord,
    PrescriptionMedicine,
    PrescriptionRecord,
    Record,
)
from medxtract.service.problems import ApiProblem
from medxtract.service.typed import FieldValueError


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def normalise_fields(
    doc_type: str, values: dict[str, Any], allowed: set[str], settings: Settings | None = None
) -> dict[str, Any]:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ApiProblem(422, "unknown_field",
                         f"Unknown field(s) for {doc_type}: {', '.join(unknown)[:500]}.")
    spec = mx_engine.specs(settings).get(doc_type)
    out = {}
    for name, value in values.items():
        fspec = spec.fields.get(name) if spec is not None else None
        ftype, choices = (fspec.type, tuple(fspec.choices)) if fspec else ("text", ())
        try:
            out[name] = typed.normalise(name, value, ftype, choices)
        except FieldValueError as exc:
            raise ApiProblem(422, "invalid_field_value", str(exc)) from None
    return out


def _fill_typed(record: Record, settings: Settings | None = None) -> None:
    """The shipped types also keep typed columns in their own tables; types come from the spec."""
    f = record.fields
    types = mx_engine.field_types(record.document_type, settings)
    if record.document_type == "patient_details":
        patient = record.patient or PatientRecord()
        for col in (c.name for c in PatientRecord.__table__.columns):
            if col != "record_id":
                setattr(patient, col, typed.column_value(f.get(col), types.get(col, "text")))
        record.patient = patient
    elif record.document_type == "prescription":
        row = record.prescription or PrescriptionRecord()
        for col in (c.name for c in PrescriptionRecord.__table__.columns):
            if col != "record_id":
                setattr(row, col, typed.column_value(f.get(col), types.get(col, "text")))
        meds = f.get("medicines") or []
        row.medicines = [
            PrescriptionMedicine(position=i, name=str(m.get("name"))[:255],
                                 strength=(str(m["strength"])[:100] if m.get("strength") else None))
            for i, m in enumerate(meds) if isinstance(m, dict) and m.get("name")
        ]
        record.prescription = row


def approve(
    session: Session, settings: Settings, doc: Document, body: Any, reviewer: str
) -> Record:
    """Store the reviewed values under `reviewer`, the caller's authenticated identity."""
    if doc.status not in (PENDING_REVIEW, APPROVED):
        raise ApiProblem(409, "conflict",
                         f"The document is {doc.status}; only a document pending review "
                         "can be approved.")
    extraction = session.execute(
        select(Extraction).where(Extraction.document_id == doc.id)
    ).scalar_one_or_none()
    extracted = (extraction.result if extraction else {}).get("fields") or {}
    names = mx_engine.spec_names(settings)
    doc_type = doc.document_type
    if body.document_type and body.document_type != doc_type:
        if body.document_type not in names:
            raise ApiProblem(422, "unknown_document_type",
                             f"Unknown document type; expected one of {', '.join(names)}.")
        doc_type = body.document_type
    if not doc_type or doc_type not in names:
        raise ApiProblem(422, "unknown_document_type",
                         "The document's type is unknown; send `document_type` with the review.")
    allowed = set(mx_engine.spec_fields(doc_type, settings))
    if doc_type == doc.document_type:
        allowed |= set(extracted)
    reviewed = normalise_fields(doc_type, body.fields, allowed, settings)

    record = session.execute(
        select(Record).where(Record.document_id == doc.id)
        .options(selectinload(Record.patient), selectinload(Record.prescription))
    ).scalar_one_or_none()
    if record is not None:
        base = dict(record.fields)
    else:
        base = {k: (v or {}).get("value") for k, v in extracted.items() if k in allowed}
        for name in allowed:
            base.setdefault(name, None)
    now = utcnow()
    new_fields = {**base, **reviewed}
    corrections = [
        FieldCorrection(document_id=doc.id, field=name, old_value=base.get(name),
                        new_value=value, reviewer=reviewer, at=now)
        for name, value in reviewed.items()
        if not _same(base.get(name), value)
    ]
    if record is None:
        record = Record(document_id=doc.id, document_type=doc_type, fields=new_fields,
                        reviewer=reviewer, verified_at=now, origin="review")
        session.add(record)
    elif corrections or record.document_type != doc_type:
        record.fields, record.reviewer, record.verified_at = new_fields, reviewer, now
        record.document_type = doc_type
    record.patient_name = _patient_name(doc_type, new_fields, settings)
    record.patient_name_fold = fold(record.patient_name)
    _fill_typed(record, settings)
    session.flush()
    for c in corrections:
        c.record_id = record.id
        session.add(c)
    doc.status, doc.reviewer, doc.reviewed_at = APPROVED, reviewer, now
    doc.document_type = doc_type
    return record


def _patient_name(
    doc_type: str, fields: dict[str, Any], settings: Settings | None = None
) -> str | None:
    """The searchable name: `patient_name`, else the type's first field of type 'name'."""
    v = fields.get("patient_name")
    if v is None:
        names = [n for n, t in mx_engine.field_types(doc_type, settings).items() if t == "name"]
        v = fields.get(names[0]) if names else None
    return str(v)[:255] if v else None


def fold(name: str | None) -> str | None:
    """The searchable spelling of a name: Unicode case folding, done here, not by the database."""
    return name.casefold()[:255] if name else None


def store_compat(
    session: Session, doc_type: str, values: dict[str, Any], allowed: set[str],
    settings: Settings | None = None, reviewer: str = "api",
) -> Record:
    fields = normalise_fields(doc_type, values, allowed, settings)
    full = {name: fields.get(name) for name in allowed}
    name = _patient_name(doc_type, full, settings)
    record = Record(document_id=None, document_type=doc_type, fields=full, patient_name=name,
                    patient_name_fold=fold(name), reviewer=reviewer, origin="compat")
    session.add(record)
    _fill_typed(record, settings)
    session.flush()
    return record


def records_query(
    document_type: str | None, date_from: date | None, date_to: date | None, q: str | None
) -> Select:
    stmt = select(Record)
    if document_type:
        stmt = stmt.where(Record.document_type == document_type)
    if date_from:
        stmt = stmt.where(Record.verified_at >= datetime.combine(date_from, time.min))
    if date_to:
        stmt = stmt.where(Record.verified_at <= datetime.combine(date_to, time.max))
    if q:
        if "\x00" in q:
            raise ApiProblem(422, "invalid_query", "q must not contain NUL characters.")
        folded = q.casefold()
        like = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Record.patient_name_fold.like(like, escape="\\"))
    return stmt.order_by(Record.verified_at.desc(), Record.id)


def to_csv(records: list[dict[str, Any]]) -> str:
    base = ["id", "document_id", "document_type", "patient_name", "reviewer", "verified_at"]
    names: list[str] = []
    for r in records:
        for k in r["fields"]:
            if k not in names:
                names.append(k)
    rows = ([r.get(k) for k in base] + [r["fields"].get(k) for k in names] for r in records)
    return csv_text(base + names, rows)

"""Verified records: list (JSON or CSV), one with its audit trail, FHIR export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import func, select

from medxtract.service import engine as mx_engine
from medxtract.service import fhir
from medxtract.service import records as rec
from medxtract.service.api.deps import ApiKeyDep, SessionDep, SettingsDep
from medxtract.service.models import FieldCorrection, Record
from medxtract.service.problems import get_or_404
from medxtract.service.schemas import (
    CorrectionPublic,
    RecordDetailPublic,
    RecordListPublic,
    RecordPublic,
)

router = APIRouter(prefix="/v1", tags=["records"])


def _public(r: Record) -> RecordPublic:
    return RecordPublic.model_validate(r)


@router.get(
    "/records",
    response_model=RecordListPublic,
    responses={200: {"content": {"text/csv": {}}, "description": "{count, items}, or CSV"}},
)
def list_records(
    session: SessionDep,
    _key: ApiKeyDep,
    document_type: Annotated[str | None, Query(max_length=64)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Patient name contains")] = None,
    format: Literal["json", "csv"] = "json",
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,  # every SQL backend's INTEGER
):
    query = rec.records_query(document_type, date_from, date_to, q)
    rows = [_public(r) for r in session.execute(query.limit(limit).offset(offset)).scalars()]
    if format == "csv":
        data = rec.to_csv([r.model_dump(mode="json") for r in rows])
        return Response(data, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="records.csv"'})
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    return RecordListPublic(count=total.scalar_one(), items=rows)


def _get(session, record_id: str) -> Record:
    return get_or_404(session, Record, record_id, "record")


@router.get("/records/{record_id}", response_model=RecordDetailPublic)
def get_record(record_id: str, session: SessionDep, _key: ApiKeyDep):
    r = _get(session, record_id)
    corrections = session.execute(
        select(FieldCorrection)
        .where(FieldCorrection.record_id == r.id)
        .order_by(FieldCorrection.id)
    ).scalars().all()
    return RecordDetailPublic(
        **_public(r).model_dump(),
        corrections=[CorrectionPublic.model_validate(c) for c in corrections],
    )


@router.get(
    "/records/{record_id}/fhir",
    responses={200: {"content": {"application/fhir+json": {}},
                     "description": "FHIR R4 Bundle (collection)"}},
)
def get_record_fhir(record_id: str, session: SessionDep, settings: SettingsDep,
                    _key: ApiKeyDep):
    import json

    r = _get(session, record_id)
    spec = mx_engine.specs(settings).get(r.document_type)
    bundle = fhir.bundle_for(_public(r).model_dump(), spec.fields if spec else {},
                             settings.engine.phone_region)
    return Response(json.dumps(bundle), media_type="application/fhir+json")

"""Documents: upload, status, result, page images, review queue, review and reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from medxtract.errors import InputTooLargeError
from medxtract.service import records as rec
from medxtract.service import uploads
from medxtract.service.api.deps import ApiKeyDep, DispatcherDep, SessionDep, SettingsDep
from medxtract.service.models import (
    APPROVED,
    FAILED,
    PENDING_REVIEW,
    REJECTED,
    Document,
    Extraction,
    FieldCorrection,
)
from medxtract.service.problems import ApiProblem, get_or_404
from medxtract.service.schemas import (
    CorrectionPublic,
    DocumentPublic,
    RejectCreate,
    RejectPublic,
    ReviewCreate,
    ReviewPublic,
    ReviewQueueItemPublic,
    ReviewQueuePublic,
    UploadDonePublic,
    UploadPublic,
)
from medxtract.service.storage import Storage

router = APIRouter(prefix="/v1", tags=["documents"])
CHUNK = 1024 * 1024


def read_limited(file: UploadFile, limit: int) -> bytes:
    """Read at most `limit` bytes; refuse as soon as the file is longer."""
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise InputTooLargeError(f"The upload is larger than the limit of {limit} bytes.")
    buf = bytearray()
    while chunk := file.file.read(CHUNK):
        buf += chunk
        if len(buf) > limit:
            raise InputTooLargeError(f"The upload is larger than the limit of {limit} bytes.")
    return bytes(buf)


@router.post(
    "/documents",
    status_code=202,
    response_model=UploadPublic,
    responses={200: {"model": UploadDonePublic, "description": "Extracted at once, or a "
                     "duplicate of an earlier upload"}, 503: {"description": "Queue down"}},
)
def upload_document(
    settings: SettingsDep,
    session: SessionDep,
    dispatcher: DispatcherDep,
    _key: ApiKeyDep,
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG or TIFF")],
    document_type: Annotated[str, Form(max_length=64)] = "auto",
    callback_url: Annotated[str | None, Form(max_length=2000)] = None,
    wait: Annotated[bool, Query(description="Extract at once (small documents)")] = False,
):
    data = read_limited(file, settings.engine.max_upload_bytes)
    got = uploads.accept(session, settings, dispatcher, data, document_type=document_type,
                         callback_url=callback_url, wait=wait)
    if got.ran and got.status == FAILED:
        from medxtract.service.models import Job

        job = session.get(Job, got.job_id)
        code, message = (job.error_code, job.error) if job else (None, None)
        raise ApiProblem(error_status(code), code or "extraction_failed", message or "Failed.")
    body = UploadDonePublic(document_id=got.document_id, job_id=got.job_id, status=got.status,
                            duplicate=got.duplicate, result=got.result)
    if got.ran or (wait and got.duplicate):
        return JSONResponse(body.model_dump(mode="json"), status_code=200)
    if got.duplicate:
        return JSONResponse(body.model_dump(mode="json", exclude={"result"}), status_code=200)
    return JSONResponse(body.model_dump(mode="json", exclude={"result"}), status_code=202)


def error_status(code: str | None) -> int:
    from medxtract import errors

    for cls in _subclasses(errors.MedxtractError):
        if cls.code == code:
            return cls.http_status if cls.http_status < 500 else 500
    return 500


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _get_doc(session, document_id: str) -> Document:
    return get_or_404(session, Document, document_id, "document")


@router.get("/documents/{document_id}", response_model=DocumentPublic)
def get_document(document_id: str, session: SessionDep, _key: ApiKeyDep):
    doc = _get_doc(session, document_id)
    ex = session.execute(
        select(Extraction).where(Extraction.document_id == doc.id)
    ).scalar_one_or_none()
    return DocumentPublic(
        id=doc.id, sha256=doc.sha256, document_type=doc.document_type,
        type_confidence=doc.type_confidence, pages=doc.pages, status=doc.status,
        received_at=doc.received_at, result=ex.result if ex else None,
    )


@router.get(
    "/documents/{document_id}/pages/{page}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The original page, the "
                     "frame of the field boxes"}},
)
def get_page(document_id: str, page: int, session: SessionDep, settings: SettingsDep,
             _key: ApiKeyDep):
    doc = _get_doc(session, document_id)
    if page < 1 or (doc.pages is not None and page > doc.pages):
        raise ApiProblem(404, "not_found", "No such page.")
    storage = Storage(settings.service.storage_dir)
    path = storage.page_path(doc.id, page)
    if path.exists():
        return Response(path.read_bytes(), media_type="image/png",
                        headers={"Cache-Control": "private, max-age=300"})
    # Never rendered here: the API process decodes no document (its worker stores the pages).
    raise ApiProblem(404, "not_found",
                     "The page image is not available (not yet extracted, or removed after "
                     "review).")


@router.get("/review-queue", response_model=ReviewQueuePublic, tags=["review"])
def review_queue(
    session: SessionDep,
    _key: ApiKeyDep,
    document_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
):
    stmt = (
        select(Document, Extraction)
        .join(Extraction, Extraction.document_id == Document.id)
        .where(Document.status == PENDING_REVIEW)
    )
    if document_type:
        stmt = stmt.where(Document.document_type == document_type)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    stmt = stmt.order_by(
        Extraction.min_confidence.asc(), Document.type_confidence.asc(), Document.received_at
    ).limit(limit).offset(offset)
    items = [
        ReviewQueueItemPublic(
            document_id=d.id, document_type=d.document_type, type_confidence=d.type_confidence,
            received_at=d.received_at, pages=d.pages, needs_review_count=e.needs_review_count,
            min_confidence=e.min_confidence,
        )
        for d, e in session.execute(stmt).all()
    ]
    return ReviewQueuePublic(count=total, items=items)


@router.put("/documents/{document_id}/review", response_model=ReviewPublic, tags=["review"])
def review_document(document_id: str, body: ReviewCreate, session: SessionDep,
                    settings: SettingsDep, identity: ApiKeyDep):
    doc = session.execute(
        select(Document).where(Document.id == document_id).with_for_update()
    ).scalar_one_or_none()
    if doc is None:
        raise ApiProblem(404, "not_found", "No such document.")
    record = rec.approve(session, settings, doc, body, identity)
    session.commit()
    if not settings.service.retain_uploads:
        Storage(settings.service.storage_dir).delete_pages(doc.id)
    corrections = session.execute(
        select(FieldCorrection).where(FieldCorrection.record_id == record.id)
        .order_by(FieldCorrection.id)
    ).scalars().all()
    return ReviewPublic(
        record_id=record.id, document_id=doc.id, document_type=record.document_type,
        corrections=[CorrectionPublic.model_validate(c) for c in corrections],
    )


@router.post("/documents/{document_id}/reject", response_model=RejectPublic, tags=["review"])
def reject_document(document_id: str, body: RejectCreate, session: SessionDep,
                    settings: SettingsDep, identity: ApiKeyDep):
    from medxtract.service.db import utcnow

    doc = _get_doc(session, document_id)
    if doc.status == APPROVED:
        raise ApiProblem(409, "conflict", "The document is already approved.")
    if doc.status != REJECTED:
        if doc.status not in (PENDING_REVIEW, FAILED):
            raise ApiProblem(409, "conflict", "The document is still being extracted.")
        doc.status, doc.reviewer, doc.reviewed_at = REJECTED, identity, utcnow()
        doc.reject_reason = body.reason
        session.commit()
    if not settings.service.retain_uploads:
        Storage(settings.service.storage_dir).delete_pages(doc.id)
    return RejectPublic(document_id=doc.id, status=REJECTED)

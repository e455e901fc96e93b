"""Request (`XCreate`) and response (`XPublic`) models of the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, field_serializer

JobStatus = Literal["queued", "running", "done", "failed"]
DocumentStatus = Literal["processing", "pending_review", "approved", "rejected", "failed"]


@overload
def as_utc(dt: datetime) -> datetime: ...


@overload
def as_utc(dt: None) -> None: ...


def as_utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_serializer("*", when_used="json")
    def _dates(self, v: Any) -> Any:
        return as_utc(v).isoformat() if isinstance(v, datetime) else v


class UploadPublic(_Public):
    document_id: str
    job_id: str
    status: JobStatus
    duplicate: bool = False


class UploadDonePublic(UploadPublic):
    result: dict[str, Any] | None = Field(None, description="The ExtractionResult export")


class JobPublic(_Public):
    id: str
    document_id: str
    status: JobStatus
    progress: float = Field(ge=0.0, le=1.0)
    error: str | None = None
    created_at: datetime
    updated_at: datetime


class DocumentPublic(_Public):
    id: str
    sha256: str
    document_type: str | None
    type_confidence: float | None
    pages: int | None
    status: DocumentStatus
    received_at: datetime
    result: dict[str, Any] | None = None


class ReviewQueueItemPublic(_Public):
    document_id: str
    document_type: str | None
    type_confidence: float | None
    received_at: datetime
    pages: int | None
    needs_review_count: int
    min_confidence: float


class ReviewQueuePublic(_Public):
    count: int = Field(description="Documents waiting in all, not only this page")
    items: list[ReviewQueueItemPublic]


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(default_factory=dict, description="Reviewed values by name")
    reviewer: str | None = Field(
        None, max_length=200,
        description="Ignored: the audit trail records the authenticated caller",
    )
    document_type: str | None = Field(
        None, description="Only when the document came back as 'unknown': its real type"
    )


class RejectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    reviewer: str | None = Field(
        None, max_length=200,
        description="Ignored: the audit trail records the authenticated caller",
    )


class RejectPublic(_Public):
    document_id: str
    status: DocumentStatus


class CorrectionPublic(_Public):
    field: str
    old_value: Any = None
    new_value: Any = None
    reviewer: str | None
    at: datetime


class ReviewPublic(_Public):
    record_id: str
    document_id: str
    document_type: str
    corrections: list[CorrectionPublic]


class RecordPublic(_Public):
    id: str
    document_id: str | None
    document_type: str
    patient_name: str | None
    fields: dict[str, Any]
    reviewer: str | None
    verified_at: datetime


class RecordListPublic(_Public):
    count: int = Field(description="Records matching the filters, not only this page")
    items: list[RecordPublic]


class RecordDetailPublic(RecordPublic):
    corrections: list[CorrectionPublic] = Field(default_factory=list)


class HealthPublic(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, bool] = Field(default_factory=dict)


class Problem(BaseModel):
    """RFC 7807 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = None

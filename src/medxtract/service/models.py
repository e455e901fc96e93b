"""SQLAlchemy 2 models. The Alembic migrations under `migrations/` create exactly these."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from medxtract.service.db import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(), dict[str, Any]: JSON, Any: JSON}


# Document statuses
PROCESSING, PENDING_REVIEW, APPROVED, REJECTED, FAILED = (
    "processing",
    "pending_review",
    "approved",
    "rejected",
    "failed",
)
# Job statuses
QUEUED, RUNNING, DONE = "queued", "running", "done"


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    requested_type: Mapped[str] = mapped_column(String(64), default="auto")
    document_type: Mapped[str | None] = mapped_column(String(64))
    type_confidence: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default=PROCESSING, index=True)
    storage_path: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    reviewer: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reject_reason: Mapped[str | None] = mapped_column(Text)

    jobs: Mapped[list[Job]] = relationship(back_populates="document", order_by="Job.created_at")
    extraction: Mapped[Extraction | None] = relationship(back_populates="document")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_lease", "status", "lease_until"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column()
    worker: Mapped[str | None] = mapped_column(String(200))
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    # When the API's outbox took this job's callback (sent once; never by a worker)
    callback_claimed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column(Integer)

    document: Mapped[Document] = relationship(back_populates="jobs")


class Extraction(Base):
    __tablename__ = "extractions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), unique=True)
    job_id: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    needs_review_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="extraction")


class Record(Base):
    """A verified record (one per approved document, or one per compatibility POST)."""

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"), unique=True)
    document_type: Mapped[str] = mapped_column(String(64), index=True)
    patient_name: Mapped[str | None] = mapped_column(String(255), index=True)
    # casefold(patient_name): search matches "ü" to "Ü" on every backend, whatever its collation
    patient_name_fold: Mapped[str | None] = mapped_column(String(255), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    reviewer: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    origin: Mapped[str] = mapped_column(String(20), default="review")

    corrections: Mapped[list[FieldCorrection]] = relationship(
        back_populates="record", order_by="FieldCorrection.id"
    )
    patient: Mapped[PatientRecord | None] = relationship(cascade="all, delete-orphan")
    prescription: Mapped[PrescriptionRecord | None] = relationship(cascade="all, delete-orphan")


class PatientRecord(Base):
    """Typed columns of a verified `patient_details` record."""

    __tablename__ = "patient_records"

    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    record_date: Mapped[date | None] = mapped_column(Date)
    patient_name: Mapped[str | None] = mapped_column(String(255))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float | None] = mapped_column(Float)
    height: Mapped[float | None] = mapped_column(Float)
    emergency_contact_name: Mapped[str | None] = mapped_column(String(255))
    emergency_contact_address: Mapped[str | None] = mapped_column(Text)
    emergency_contact_home_phone: Mapped[str | None] = mapped_column(String(64))
    emergency_contact_work_phone: Mapped[str | None] = mapped_column(String(64))
    chicken_pox: Mapped[str | None] = mapped_column(String(32))
    measles: Mapped[str | None] = mapped_column(String(32))
    hepatitis_b_vaccinated: Mapped[bool | None] = mapped_column(Boolean)
    medical_problems: Mapped[str | None] = mapped_column(Text)
    has_insurance: Mapped[bool | None] = mapped_column(Boolean)
    insurance_company: Mapped[str | None] = mapped_column(String(255))
    policy_number: Mapped[str | None] = mapped_column(String(100))
    insurance_address: Mapped[str | None] = mapped_column(Text)
    insurance_expiry: Mapped[date | None] = mapped_column(Date)
    allergies: Mapped[str | None] = mapped_column(Text)
    regular_medications: Mapped[str | None] = mapped_column(Text)


class PrescriptionRecord(Base):
    """Typed columns of a verified `prescription` record."""

    __tablename__ = "prescription_records"

    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    prescriber_name: Mapped[str | None] = mapped_column(String(255))
    prescriber_address: Mapped[str | None] = mapped_column(Text)
    prescriber_phone: Mapped[str | None] = mapped_column(String(64))
    patient_name: Mapped[str | None] = mapped_column(String(255))
    date: Mapped[date | None] = mapped_column(Date)
    patient_address: Mapped[str | None] = mapped_column(Text)
    directions: Mapped[str | None] = mapped_column(Text)
    refills: Mapped[int | None] = mapped_column(Integer)

    medicines: Mapped[list[PrescriptionMedicine]] = relationship(
        cascade="all, delete-orphan", order_by="PrescriptionMedicine.position"
    )


class PrescriptionMedicine(Base):
    __tablename__ = "prescription_medicines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(
        ForeignKey("prescription_records.record_id"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    strength: Mapped[str | None] = mapped_column(String(100))


class FieldCorrection(Base):
    """Audit trail: one row per field a reviewer changed."""

    __tablename__ = "field_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), index=True)
    document_id: Mapped[str | None] = mapped_column(String(32), index=True)
    field: Mapped[str] = mapped_column(String(100))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reviewer: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped[Record] = relationship(back_populates="corrections")


class ApiKey(Base):
    """API keys issued through the database (stored as SHA-256 hashes, never in clear)."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("key_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reviewer(Base):
    """A person who signs in to the review UI; the password is stored as an Argon2 hash."""

    __tablename__ = "reviewers"
    __table_args__ = (UniqueConstraint("username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewerSession(Base):
    """A signed-in reviewer's bearer token (its SHA-256 only), valid until `expires_at`."""

    __tablename__ = "reviewer_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""reviewer accounts and sessions; case-folded patient name for search; callback outbox

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewers")),
        sa.UniqueConstraint("username", name=op.f("uq_reviewers_username")),
    )
    op.create_table(
        "reviewer_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reviewer_id"], ["reviewers.id"],
                                name=op.f("fk_reviewer_sessions_reviewer_id_reviewers")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_reviewer_sessions")),
    )
    op.create_index(op.f("ix_reviewer_sessions_reviewer_id"), "reviewer_sessions",
                    ["reviewer_id"])
    op.create_index(op.f("ix_reviewer_sessions_expires_at"), "reviewer_sessions",
                    ["expires_at"])
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("callback_claimed_at", sa.DateTime(), nullable=True))
    jobs = sa.table("jobs", sa.column("status", sa.String), sa.column("finished_at", sa.DateTime),
                    sa.column("callback_claimed_at", sa.DateTime))
    # Callbacks of jobs that ended before this version were sent (or lost) already.
    op.get_bind().execute(jobs.update().where(jobs.c.status.in_(["done", "failed"]))
                          .values(callback_claimed_at=jobs.c.finished_at))
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("patient_name_fold", sa.String(length=255), nullable=True))
        batch.create_index(op.f("ix_records_patient_name_fold"), ["patient_name_fold"])
    # Existing rows: fold in Python (the databases' lower() differ on non-ASCII letters).
    conn = op.get_bind()
    records = sa.table("records", sa.column("id", sa.String), sa.column("patient_name", sa.String),
                       sa.column("patient_name_fold", sa.String))
    rows = conn.execute(sa.select(records.c.id, records.c.patient_name)
                        .where(records.c.patient_name.is_not(None))).all()
    for rid, name in rows:
        conn.execute(records.update().where(records.c.id == rid)
                     .values(patient_name_fold=name.casefold()[:255]))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("callback_claimed_at")
    with op.batch_alter_table("records") as batch:
        batch.drop_index(op.f("ix_records_patient_name_fold"))
        batch.drop_column("patient_name_fold")
    op.drop_index(op.f("ix_reviewer_sessions_expires_at"), table_name="reviewer_sessions")
    op.drop_index(op.f("ix_reviewer_sessions_reviewer_id"), table_name="reviewer_sessions")
    op.drop_table("reviewer_sessions")
    op.drop_table("reviewers")

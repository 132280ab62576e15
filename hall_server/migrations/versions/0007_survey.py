"""The SKM survey's answers (anonymous) and complaints (issue 14, parts 2 and 3).

Revision ID: 0007_survey
Revises: 0006_audit
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_survey"
down_revision: str | None = "0006_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("counter_id", sa.String(16), nullable=False),
        sa.Column("served_by", sa.String(8), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_survey_responses"),
    )
    op.create_index("ix_survey_responses_hall_id", "survey_responses", ["hall_id"])
    op.create_index("ix_survey_responses_period", "survey_responses", ["period"])
    op.create_table(
        "survey_used",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_survey_used"),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        _ts("received_at"),
        _ts("updated_at"),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
        sa.UniqueConstraint("tracking_code", name="uq_complaints_tracking_code"),
    )
    op.create_index("ix_complaints_hall_id", "complaints", ["hall_id"])
    op.create_index("ix_complaints_stage", "complaints", ["stage"])
    op.create_index("ix_complaints_received_at", "complaints", ["received_at"])
    op.create_table(
        "complaint_photos",
        sa.Column("complaint_id", sa.String(32), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name="fk_complaint_photos_complaint_id_complaints",
        ),
        sa.PrimaryKeyConstraint("complaint_id", name="pk_complaint_photos"),
    )


def downgrade() -> None:
    op.drop_table("complaint_photos")
    op.drop_table("complaints")
    op.drop_table("survey_used")
    op.drop_table("survey_responses")

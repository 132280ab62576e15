"""Hand-off to back offices: the outbox, application status history, webhook receipts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _application_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["application_id"], ["applications.id"], name=f"fk_{table}_application_id_applications"
    )


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("backoffice", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(160), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claims", sa.Integer(), server_default="0", nullable=False),
        _ts("next_attempt_at"),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("external_ref", sa.String(128), nullable=True),
        _ts("reported_at", nullable=True),
        _ts("heard_at", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.CheckConstraint("state IN ('pending', 'delivered', 'dead')", name="ck_outbox_state"),
        _application_fk("outbox"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )
    op.create_index("ix_outbox_application_id", "outbox", ["application_id"])
    op.create_index("ix_outbox_hall_id", "outbox", ["hall_id"])
    op.create_index("ix_outbox_next_attempt_at", "outbox", ["next_attempt_at"])
    op.create_index("ix_outbox_external_ref", "outbox", ["external_ref"])
    op.create_table(
        "application_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        _ts("at"),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _application_fk("application_events"),
        sa.PrimaryKeyConstraint("id", name="pk_application_events"),
    )
    op.create_index(
        "ix_application_events_application_id", "application_events", ["application_id"]
    )
    op.create_table(
        "webhook_receipts",
        sa.Column("webhook_id", sa.String(128), nullable=False),
        _ts("received_at"),
        sa.PrimaryKeyConstraint("webhook_id", name="pk_webhook_receipts"),
    )
    op.create_index("ix_webhook_receipts_received_at", "webhook_receipts", ["received_at"])


def downgrade() -> None:
    op.drop_table("webhook_receipts")
    op.drop_table("application_events")
    op.drop_table("outbox")

"""Broker (calo) and pungli signals: flags for supervisors, and where numbers were taken from.

Revision ID: 0008_signals
Revises: 0007_survey
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_signals"
down_revision: str | None = "0007_survey"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "signal_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(96), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("window_s", sa.Float(), nullable=False),
        _ts("first_at"),
        _ts("last_at"),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        _ts("raised_at"),
        _ts("updated_at"),
        _ts("reviewed_at", nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'confirmed', 'dismissed')", name="ck_signal_flags_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_signal_flags"),
    )
    op.create_index("ix_signal_flags_hall_id", "signal_flags", ["hall_id"])
    op.create_index("ix_signal_flags_subject", "signal_flags", ["subject"])
    op.create_index("ix_signal_flags_status", "signal_flags", ["status"])
    op.create_index(
        "uq_signal_flags_open",
        "signal_flags",
        ["hall_id", "kind", "subject"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "ticket_sightings",
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        _ts("at"),
        sa.Column("address_ref", sa.String(64), nullable=True),
        sa.Column("device_ref", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_sightings"),
    )
    op.create_index("ix_ticket_sightings_at", "ticket_sightings", ["at"])


def downgrade() -> None:
    op.drop_table("ticket_sightings")
    op.drop_table("signal_flags")

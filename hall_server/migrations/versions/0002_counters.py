"""Counters: tickets, counter states, counter sessions, applications, audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _hall_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=f"fk_{table}_hall_id_halls")


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("citizen_ref", sa.String(64), nullable=False),
        _ts("issued_at"),
        _ts("updated_at"),
        sa.Column("data", sa.JSON(), nullable=False),
        _hall_fk("tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_hall_id", "tickets", ["hall_id"])
    op.create_index("ix_tickets_state", "tickets", ["state"])
    op.create_index("ix_tickets_citizen_ref", "tickets", ["citizen_ref"])
    op.create_table(
        "counters",
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("counter_id", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("staffed_by", sa.String(64), nullable=True),
        _ts("updated_at"),
        sa.Column("data", sa.JSON(), nullable=False),
        _hall_fk("counters"),
        sa.PrimaryKeyConstraint("hall_id", "counter_id", name="pk_counters"),
    )
    op.create_table(
        "counter_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("counter_id", sa.String(16), nullable=False),
        sa.Column("staffed_by", sa.String(64), nullable=False),
        _ts("started_at"),
        _ts("ended_at", nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        _hall_fk("counter_sessions"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_counter_sessions_ticket_id_tickets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_counter_sessions"),
    )
    op.create_index("ix_counter_sessions_hall_id", "counter_sessions", ["hall_id"])
    op.create_index("ix_counter_sessions_ticket_id", "counter_sessions", ["ticket_id"])
    op.create_table(
        "applications",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("citizen_ref", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("fee_idr", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("data", sa.JSON(), nullable=False),
        _hall_fk("applications"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_applications_ticket_id_tickets"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["counter_sessions.id"],
            name="fk_applications_session_id_counter_sessions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_applications"),
        sa.UniqueConstraint("tracking_code", name="uq_applications_tracking_code"),
    )
    op.create_index("ix_applications_hall_id", "applications", ["hall_id"])
    op.create_index("ix_applications_citizen_ref", "applications", ["citizen_ref"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hall_id", sa.String(64), nullable=False),
        _ts("at"),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("actor_ref", sa.String(64), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("application_id", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_hall_id", "audit_log", ["hall_id"])
    op.create_index("ix_audit_log_ticket_id", "audit_log", ["ticket_id"])
    op.create_index("ix_audit_log_application_id", "audit_log", ["application_id"])
    if op.get_bind().dialect.name == "postgresql":
        # The audit log is append-only: refuse changes at the database itself.
        op.execute(
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
            " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
            " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
            " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("applications")
    op.drop_table("counter_sessions")
    op.drop_table("counters")
    op.drop_table("tickets")

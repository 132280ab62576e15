"""The audit log's Merkle tree: the seal table (leaf index of each audit row) and signed checkpoints.

Both tables are append-only like ``audit_log``: triggers refuse UPDATE and
DELETE on PostgreSQL and SQLite. docs/trust.md.

Revision ID: 0006_audit
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_audit"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("audit_leaves", "audit_checkpoints")


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "audit_leaves",
        sa.Column("leaf_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        _ts("sealed_at"),
        sa.PrimaryKeyConstraint("leaf_index", name="pk_audit_leaves"),
        sa.UniqueConstraint("row_id", name="uq_audit_leaves_row_id"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        _ts("signed_at"),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name="pk_audit_checkpoints"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # audit_log_append_only() comes from 0002: it refuses the statement.
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
            )
    else:
        for table in _TABLES:
            for verb in ("update", "delete"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table}"
                    f" BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_leaves")

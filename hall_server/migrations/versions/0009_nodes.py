"""Many nodes: each hall's lease with its fencing token, and the nodes that are alive.

Revision ID: 0009_nodes
Revises: 0008_signals
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_nodes"
down_revision: str | None = "0008_signals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hall_leases",
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("owner_url", sa.String(300), nullable=False, server_default=""),
        sa.Column("token", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("expires_at", sa.Float(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("hall_id", name="pk_hall_leases"),
    )
    op.create_table(
        "hall_nodes",
        sa.Column("node_id", sa.String(128), nullable=False),
        sa.Column("url", sa.String(300), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
        sa.Column("draining", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("node_id", name="pk_hall_nodes"),
    )


def downgrade() -> None:
    op.drop_table("hall_nodes")
    op.drop_table("hall_leases")

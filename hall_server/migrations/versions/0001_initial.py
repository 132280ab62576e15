"""Initial schema: accounts, halls, sessions, sign-in codes.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

A frozen copy of the schema, deliberately independent of the models module:
later model changes get their own revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("nik_digest", sa.String(64), nullable=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        _ts("created_at"),
        sa.Column("disabled", sa.Boolean(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "role IN ('citizen', 'officer', 'supervisor', 'admin')", name="ck_accounts_role"
        ),
        sa.CheckConstraint(
            "(role = 'citizen' AND nik_digest IS NOT NULL AND username IS NULL)"
            " OR (role <> 'citizen' AND username IS NOT NULL AND password_hash IS NOT NULL)",
            name="ck_accounts_credentials",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("username", name="uq_accounts_username"),
        sa.UniqueConstraint("nik_digest", name="uq_accounts_nik_digest"),
    )
    op.create_table(
        "halls",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scene_id", sa.String(64), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_halls"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("hall_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("resume_token_digest", sa.String(64), nullable=False),
        _ts("started_at"),
        _ts("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_sessions_account_id_accounts"
        ),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name="fk_sessions_hall_id_halls"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_index("ix_sessions_hall_id", "sessions", ["hall_id"])
    op.create_table(
        "sign_in_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("nik_digest", sa.String(64), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _ts("used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_codes"),
    )
    op.create_index("ix_sign_in_codes_nik_digest", "sign_in_codes", ["nik_digest"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_codes_nik_digest", table_name="sign_in_codes")
    op.drop_table("sign_in_codes")
    op.drop_index("ix_sessions_hall_id", table_name="sessions")
    op.drop_index("ix_sessions_account_id", table_name="sessions")
    op.drop_table("sessions")
    op.drop_table("halls")
    op.drop_table("accounts")

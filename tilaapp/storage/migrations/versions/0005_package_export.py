"""Update packages written from the database.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "package_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        # UTC, ISO 8601 text of one width.
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("last_change_id", sa.Integer(), nullable=False),
        sa.Column("building_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sequence"),
    )
    _ensure_database_id()


def _ensure_database_id() -> None:
    """Give a database whose identifier is empty a new UUID; packages name it."""
    connection = op.get_bind()
    empty = connection.execute(
        sa.text("SELECT id FROM database_info WHERE database_id IS NULL OR database_id = ''")
    ).all()
    for (row_id,) in empty:
        connection.execute(
            sa.text("UPDATE database_info SET database_id = :uuid WHERE id = :id"),
            {"uuid": str(uuid.uuid4()), "id": row_id},
        )


def downgrade() -> None:
    op.drop_table("package_export")

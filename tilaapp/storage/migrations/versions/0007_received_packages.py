"""Update packages received by a national database, with their buildings and values.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "received_package",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("database_id", sa.String(length=36), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=3), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        # UTC, ISO 8601 text of one width.
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("building_count", sa.Integer(), nullable=False),
        sa.Column("change_count", sa.Integer(), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["superseded_by_id"], ["received_package.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("database_id", "sequence"),
        sa.UniqueConstraint("manifest_sha256"),
    )
    op.create_index("ix_received_package_database_id", "received_package", ["database_id"])
    op.create_index(
        "ix_received_package_municipality_code", "received_package", ["municipality_code"]
    )
    op.create_table(
        "received_building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("building_key", sa.Integer(), nullable=False),
        sa.Column("permanent_building_identifier", sa.String(length=10), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("tenure", sa.String(length=20), nullable=False),
        sa.Column("holder_business_id", sa.String(length=9), nullable=True),
        sa.Column("addresses", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["package_id"], ["received_package.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("package_id", "building_key"),
    )
    op.create_index(
        "ix_received_building_permanent_building_identifier",
        "received_building",
        ["permanent_building_identifier"],
    )
    op.create_table(
        "received_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.String(length=32), nullable=True),
        sa.Column("code_list", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["building_id"], ["received_building.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "field"),
    )


def downgrade() -> None:
    op.drop_table("received_value")
    op.drop_index(
        "ix_received_building_permanent_building_identifier", table_name="received_building"
    )
    op.drop_table("received_building")
    op.drop_index("ix_received_package_municipality_code", table_name="received_package")
    op.drop_index("ix_received_package_database_id", table_name="received_package")
    op.drop_table("received_package")

"""Register list of values in use, and repair needs.

The new ``building_list`` table starts empty in an upgraded database:
``tilaapp.services.listing.ensure_list`` fills it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "building_list",
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("permanent_building_identifier", sa.String(length=10), nullable=True),
        sa.Column("old_building_identifier", sa.String(length=24), nullable=True),
        sa.Column("property_identifier", sa.String(length=19), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("address_sort_key", sa.Text(), nullable=True),
        sa.Column("local_name", sa.String(length=200), nullable=True),
        sa.Column("local_name_sort_key", sa.Text(), nullable=True),
        sa.Column("municipality_number", sa.String(length=3), nullable=True),
        sa.Column("building_class_2018", sa.String(length=10), nullable=True),
        sa.Column("building_class_origin", sa.String(length=10), nullable=False),
        sa.Column("use_class_1994", sa.String(length=10), nullable=True),
        sa.Column("gross_floor_area", sa.Integer(), nullable=True),
        sa.Column("completion_date", sa.String(length=10), nullable=True),
        sa.Column("in_portfolio", sa.Boolean(), nullable=False),
        sa.Column("tenure", sa.String(length=20), nullable=True),
        sa.Column("holder_entity_id", sa.Integer(), nullable=True),
        sa.Column("has_local_values", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["holder_entity_id"], ["holder_entity.id"]),
        sa.PrimaryKeyConstraint("building_id"),
    )
    with op.batch_alter_table("building_list", schema=None) as batch_op:
        batch_op.create_index(
            "ix_building_list_permanent_building_identifier",
            ["permanent_building_identifier"],
            unique=False,
        )
        batch_op.create_index(
            "ix_building_list_in_portfolio",
            ["in_portfolio", "permanent_building_identifier"],
            unique=False,
        )

    op.create_table(
        "repair_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("estimated_cost", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repair_need", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repair_need_building_id"), ["building_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("repair_need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_need_building_id"))

    op.drop_table("repair_need")
    with op.batch_alter_table("building_list", schema=None) as batch_op:
        batch_op.drop_index("ix_building_list_in_portfolio")
        batch_op.drop_index("ix_building_list_permanent_building_identifier")

    op.drop_table("building_list")

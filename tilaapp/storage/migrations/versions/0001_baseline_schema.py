"""Baseline schema: buildings, register and local values, batches, history, portfolio.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permanent_building_identifier", sa.String(length=10), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("permanent_building_identifier"),
    )
    op.create_table(
        "holder_entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("business_id", sa.String(length=9), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("business_id"),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=2000), nullable=False),
        sa.Column("extraction_date", sa.String(length=10), nullable=False),
        sa.Column("extraction_date_origin", sa.String(length=20), nullable=False),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.Column("os_user", sa.String(length=200), nullable=False),
        sa.Column("counts_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_sha256"), ["sha256"], unique=False)

    op.create_table(
        "municipality",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name_fi", sa.String(length=100), nullable=False),
        sa.Column("name_sv", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=2), nullable=True),
        sa.Column("list_year", sa.Integer(), nullable=False),
        sa.Column("merged_into_code", sa.String(length=3), nullable=True),
        sa.Column("merged_year", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "building_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("address_number", sa.Integer(), nullable=True),
        sa.Column("street_name_fi", sa.String(length=200), nullable=True),
        sa.Column("street_name_sv", sa.String(length=200), nullable=True),
        sa.Column("house_number", sa.String(length=50), nullable=True),
        sa.Column("postal_code", sa.String(length=5), nullable=True),
        sa.Column("post_office_fi", sa.String(length=100), nullable=True),
        sa.Column("post_office_sv", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("building_address", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_building_address_building_id"), ["building_id"], unique=False
        )

    op.create_table(
        "building_owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("is_person", sa.Boolean(), nullable=False),
        sa.Column("owner_type", sa.String(length=10), nullable=True),
        sa.Column("business_id", sa.String(length=9), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("building_owner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_building_owner_building_id"), ["building_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_building_owner_business_id"), ["business_id"], unique=False
        )

    op.create_table(
        "change_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.String(length=32), nullable=False),
        sa.Column("os_user", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("package_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_history_building_id"), ["building_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_history_changed_at"), ["changed_at"], unique=False
        )

    op.create_table(
        "database_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("database_id", sa.String(length=36), nullable=False),
        sa.Column("home_municipality_code", sa.String(length=3), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.ForeignKeyConstraint(
            ["home_municipality_code"],
            ["municipality.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "import_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.String(length=200), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_problem_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "local_value",
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("local_name", sa.String(length=200), nullable=True),
        sa.Column("municipal_service", sa.String(length=200), nullable=True),
        sa.Column("number_of_users", sa.Integer(), nullable=True),
        sa.Column("utilisation_rate", sa.Integer(), nullable=True),
        sa.Column("leased_out", sa.Boolean(), nullable=True),
        sa.Column("lessee", sa.String(length=200), nullable=True),
        sa.Column("lessee_is_person", sa.Boolean(), nullable=True),
        sa.Column("condition_class", sa.Integer(), nullable=True),
        sa.Column("condition_date", sa.String(length=10), nullable=True),
        sa.Column("condition_assessor", sa.String(length=200), nullable=True),
        sa.Column("indoor_air_problems", sa.Boolean(), nullable=True),
        sa.Column("acquisition_cost", sa.Integer(), nullable=True),
        sa.Column("acquisition_year", sa.Integer(), nullable=True),
        sa.Column("replacement_cost", sa.Integer(), nullable=True),
        sa.Column("maintenance_cost_per_year", sa.Integer(), nullable=True),
        sa.Column("rental_income_per_year", sa.Integer(), nullable=True),
        sa.Column("strategy", sa.String(length=20), nullable=True),
        sa.Column("strategy_target_year", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("municipality_number", sa.String(length=3), nullable=True),
        sa.Column("building_status", sa.String(length=10), nullable=True),
        sa.Column("property_identifier", sa.String(length=19), nullable=True),
        sa.Column("property_name", sa.String(length=200), nullable=True),
        sa.Column("old_building_identifier", sa.String(length=24), nullable=True),
        sa.Column("unseparated_parcel_identifier", sa.String(length=30), nullable=True),
        sa.Column("postal_code", sa.String(length=5), nullable=True),
        sa.Column("completion_date", sa.String(length=10), nullable=True),
        sa.Column("demolition_date", sa.String(length=10), nullable=True),
        sa.Column("site_tenure", sa.String(length=10), nullable=True),
        sa.Column("facade_material", sa.String(length=10), nullable=True),
        sa.Column("material_of_load_bearing_structures", sa.String(length=10), nullable=True),
        sa.Column("construction_method", sa.String(length=10), nullable=True),
        sa.Column("gross_floor_area", sa.Integer(), nullable=True),
        sa.Column("total_area", sa.Integer(), nullable=True),
        sa.Column("floor_area", sa.Integer(), nullable=True),
        sa.Column("basement_area", sa.Integer(), nullable=True),
        sa.Column("volume", sa.Integer(), nullable=True),
        sa.Column("number_of_storeys", sa.Integer(), nullable=True),
        sa.Column("apartment_count", sa.Integer(), nullable=True),
        sa.Column("usage_status", sa.String(length=10), nullable=True),
        sa.Column("usage_status_date", sa.String(length=10), nullable=True),
        sa.Column("use_class_1994", sa.String(length=10), nullable=True),
        sa.Column("building_class_2018", sa.String(length=10), nullable=True),
        sa.Column("main_purpose_open", sa.String(length=10), nullable=True),
        sa.Column("open_use_class", sa.String(length=10), nullable=True),
        sa.Column("heating_method", sa.String(length=10), nullable=True),
        sa.Column("heating_energy_source", sa.String(length=10), nullable=True),
        sa.Column("has_sewer", sa.Boolean(), nullable=True),
        sa.Column("has_sewer_connection", sa.Boolean(), nullable=True),
        sa.Column("has_electricity", sa.Boolean(), nullable=True),
        sa.Column("has_gas", sa.Boolean(), nullable=True),
        sa.Column("has_water_supply", sa.Boolean(), nullable=True),
        sa.Column("has_hot_water", sa.Boolean(), nullable=True),
        sa.Column("has_elevator", sa.Boolean(), nullable=True),
        sa.Column("has_air_conditioning", sa.Boolean(), nullable=True),
        sa.Column("has_solar_panel", sa.Boolean(), nullable=True),
        sa.Column("sauna_count", sa.Integer(), nullable=True),
        sa.Column("civil_defence_shelter_size", sa.Integer(), nullable=True),
        sa.Column("is_accessible", sa.Boolean(), nullable=True),
        sa.Column("is_protected", sa.Boolean(), nullable=True),
        sa.Column("coordinate_north", sa.Integer(), nullable=True),
        sa.Column("coordinate_east", sa.Integer(), nullable=True),
        sa.Column("coordinate_accuracy", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.PrimaryKeyConstraint("building_id"),
    )
    op.create_table(
        "portfolio_entry",
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("holder_entity_id", sa.Integer(), nullable=True),
        sa.Column("tenure", sa.String(length=20), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.ForeignKeyConstraint(
            ["holder_entity_id"],
            ["holder_entity.id"],
        ),
        sa.PrimaryKeyConstraint("building_id"),
    )
    op.create_table(
        "register_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=2000), nullable=False),
        sa.Column("extraction_date", sa.String(length=10), nullable=False),
        sa.Column("is_present", sa.Boolean(), nullable=False),
        sa.Column("absent_since_batch_id", sa.Integer(), nullable=True),
        sa.Column("municipality_number", sa.String(length=3), nullable=True),
        sa.Column("building_status", sa.String(length=10), nullable=True),
        sa.Column("property_identifier", sa.String(length=19), nullable=True),
        sa.Column("property_name", sa.String(length=200), nullable=True),
        sa.Column("old_building_identifier", sa.String(length=24), nullable=True),
        sa.Column("unseparated_parcel_identifier", sa.String(length=30), nullable=True),
        sa.Column("postal_code", sa.String(length=5), nullable=True),
        sa.Column("completion_date", sa.String(length=10), nullable=True),
        sa.Column("demolition_date", sa.String(length=10), nullable=True),
        sa.Column("site_tenure", sa.String(length=10), nullable=True),
        sa.Column("facade_material", sa.String(length=10), nullable=True),
        sa.Column("material_of_load_bearing_structures", sa.String(length=10), nullable=True),
        sa.Column("construction_method", sa.String(length=10), nullable=True),
        sa.Column("gross_floor_area", sa.Integer(), nullable=True),
        sa.Column("total_area", sa.Integer(), nullable=True),
        sa.Column("floor_area", sa.Integer(), nullable=True),
        sa.Column("basement_area", sa.Integer(), nullable=True),
        sa.Column("volume", sa.Integer(), nullable=True),
        sa.Column("number_of_storeys", sa.Integer(), nullable=True),
        sa.Column("apartment_count", sa.Integer(), nullable=True),
        sa.Column("usage_status", sa.String(length=10), nullable=True),
        sa.Column("usage_status_date", sa.String(length=10), nullable=True),
        sa.Column("use_class_1994", sa.String(length=10), nullable=True),
        sa.Column("building_class_2018", sa.String(length=10), nullable=True),
        sa.Column("main_purpose_open", sa.String(length=10), nullable=True),
        sa.Column("open_use_class", sa.String(length=10), nullable=True),
        sa.Column("heating_method", sa.String(length=10), nullable=True),
        sa.Column("heating_energy_source", sa.String(length=10), nullable=True),
        sa.Column("has_sewer", sa.Boolean(), nullable=True),
        sa.Column("has_sewer_connection", sa.Boolean(), nullable=True),
        sa.Column("has_electricity", sa.Boolean(), nullable=True),
        sa.Column("has_gas", sa.Boolean(), nullable=True),
        sa.Column("has_water_supply", sa.Boolean(), nullable=True),
        sa.Column("has_hot_water", sa.Boolean(), nullable=True),
        sa.Column("has_elevator", sa.Boolean(), nullable=True),
        sa.Column("has_air_conditioning", sa.Boolean(), nullable=True),
        sa.Column("has_solar_panel", sa.Boolean(), nullable=True),
        sa.Column("sauna_count", sa.Integer(), nullable=True),
        sa.Column("civil_defence_shelter_size", sa.Integer(), nullable=True),
        sa.Column("is_accessible", sa.Boolean(), nullable=True),
        sa.Column("is_protected", sa.Boolean(), nullable=True),
        sa.Column("coordinate_north", sa.Integer(), nullable=True),
        sa.Column("coordinate_east", sa.Integer(), nullable=True),
        sa.Column("coordinate_accuracy", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["absent_since_batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "source"),
    )
    with op.batch_alter_table("register_value", schema=None) as batch_op:
        batch_op.create_index(
            "ix_register_value_present_old_identifier",
            ["source", "old_building_identifier"],
            unique=True,
            sqlite_where=sa.text("is_present = 1 AND old_building_identifier IS NOT NULL"),
        )


def downgrade() -> None:

    with op.batch_alter_table("register_value", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_register_value_present_old_identifier",
            sqlite_where=sa.text("is_present = 1 AND old_building_identifier IS NOT NULL"),
        )

    op.drop_table("register_value")
    op.drop_table("portfolio_entry")
    op.drop_table("local_value")
    with op.batch_alter_table("import_problem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_problem_batch_id"))

    op.drop_table("import_problem")
    op.drop_table("database_info")
    with op.batch_alter_table("change_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_history_changed_at"))
        batch_op.drop_index(batch_op.f("ix_change_history_building_id"))

    op.drop_table("change_history")
    with op.batch_alter_table("building_owner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_building_owner_business_id"))
        batch_op.drop_index(batch_op.f("ix_building_owner_building_id"))

    op.drop_table("building_owner")
    with op.batch_alter_table("building_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_building_address_building_id"))

    op.drop_table("building_address")
    op.drop_table("municipality")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_sha256"))

    op.drop_table("import_batch")
    op.drop_table("holder_entity")
    op.drop_table("building")

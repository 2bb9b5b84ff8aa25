"""SQLAlchemy models of a municipal (or national) database.

Register values are kept per building and per source, apart from the municipality's own
(local) values. The value in use is chosen at read time (``tilaapp.services.values``).
"""

from __future__ import annotations

import datetime
import enum
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tilaapp.domain.dates import PartialDate
from tilaapp.storage.types import ISODate, Money, PartialDateType, ScaledDecimal, UTCDateTime


class Base(DeclarativeBase):
    pass


class HolderKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    JOINT_MUNICIPAL_AUTHORITY = "joint_municipal_authority"
    MUNICIPAL_COMPANY = "municipal_company"


class Tenure(enum.StrEnum):
    OWNED = "owned"
    LEASED_IN = "leased_in"


class BuildingOrigin(enum.StrEnum):
    REGISTER = "register"
    LOCAL = "local"


class DatabaseInfo(Base):
    """The single row that identifies this database."""

    __tablename__ = "database_info"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    database_id: Mapped[str] = mapped_column(String(36))
    """UUID that identifies this database in update packages."""
    home_municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipality.code"), default=None
    )
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)


class Municipality(Base):
    """A municipality of the bundled list, or a retired code kept for old extracts."""

    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name_fi: Mapped[str] = mapped_column(String(100))
    name_sv: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(2))
    list_year: Mapped[int] = mapped_column(Integer)
    merged_into_code: Mapped[str | None] = mapped_column(String(3), default=None)
    merged_year: Mapped[int | None] = mapped_column(Integer, default=None)


class HolderEntity(Base):
    """An entity of the municipal group that buildings of the portfolio belong to."""

    __tablename__ = "holder_entity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    business_id: Mapped[str] = mapped_column(String(9), unique=True)
    """Y-tunnus, ``NNNNNNN-C``."""
    kind: Mapped[HolderKind | None] = mapped_column(String(40))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)


class ImportBatch(Base):
    """One file read by one import call."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(2000))
    """``all`` for the whole file, else the sorted, comma-separated municipality codes."""
    extraction_date: Mapped[datetime.date] = mapped_column(ISODate)
    extraction_date_origin: Mapped[str] = mapped_column(String(20))
    """``file``, ``option`` (``--extraction-date``) or ``import_date``."""
    imported_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    os_user: Mapped[str] = mapped_column(String(200))
    counts_json: Mapped[str] = mapped_column(Text, default="{}")


class Building(Base):
    __tablename__ = "building"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permanent_building_identifier: Mapped[str | None] = mapped_column(String(10), unique=True)
    """Pysyvä rakennustunnus (VTJ-PRT); NULL for older data and local buildings."""
    origin: Mapped[BuildingOrigin] = mapped_column(String(20))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)

    register_values: Mapped[list[RegisterValue]] = relationship(
        back_populates="building", cascade="all, delete-orphan"
    )
    local_value: Mapped[LocalValue | None] = relationship(
        back_populates="building", cascade="all, delete-orphan"
    )
    addresses: Mapped[list[BuildingAddress]] = relationship(
        back_populates="building",
        cascade="all, delete-orphan",
        order_by="(BuildingAddress.source, BuildingAddress.address_number)",
    )
    owners: Mapped[list[BuildingOwner]] = relationship(
        back_populates="building", cascade="all, delete-orphan"
    )
    portfolio_entry: Mapped[PortfolioEntry | None] = relationship(
        back_populates="building", cascade="all, delete-orphan"
    )


class RegisterFieldsMixin:
    """One typed column per register field; names as in ``tilaapp.domain.fields``."""

    municipality_number: Mapped[str | None] = mapped_column(String(3))
    building_status: Mapped[str | None] = mapped_column(String(10))
    property_identifier: Mapped[str | None] = mapped_column(String(19))
    property_name: Mapped[str | None] = mapped_column(String(200))
    old_building_identifier: Mapped[str | None] = mapped_column(String(24))
    unseparated_parcel_identifier: Mapped[str | None] = mapped_column(String(30))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    completion_date: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    demolition_date: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    site_tenure: Mapped[str | None] = mapped_column(String(10))
    facade_material: Mapped[str | None] = mapped_column(String(10))
    material_of_load_bearing_structures: Mapped[str | None] = mapped_column(String(10))
    construction_method: Mapped[str | None] = mapped_column(String(10))
    gross_floor_area: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    total_area: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    floor_area: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    basement_area: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    volume: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    number_of_storeys: Mapped[int | None] = mapped_column(Integer)
    apartment_count: Mapped[int | None] = mapped_column(Integer)
    usage_status: Mapped[str | None] = mapped_column(String(10))
    usage_status_date: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    use_class_1994: Mapped[str | None] = mapped_column(String(10))
    building_class_2018: Mapped[str | None] = mapped_column(String(10))
    main_purpose_open: Mapped[str | None] = mapped_column(String(10))
    open_use_class: Mapped[str | None] = mapped_column(String(10))
    heating_method: Mapped[str | None] = mapped_column(String(10))
    heating_energy_source: Mapped[str | None] = mapped_column(String(10))
    has_sewer: Mapped[bool | None] = mapped_column(Boolean)
    has_sewer_connection: Mapped[bool | None] = mapped_column(Boolean)
    has_electricity: Mapped[bool | None] = mapped_column(Boolean)
    has_gas: Mapped[bool | None] = mapped_column(Boolean)
    has_water_supply: Mapped[bool | None] = mapped_column(Boolean)
    has_hot_water: Mapped[bool | None] = mapped_column(Boolean)
    has_elevator: Mapped[bool | None] = mapped_column(Boolean)
    has_air_conditioning: Mapped[bool | None] = mapped_column(Boolean)
    has_solar_panel: Mapped[bool | None] = mapped_column(Boolean)
    sauna_count: Mapped[int | None] = mapped_column(Integer)
    civil_defence_shelter_size: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    is_accessible: Mapped[bool | None] = mapped_column(Boolean)
    is_protected: Mapped[bool | None] = mapped_column(Boolean)
    coordinate_north: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    coordinate_east: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    coordinate_accuracy: Mapped[str | None] = mapped_column(String(10))


class RegisterValue(RegisterFieldsMixin, Base):
    """A building's values as one register source gave them, with the batch they came from."""

    __tablename__ = "register_value"
    __table_args__ = (
        UniqueConstraint("building_id", "source"),
        # The old changing identifier is unique among the buildings still present in a
        # source; a building marked absent releases it.
        Index(
            "ix_register_value_present_old_identifier",
            "source",
            "old_building_identifier",
            unique=True,
            sqlite_where=text("is_present = 1 AND old_building_identifier IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The unique (building_id, source) index also serves look-ups by building.
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    source: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"))
    """The newest batch that delivered this row."""
    scope: Mapped[str] = mapped_column(String(2000))
    """Scope of that batch; absence is judged only by a later batch of the same scope."""
    extraction_date: Mapped[datetime.date] = mapped_column(ISODate)
    is_present: Mapped[bool] = mapped_column(Boolean, default=True)
    absent_since_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id"), default=None
    )

    building: Mapped[Building] = relationship(back_populates="register_values")


class LocalValue(RegisterFieldsMixin, Base):
    """The municipality's own values of one building; NULL means "not set"."""

    __tablename__ = "local_value"

    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), primary_key=True)
    local_name: Mapped[str | None] = mapped_column(String(200))
    municipal_service: Mapped[str | None] = mapped_column(String(200))
    number_of_users: Mapped[int | None] = mapped_column(Integer)
    utilisation_rate: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    leased_out: Mapped[bool | None] = mapped_column(Boolean)
    lessee: Mapped[str | None] = mapped_column(String(200))
    lessee_is_person: Mapped[bool | None] = mapped_column(Boolean)
    condition_class: Mapped[int | None] = mapped_column(Integer)
    condition_date: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    condition_assessor: Mapped[str | None] = mapped_column(String(200))
    indoor_air_problems: Mapped[bool | None] = mapped_column(Boolean)
    acquisition_cost: Mapped[Decimal | None] = mapped_column(Money)
    acquisition_year: Mapped[int | None] = mapped_column(Integer)
    replacement_cost: Mapped[Decimal | None] = mapped_column(Money)
    maintenance_cost_per_year: Mapped[Decimal | None] = mapped_column(Money)
    rental_income_per_year: Mapped[Decimal | None] = mapped_column(Money)
    strategy: Mapped[str | None] = mapped_column(String(20))
    strategy_target_year: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)

    building: Mapped[Building] = relationship(back_populates="local_value")


class BuildingAddress(Base):
    __tablename__ = "building_address"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    address_number: Mapped[int | None] = mapped_column(Integer)
    street_name_fi: Mapped[str | None] = mapped_column(String(200))
    street_name_sv: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    post_office_fi: Mapped[str | None] = mapped_column(String(100))
    post_office_sv: Mapped[str | None] = mapped_column(String(100))

    building: Mapped[Building] = relationship(back_populates="addresses")


class BuildingOwner(Base):
    """An owner row with no personal data: a person is kept only as ``is_person``."""

    __tablename__ = "building_owner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    is_person: Mapped[bool] = mapped_column(Boolean)
    owner_type: Mapped[str | None] = mapped_column(String(10))
    business_id: Mapped[str | None] = mapped_column(String(9), index=True)

    building: Mapped[Building] = relationship(back_populates="owners")


class PortfolioEntry(Base):
    """A building the municipal group holds."""

    __tablename__ = "portfolio_entry"

    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), primary_key=True)
    holder_entity_id: Mapped[int | None] = mapped_column(ForeignKey("holder_entity.id"))
    tenure: Mapped[Tenure] = mapped_column(String(20))
    added_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)

    building: Mapped[Building] = relationship(back_populates="portfolio_entry")
    holder_entity: Mapped[HolderEntity | None] = relationship()


class ChangeRecord(Base):
    """One field-level change: register updates, local edits, portfolio changes."""

    __tablename__ = "change_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    """Values as JSON-compatible text: decimals plain, dates reduced ISO 8601."""
    changed_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, index=True)
    os_user: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))
    """A register source, ``local``, ``undo``, ``redo``, ``spreadsheet``, ``package`` or
    ``portfolio``."""
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    package_id: Mapped[str | None] = mapped_column(String(100))


class ImportProblem(Base):
    """A row problem of an import, kept so it can be reviewed and sent upstream.

    ``value`` is NULL for cells of personal-data columns.
    """

    __tablename__ = "import_problem"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    file_name: Mapped[str] = mapped_column(String(500))
    sheet: Mapped[str | None] = mapped_column(String(100))
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)


class ListEntry(Base):
    """One building as the register list shows it: values in use, kept by the services.

    A denormalised copy, so that the list of a municipality's buildings opens, sorts and
    filters without choosing values in use (``tilaapp.services.listing`` writes it after
    every change). The holder entity is kept by id and joined when read, so renaming an
    entity needs no rewrite of the list.
    """

    __tablename__ = "building_list"
    __table_args__ = (
        Index("ix_building_list_permanent_building_identifier", "permanent_building_identifier"),
        Index("ix_building_list_in_portfolio", "in_portfolio", "permanent_building_identifier"),
    )

    building_id: Mapped[int] = mapped_column(
        ForeignKey("building.id", ondelete="CASCADE"), primary_key=True
    )
    permanent_building_identifier: Mapped[str | None] = mapped_column(String(10))
    old_building_identifier: Mapped[str | None] = mapped_column(String(24))
    property_identifier: Mapped[str | None] = mapped_column(String(19))
    """The long form: 14 digits, and ``M`` and four digits for an unseparated parcel."""
    address: Mapped[str | None] = mapped_column(Text)
    address_sort_key: Mapped[str | None] = mapped_column(Text)
    local_name: Mapped[str | None] = mapped_column(String(200))
    local_name_sort_key: Mapped[str | None] = mapped_column(Text)
    municipality_number: Mapped[str | None] = mapped_column(String(3))
    building_class_2018: Mapped[str | None] = mapped_column(String(10))
    building_class_origin: Mapped[str] = mapped_column(String(10))
    """``register``, ``crosswalk`` (from the 1994 use class) or ``unknown``."""
    use_class_1994: Mapped[str | None] = mapped_column(String(10))
    gross_floor_area: Mapped[Decimal | None] = mapped_column(ScaledDecimal)
    completion_date: Mapped[PartialDate | None] = mapped_column(PartialDateType)
    in_portfolio: Mapped[bool] = mapped_column(Boolean)
    tenure: Mapped[Tenure | None] = mapped_column(String(20))
    holder_entity_id: Mapped[int | None] = mapped_column(ForeignKey("holder_entity.id"))
    has_local_values: Mapped[bool] = mapped_column(Boolean)
    search_text: Mapped[str] = mapped_column(Text)
    """Case-folded identifiers, addresses, names and class names, joined by spaces."""


class RepairNeedRecord(Base):
    """A repair need (korjaustarve) of a building: the year, its estimated cost and what."""

    __tablename__ = "repair_need"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("building.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    estimated_cost: Mapped[Decimal | None] = mapped_column(Money)
    description: Mapped[str | None] = mapped_column(Text)


class CostIndexEntry(Base):
    """One year of the building-cost index series that the municipality maintains.

    Technical values computed from acquisition costs use the ratio of two years' values,
    so all entries must belong to one series and base year.
    """

    __tablename__ = "cost_index"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    index_value: Mapped[Decimal] = mapped_column(ScaledDecimal)
    source: Mapped[str] = mapped_column(Text)
    """The origin of the value, such as the series name, base year and publisher."""


class StoredReference(Base):
    """A reference file that ``tilaapp reference import`` stored; the newest one is in use.

    The document is kept as the validated JSON text of the file, so that it reads back
    exactly as the file gave it.
    """

    __tablename__ = "stored_reference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    imported_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)


class PackageExport(Base):
    """An update package written from this database.

    The next package lists the changes of ``change_history`` rows after
    ``last_change_id``, so each change is sent once.
    """

    __tablename__ = "package_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    """1 for the first package of the database, then one more for each package."""
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    last_change_id: Mapped[int] = mapped_column(Integer)
    """The newest ``change_history`` id the package covers; 0 when the history was empty."""
    building_count: Mapped[int] = mapped_column(Integer)


class SavedColumnMapping(Base):
    """A column mapping of the municipality's own inventory files, saved under a name.

    ``document`` is the mapping as JSON (``tilaapp.services.mapping``): source column
    names to field names, and the reading options (sheet, header row, encoding,
    separator).
    """

    __tablename__ = "column_mapping"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)


class ReceivedPackage(Base):
    """An update package merged into a national database by ``tilaapp aggregate``.

    The packages of one municipal database (``database_id``) form a chain numbered by
    ``sequence``. The newest one is current; a newer package sets ``superseded_by_id``
    of the one before, which stays stored as history with its buildings.
    """

    __tablename__ = "received_package"
    __table_args__ = (UniqueConstraint("database_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    database_id: Mapped[str] = mapped_column(String(36), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    municipality_code: Mapped[str] = mapped_column(String(3), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    """When the municipality wrote the package (the manifest's ``created_at``)."""
    received_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    file_name: Mapped[str] = mapped_column(String(255))
    building_count: Mapped[int] = mapped_column(Integer)
    change_count: Mapped[int] = mapped_column(Integer)
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("received_package.id"), default=None
    )
    """NULL for the current package of its database."""
    manifest: Mapped[str] = mapped_column(Text)
    """``manifest.json`` as received, UTF-8 text."""
    changes: Mapped[str] = mapped_column(Text)
    """``changes.json`` as received: the field-level history the package reports."""


class ReceivedBuilding(Base):
    """One building of a received package, keyed by its id in the sending database.

    The permanent building identifier is not unique here: a building can be in the
    portfolios of two municipal groups, and older packages keep their copies.
    """

    __tablename__ = "received_building"
    __table_args__ = (UniqueConstraint("package_id", "building_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("received_package.id", ondelete="CASCADE"))
    building_key: Mapped[int] = mapped_column(Integer)
    """The building's ``id`` in the sending database; stable within its ``database_id``."""
    permanent_building_identifier: Mapped[str | None] = mapped_column(String(10), index=True)
    origin: Mapped[str] = mapped_column(String(20))
    tenure: Mapped[str] = mapped_column(String(20))
    holder_business_id: Mapped[str | None] = mapped_column(String(9))
    addresses: Mapped[str] = mapped_column(Text)
    """The package's address list of the building as JSON text."""


class ReceivedValue(Base):
    """One field's value in use of a received building, exactly as the package sent it.

    ``value`` is the JSON text of the package's value: decimals as plain decimal strings,
    dates in reduced ISO 8601, codes and identifiers as strings with their leading zeros,
    so no value is rounded or retyped on the way in.
    """

    __tablename__ = "received_value"
    __table_args__ = (UniqueConstraint("building_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("received_building.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    batch: Mapped[int | None] = mapped_column(Integer)
    """The import batch of a register value, as numbered in the package's manifest."""
    changed_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    code_list: Mapped[str | None] = mapped_column(String(40))

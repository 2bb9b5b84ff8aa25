"""History queries: pages, filters, counts and values typed back from their JSON text."""

from __future__ import annotations

import dataclasses
import datetime
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from devtools.dvv_workbook import Address, sample_buildings, valid_prt, write_extract
from devtools.dvv_workbook import Building as SampleBuilding
from tilaapp import i18n
from tilaapp.domain.dates import PartialDate
from tilaapp.services.editing import UNDO_SOURCE, EditService
from tilaapp.services.history import (
    HistoryEntry,
    PortfolioHistoryValue,
    building_history,
    count_building_history,
    count_database_history,
    database_history,
    field_label,
    history_value,
)
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.portfolio_edit import PortfolioService
from tilaapp.storage.database import Database, open_database, utc_now
from tilaapp.storage.models import Building, ChangeRecord, HolderKind, Tenure

USER = "historioitsija"
FIRST_DATE = datetime.date(2024, 1, 15)
SECOND_DATE = datetime.date(2025, 1, 15)


def _changed_sample() -> list[SampleBuilding]:
    """Return the sample with the school's gross floor area and main address changed."""
    buildings = sample_buildings()
    school = buildings[0]
    buildings[0] = dataclasses.replace(
        school,
        gross_floor_area=2500,
        addresses=[Address("Koekatu", "1 A", 1, "Provgatan", "15100", "LAHTI", "LAHTIS")],
    )
    return buildings


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a database with two imports of the sample, the second one changing the school."""
    folder = tmp_path_factory.mktemp("imported")
    path = folder / "municipality.sqlite"
    first = write_extract(folder / "first.xlsx", sample_buildings())
    import_files(path, [first], ImportOptions(extraction_date=FIRST_DATE))
    second = write_extract(folder / "second.xlsx", _changed_sample())
    import_files(path, [second], ImportOptions(extraction_date=SECOND_DATE))
    return path


@pytest.fixture
def database(imported: Path, tmp_path: Path) -> Iterator[Database]:
    path = Path(shutil.copy(imported, tmp_path / "municipality.sqlite"))
    opened = open_database(path)
    yield opened
    opened.close()


@pytest.fixture
def school(database: Database) -> int:
    with database.read_session() as session:
        found = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == valid_prt(1))
        )
    assert found is not None
    return found


def history_of(database: Database, building: int, **paging: int) -> list[HistoryEntry]:
    with database.read_session() as session:
        return building_history(session, building, **paging)


def everything(
    database: Database, *, field: str | None = None, source: str | None = None
) -> list[HistoryEntry]:
    with database.read_session() as session:
        return database_history(session, limit=1000, field=field, source=source)


# ------------------------------------------------------------------ register changes


def test_import_change_in_history(database: Database, school: int) -> None:
    (entry,) = [e for e in history_of(database, school) if e.field == "gross_floor_area"]
    assert (entry.old_value, entry.new_value) == (Decimal(2450), Decimal(2500))
    assert entry.source == "dvv_extract"
    assert entry.batch_id is not None


def test_import_entry_identifier(database: Database, school: int) -> None:
    (entry,) = [e for e in history_of(database, school) if e.field == "gross_floor_area"]
    assert entry.building_id == school
    assert entry.permanent_building_identifier == valid_prt(1)


def test_address_change_text(database: Database, school: int) -> None:
    (entry,) = [e for e in history_of(database, school) if e.field == "addresses"]
    assert isinstance(entry.new_value, str)
    assert "Provgatan 1 A" in entry.new_value
    assert entry.field_label == "Addresses"


# ------------------------------------------------------------------ local changes


def test_local_edit_entry(database: Database, school: int) -> None:
    EditService(database, os_user=USER).set_value(school, "local_name", "Koulu")
    entry = history_of(database, school)[0]
    assert (entry.field, entry.old_value, entry.new_value) == ("local_name", None, "Koulu")
    assert (entry.os_user, entry.source) == (USER, "local")


def test_newest_first(database: Database, school: int) -> None:
    service = EditService(database, os_user=USER)
    service.set_value(school, "number_of_storeys", 3)
    service.set_value(school, "number_of_storeys", 4)
    newest, older = history_of(database, school)[:2]
    assert (newest.old_value, newest.new_value) == (3, 4)
    assert (older.old_value, older.new_value) == (None, 3)


def test_values_typed(database: Database, school: int) -> None:
    service = EditService(database, os_user=USER)
    service.set_value(school, "condition_date", PartialDate(2019, 5))
    service.set_value(school, "indoor_air_problems", False)
    service.set_value(school, "acquisition_cost", Decimal("1200.50"))
    cost, problems, date = history_of(database, school)[:3]
    assert cost.new_value == Decimal("1200.5")
    assert problems.new_value is False
    assert date.new_value == PartialDate(2019, 5)


def test_changed_at_utc(database: Database, school: int) -> None:
    EditService(database, os_user=USER).set_value(school, "local_name", "Koulu")
    entry = history_of(database, school)[0]
    assert entry.changed_at.utcoffset() == datetime.timedelta(0)


def test_undo_entry_source(database: Database, school: int) -> None:
    service = EditService(database, os_user=USER)
    service.set_value(school, "local_name", "Koulu")
    service.undo()
    entry = history_of(database, school)[0]
    assert (entry.source, entry.old_value, entry.new_value) == (UNDO_SOURCE, "Koulu", None)


def test_field_label_translated(database: Database, school: int) -> None:
    EditService(database, os_user=USER).set_value(school, "gross_floor_area", Decimal(1))
    i18n.set_language("fi")
    entry = history_of(database, school)[0]
    assert entry.field_label == "Kerrosala"


# ------------------------------------------------------------------ portfolio changes


def test_portfolio_entry_value(database: Database, school: int) -> None:
    portfolio = PortfolioService(database, os_user=USER)
    holder = portfolio.add_holder_entity("Lahden kaupunki", "0123456-2", HolderKind.MUNICIPALITY)
    portfolio.add_to_portfolio([school], holder.id, Tenure.LEASED_IN)
    entry = history_of(database, school)[0]
    assert entry.new_value == PortfolioHistoryValue("0123456-2", "leased_in")
    assert entry.old_value is None
    assert entry.field_label == "Portfolio"


# ------------------------------------------------------------------ paging and filters


def test_paging(database: Database, school: int) -> None:
    service = EditService(database, os_user=USER)
    for storeys in range(1, 6):
        service.set_value(school, "number_of_storeys", storeys)
    page = history_of(database, school, limit=2, offset=1)
    assert [entry.new_value for entry in page] == [4, 3]


def test_building_count(database: Database, school: int) -> None:
    before = len(history_of(database, school, limit=1000))
    EditService(database, os_user=USER).set_value(school, "local_name", "Koulu")
    with database.read_session() as session:
        assert count_building_history(session, school) == before + 1


def test_database_filter_source(database: Database, school: int) -> None:
    EditService(database, os_user=USER).set_value(school, "local_name", "Koulu")
    entries = everything(database, source="local")
    assert [entry.field for entry in entries] == ["local_name"]


def test_database_filter_field(database: Database, school: int) -> None:
    entries = everything(database, field="gross_floor_area")
    assert [entry.building_id for entry in entries] == [school]


def test_database_count_filters(database: Database, school: int) -> None:
    service = EditService(database, os_user=USER)
    service.set_value(school, "local_name", "Koulu")
    service.set_value(school, "notes", "Katto vuotaa")
    with database.read_session() as session:
        assert count_database_history(session, source="local") == 2
        assert count_database_history(session, field="notes", source="local") == 1


def test_database_count_matches_rows(database: Database) -> None:
    with database.read_session() as session:
        assert count_database_history(session) == len(everything(database))


def test_negative_limit_rejected(database: Database) -> None:
    with database.read_session() as session, pytest.raises(ValueError):
        database_history(session, limit=-1)


def test_row_without_building(database: Database) -> None:
    with database.session() as session:
        session.add(
            ChangeRecord(
                building_id=None,
                field="holder_entity",
                old_value=None,
                new_value='"x"',
                changed_at=utc_now(),
                os_user=USER,
                source="local",
            )
        )
    entry = everything(database, field="holder_entity")[0]
    assert entry.permanent_building_identifier is None
    assert entry.field_label == "holder_entity"


# ------------------------------------------------------------------ history_value


def test_value_not_json_kept() -> None:
    assert history_value("local_name", "not json") == "not json"


def test_value_of_wrong_type_kept() -> None:
    assert history_value("number_of_storeys", '"three"') == "three"


def test_value_of_unknown_field() -> None:
    assert history_value("present_in_source", "true") is True


def test_value_money() -> None:
    assert history_value("replacement_cost", '"1200.5"') == Decimal("1200.5")


def test_label_of_presence() -> None:
    assert field_label("present_in_source") == "Present in the register source"


def test_database_history_text_value(database: Database, school: int) -> None:
    EditService(database, os_user=USER).set_value(school, "local_name", "Mäntylän koulu")
    with database.read_session() as session:
        found = database_history(session, text="mäntylän")

    assert [entry.new_value for entry in found] == ["Mäntylän koulu"]


def test_database_history_text_wildcards(database: Database, school: int) -> None:
    EditService(database, os_user=USER).set_value(school, "local_name", "Koulu")
    with database.read_session() as session:
        found = database_history(session, text="%")

    assert found == []


def test_database_history_text_count(database: Database, school: int) -> None:
    EditService(database, os_user=USER).set_value(school, "local_name", "Koulu")
    with database.read_session() as session:
        everything = count_database_history(session)
        by_user = count_database_history(session, text=USER)

    assert 0 < by_user < everything

"""Repair needs of buildings: checks, storage, history, undo and redo."""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from devtools.dvv_workbook import sample_buildings, valid_prt, write_extract
from tilaapp.domain.validation import ValidationError
from tilaapp.services.editing import (
    CLEAR_VALUE,
    REDO_SOURCE,
    SET_VALUE,
    UNDO_SOURCE,
    EditConflict,
    EditService,
    UndoStack,
    describe_step,
)
from tilaapp.services.history import building_history
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.queries import BuildingNotFound
from tilaapp.services.repairs import (
    REPAIR_NEEDS_FIELD,
    InvalidRepairNeed,
    RepairNeed,
    RepairService,
    checked_repair_needs,
)
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import Building, RepairNeedRecord

USER = "korjaaja"
OTHER_USER = "toinen"

ROOF = RepairNeed(2030, Decimal("120000"), "Vesikaton uusiminen")
WINDOWS = RepairNeed(2027, Decimal("45000.50"), "Ikkunat")
SURVEY = RepairNeed(2026, None, None)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("imported")
    extract = write_extract(folder / "x.xlsx", sample_buildings())
    path = folder / "municipality.sqlite"
    import_files(path, [extract], ImportOptions(extraction_date=datetime.date(2024, 1, 15)))
    return path


@pytest.fixture
def database(imported: Path, tmp_path: Path) -> Iterator[Database]:
    path = Path(shutil.copy(imported, tmp_path / "municipality.sqlite"))
    opened = open_database(path)
    yield opened
    opened.close()


@pytest.fixture
def stack() -> UndoStack:
    return UndoStack()


@pytest.fixture
def service(database: Database, stack: UndoStack) -> RepairService:
    return RepairService(database, os_user=USER, undo_stack=stack)


@pytest.fixture
def school(database: Database) -> int:
    with database.read_session() as session:
        found = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == valid_prt(1))
        )
    assert found is not None
    return found


def stored_count(database: Database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(RepairNeedRecord)) or 0


# Setting and reading


def test_needs_read_sorted_by_year(service: RepairService, school: int) -> None:
    service.set_repair_needs(school, [ROOF, WINDOWS, SURVEY])
    assert service.read(school) == (SURVEY, WINDOWS, ROOF)


def test_same_year_keeps_order(service: RepairService, school: int) -> None:
    first = RepairNeed(2030, None, "Ensin")
    second = RepairNeed(2030, None, "Sitten")
    service.set_repair_needs(school, [second, first, WINDOWS])
    assert service.read(school) == (WINDOWS, second, first)


def test_cost_kept_exactly(service: RepairService, school: int) -> None:
    service.set_repair_needs(school, [RepairNeed(2028, Decimal("99999999999.99"), None)])
    assert service.read(school)[0].estimated_cost == Decimal("99999999999.99")


def test_description_stripped(service: RepairService, school: int) -> None:
    service.set_repair_needs(school, [RepairNeed(2028, None, "  Salaoja\r\nja sokkeli  ")])
    assert service.read(school)[0].description == "Salaoja\nja sokkeli"


def test_blank_description_empty(service: RepairService, school: int) -> None:
    service.set_repair_needs(school, [RepairNeed(2028, None, "   ")])
    assert service.read(school)[0].description is None


def test_new_building_has_none(service: RepairService, school: int) -> None:
    assert service.read(school) == ()


def test_set_step(service: RepairService, school: int) -> None:
    step = service.set_repair_needs(school, [ROOF])
    assert step.description_key == SET_VALUE
    assert [change.new for change in step.changes] == [(ROOF,)]


def test_unchanged_needs_empty_step(service: RepairService, school: int) -> None:
    service.set_repair_needs(school, [ROOF, WINDOWS])
    assert service.set_repair_needs(school, [WINDOWS, ROOF]).is_empty


def test_clear_needs(service: RepairService, database: Database, school: int) -> None:
    service.set_repair_needs(school, [ROOF, WINDOWS])
    step = service.set_repair_needs(school, [])
    assert step.description_key == CLEAR_VALUE
    assert stored_count(database) == 0


def test_replace_needs(service: RepairService, database: Database, school: int) -> None:
    service.set_repair_needs(school, [ROOF, WINDOWS])
    service.set_repair_needs(school, [SURVEY])
    assert stored_count(database) == 1


def test_missing_building(service: RepairService) -> None:
    with pytest.raises(BuildingNotFound):
        service.set_repair_needs(999_999, [ROOF])


def test_read_missing_building(service: RepairService) -> None:
    with pytest.raises(BuildingNotFound):
        service.read(999_999)


# Checks


@pytest.mark.parametrize(
    ("need", "part"),
    [
        (RepairNeed(1899, None, None), "year"),
        (RepairNeed(2101, None, None), "year"),
        (RepairNeed(True, None, None), "year"),
        (RepairNeed(2030, Decimal("-0.01"), None), "estimated_cost"),
        (RepairNeed(2030, Decimal("100000000000"), None), "estimated_cost"),
        (RepairNeed(2030, Decimal("10.005"), None), "estimated_cost"),
        (RepairNeed(2030, Decimal("NaN"), None), "estimated_cost"),
        (RepairNeed(2030, 1.5, None), "estimated_cost"),  # type: ignore[arg-type]
        (RepairNeed(2030, None, "x" * 501), "description"),
        (RepairNeed(2030, None, "rivi\x07"), "description"),
    ],
)
def test_invalid_need(service: RepairService, school: int, need: RepairNeed, part: str) -> None:
    with pytest.raises(InvalidRepairNeed) as raised:
        service.set_repair_needs(school, [ROOF, need])
    assert raised.value.part == part
    assert raised.value.row == 2


def test_invalid_need_changes_nothing(
    service: RepairService, database: Database, school: int
) -> None:
    with pytest.raises(InvalidRepairNeed):
        service.set_repair_needs(school, [ROOF, RepairNeed(1800, None, None)])
    assert stored_count(database) == 0


def test_invalid_need_is_validation_error(service: RepairService, school: int) -> None:
    with pytest.raises(ValidationError) as raised:
        service.set_repair_needs(school, [RepairNeed(1800, None, None)])
    assert raised.value.field == REPAIR_NEEDS_FIELD


def test_year_message() -> None:
    with pytest.raises(InvalidRepairNeed) as raised:
        checked_repair_needs([RepairNeed(3000, None, None)])
    assert raised.value.message == "Repair need 1: enter a year from 1900 to 2100."


def test_length_message() -> None:
    with pytest.raises(InvalidRepairNeed) as raised:
        checked_repair_needs([ROOF, RepairNeed(2030, None, "x" * 600)])
    assert "at most 500 characters (this one has 600)" in raised.value.message


def test_limits_allowed(service: RepairService, school: int) -> None:
    needs = [RepairNeed(1900, Decimal(0), "x" * 500), RepairNeed(2100, Decimal(5), "\tSisennys")]
    service.set_repair_needs(school, needs)
    assert [need.year for need in service.read(school)] == [1900, 2100]


# History, undo and redo


def test_history_row(service: RepairService, database: Database, school: int) -> None:
    service.set_repair_needs(school, [ROOF, SURVEY])
    with database.read_session() as session:
        (entry,) = building_history(session, school)
    assert entry.field_label == "Repair needs"
    assert entry.old_value is None
    assert entry.new_value == [
        {"year": 2026},
        {"year": 2030, "cost": "120000", "description": "Vesikaton uusiminen"},
    ]


def test_history_text_compact(service: RepairService, database: Database, school: int) -> None:
    service.set_repair_needs(school, [WINDOWS])
    with database.read_session() as session:
        (entry,) = building_history(session, school)
    assert json.dumps(entry.new_value, ensure_ascii=False, separators=(",", ":")) == (
        '[{"year":2027,"cost":"45000.5","description":"Ikkunat"}]'
    )


def test_undo_and_redo(service: RepairService, school: int) -> None:
    service.set_repair_needs(school, [ROOF])
    service.set_repair_needs(school, [ROOF, WINDOWS])
    service.undo()
    assert service.read(school) == (ROOF,)
    service.redo()
    assert service.read(school) == (WINDOWS, ROOF)


def test_undo_writes_history(service: RepairService, database: Database, school: int) -> None:
    service.set_repair_needs(school, [ROOF])
    service.undo()
    service.redo()
    with database.read_session() as session:
        sources = [entry.source for entry in building_history(session, school)]
    assert sources == [REDO_SOURCE, UNDO_SOURCE, "local"]


def test_shared_stack_with_edits(
    service: RepairService, database: Database, stack: UndoStack, school: int
) -> None:
    edits = EditService(database, os_user=USER, undo_stack=stack)
    service.set_repair_needs(school, [ROOF])
    edits.set_value(school, "local_name", "Koulu")
    edits.undo()
    edits.undo()
    assert service.read(school) == ()


def test_undo_conflict(service: RepairService, database: Database, school: int) -> None:
    service.set_repair_needs(school, [ROOF])
    other = RepairService(database, os_user=OTHER_USER)
    other.set_repair_needs(school, [WINDOWS])
    with pytest.raises(EditConflict) as raised:
        service.undo()
    assert raised.value.field == REPAIR_NEEDS_FIELD
    assert "Repair needs" in raised.value.message


def test_describe_step(service: RepairService, school: int) -> None:
    step = service.set_repair_needs(school, [ROOF])
    assert describe_step(step) == "Change of Repair needs"

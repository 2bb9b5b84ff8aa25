"""Edits of local values, bulk edits, undo and redo, on a database of the sample extract."""

from __future__ import annotations

import datetime
import logging
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from devtools.dvv_workbook import sample_buildings, valid_prt, write_extract
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import FIELDS_BY_NAME
from tilaapp.domain.validation import FieldNotEditable, UnknownField, ValidationError
from tilaapp.services.editing import (
    CLEAR_VALUE,
    REDO_SOURCE,
    SET_VALUE,
    SET_VALUE_FOR_MANY,
    UNDO_SOURCE,
    EditConflict,
    EditService,
    EditStep,
    FieldChange,
    LocalValueStore,
    UndoStack,
    describe_step,
)
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.queries import BuildingNotFound, building_details
from tilaapp.services.values import field_values
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import Building, ChangeRecord, LocalValue, RegisterValue

USER = "muokkaaja"
OTHER_USER = "toinen"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a database of the sample extract, imported once for the module's tests."""
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
def service(database: Database) -> EditService:
    return EditService(database, os_user=USER)


def building_id(database: Database, number: int) -> int:
    """Return the id of the sample building whose identifier is ``valid_prt(number)``."""
    with database.read_session() as session:
        found = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == valid_prt(number))
        )
    assert found is not None
    return found


def local(database: Database, building: int, field: str) -> Any:
    with database.read_session() as session:
        row = session.get(LocalValue, building)
        return None if row is None else getattr(row, field)


def in_use(database: Database, building: int, field: str) -> Any:
    with database.read_session() as session:
        rows = list(
            session.scalars(select(RegisterValue).where(RegisterValue.building_id == building))
        )
        values = field_values(FIELDS_BY_NAME[field], rows, session.get(LocalValue, building))
        return values.in_use


def history(database: Database, source: str | None = None) -> list[ChangeRecord]:
    query = select(ChangeRecord).order_by(ChangeRecord.id)
    if source is not None:
        query = query.where(ChangeRecord.source == source)
    with database.read_session() as session:
        return list(session.scalars(query))


def history_count(database: Database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(ChangeRecord)) or 0


# ------------------------------------------------------------------ set_value


def test_set_value_stores_local(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal("2500.5"))
    assert local(database, school, "gross_floor_area") == Decimal("2500.5")


def test_set_value_in_use(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    assert in_use(database, school, "gross_floor_area") == Decimal(2500)


def test_set_value_returns_step(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    step = service.set_value(school, "number_of_storeys", 4)
    assert step == EditStep(SET_VALUE, (FieldChange(school, "number_of_storeys", None, 4),))


def test_set_value_history_row(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal("2500.50"))
    service.set_value(school, "gross_floor_area", Decimal(2600))
    (first, second) = history(database, source="local")
    assert (first.field, first.old_value, first.new_value) == ("gross_floor_area", None, '"2500.5"')
    assert (second.old_value, second.new_value) == ('"2500.5"', '"2600"')
    assert second.os_user == USER
    assert second.changed_at.tzinfo is not None


def test_set_value_same_value_noop(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    rows_before = history_count(database)
    step = service.set_value(school, "gross_floor_area", Decimal("2500.000"))
    assert step.is_empty
    assert history_count(database) == rows_before


def test_noop_not_undoable(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "local_name", None)
    assert not service.can_undo


def test_set_value_normalises_text(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "local_name", "  Koulumäen koulu  ")
    assert local(database, school, "local_name") == "Koulumäen koulu"


def test_set_partial_date(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "condition_date", PartialDate(2019, 5))
    assert local(database, school, "condition_date") == PartialDate(2019, 5)


def test_set_money(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "replacement_cost", Decimal("1250000.50"))
    assert local(database, school, "replacement_cost") == Decimal("1250000.50")


def test_set_value_invalid_raises(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    with pytest.raises(ValidationError) as raised:
        service.set_value(school, "number_of_storeys", 61)
    assert raised.value.field == "number_of_storeys"
    assert "from 0 to 60" in raised.value.message


def test_set_value_invalid_writes_nothing(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    rows_before = history_count(database)
    with pytest.raises(ValidationError):
        service.set_value(school, "condition_class", 9)
    assert history_count(database) == rows_before
    assert local(database, school, "condition_class") is None


def test_set_value_unknown_field(database: Database, service: EditService) -> None:
    with pytest.raises(UnknownField):
        service.set_value(building_id(database, 1), "colour", "red")


def test_set_value_register_only_field(database: Database, service: EditService) -> None:
    with pytest.raises(FieldNotEditable):
        service.set_value(building_id(database, 1), "building_status", "20")


def test_set_value_missing_building(service: EditService) -> None:
    with pytest.raises(BuildingNotFound) as raised:
        service.set_value(999_999, "local_name", "Ei ole")
    assert raised.value.reference == "id:999999"


def test_set_none_clears(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "local_name", "Koulu")
    step = service.set_value(school, "local_name", None)
    assert step.description_key == CLEAR_VALUE
    assert local(database, school, "local_name") is None


def test_personal_value_not_logged(
    database: Database, service: EditService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    service.set_value(building_id(database, 1), "condition_assessor", "Arvioija Aino")
    service.undo()
    assert "condition_assessor" in caplog.text
    assert "Aino" not in caplog.text


# ------------------------------------------------------------------ clear_value


def test_clear_returns_register_value(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    service.clear_value(school, "gross_floor_area")
    assert in_use(database, school, "gross_floor_area") == Decimal(2450)


def test_clear_shows_register_origin(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    service.clear_value(school, "gross_floor_area")
    with database.read_session() as session:
        details = building_details(session, school)
    assert details["fields"]["gross_floor_area"]["in_use"]["origin"] == "dvv_extract"


def test_clear_history_row(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    service.clear_value(school, "gross_floor_area")
    last = history(database, source="local")[-1]
    assert (last.old_value, last.new_value) == ('"2500"', None)


def test_clear_unset_value_noop(database: Database, service: EditService) -> None:
    step = service.clear_value(building_id(database, 1), "local_name")
    assert step == EditStep(CLEAR_VALUE, ())


def test_clear_register_only_field(database: Database, service: EditService) -> None:
    with pytest.raises(FieldNotEditable):
        service.clear_value(building_id(database, 1), "old_building_identifier")


# ------------------------------------------------------------------ bulk edits


def test_bulk_edit_one_step(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    step = service.set_value_for_many(ids, "strategy", "keep")
    assert step.description_key == SET_VALUE_FOR_MANY
    assert [change.building_id for change in step.changes] == ids


def test_bulk_edit_values(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    service.set_value_for_many(ids, "strategy", "keep")
    assert [local(database, b, "strategy") for b in ids] == ["keep", "keep", "keep"]


def test_bulk_edit_history_rows(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    service.set_value_for_many(ids, "strategy", "keep")
    rows = history(database, source="local")
    assert [row.building_id for row in rows] == ids
    assert {row.changed_at for row in rows} == {rows[0].changed_at}


def test_bulk_edit_skips_unchanged(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    service.set_value(ids[1], "strategy", "keep")
    step = service.set_value_for_many(ids, "strategy", "keep")
    assert [change.building_id for change in step.changes] == [ids[0], ids[2]]


def test_bulk_edit_duplicate_ids_once(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    step = service.set_value_for_many([school, school], "strategy", "keep")
    assert len(step.changes) == 1


def test_preview_counts_changes(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    service.set_value(ids[0], "strategy", "keep")
    assert service.preview_many(ids, "strategy", "keep") == 2


def test_preview_writes_nothing(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    service.preview_many(ids, "strategy", "keep")
    assert local(database, ids[0], "strategy") is None
    assert not service.can_undo


def test_preview_invalid_value(database: Database, service: EditService) -> None:
    with pytest.raises(ValidationError):
        service.preview_many([building_id(database, 1)], "strategy", "sell")


def test_bulk_missing_building_changes_nothing(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    rows_before = history_count(database)
    with pytest.raises(BuildingNotFound):
        service.set_value_for_many([*ids, 999_999], "strategy", "keep")
    assert [local(database, b, "strategy") for b in ids] == [None, None, None]
    assert history_count(database) == rows_before
    assert not service.can_undo


def test_bulk_failure_midway_rolls_back(
    database: Database, service: EditService, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    original_write = LocalValueStore.write
    written: list[int] = []

    def failing_write(
        self: LocalValueStore, session: Any, building: int, field: str, value: Any
    ) -> None:
        if written:
            raise RuntimeError("disk full")
        written.append(building)
        original_write(self, session, building, field, value)

    monkeypatch.setattr(LocalValueStore, "write", failing_write)
    with pytest.raises(RuntimeError):
        service.set_value_for_many(ids, "strategy", "keep")
    assert written == [ids[0]]
    assert local(database, ids[0], "strategy") is None
    assert history(database, source="local") == []


# ------------------------------------------------------------------ undo and redo


def test_undo_empty_stack(service: EditService) -> None:
    assert service.undo() is None
    assert service.redo() is None


def test_undo_restores_old_value(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    service.set_value(school, "gross_floor_area", Decimal(2600))
    service.undo()
    assert local(database, school, "gross_floor_area") == Decimal(2500)


def test_undo_returns_inverted_step(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "number_of_storeys", 4)
    undone = service.undo()
    assert undone == EditStep(SET_VALUE, (FieldChange(school, "number_of_storeys", 4, None),))


def test_undo_redo_across_buildings(database: Database, service: EditService) -> None:
    school, house = building_id(database, 1), building_id(database, 2)
    service.set_value(school, "local_name", "Koulu")
    service.set_value(house, "local_name", "Rivitalo")

    service.undo()
    assert (local(database, school, "local_name"), local(database, house, "local_name")) == (
        "Koulu",
        None,
    )
    service.undo()
    assert local(database, school, "local_name") is None
    assert not service.can_undo

    service.redo()
    assert local(database, school, "local_name") == "Koulu"
    service.redo()
    assert local(database, house, "local_name") == "Rivitalo"
    assert not service.can_redo


def test_undo_bulk_edit(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    service.set_value(ids[1], "strategy", "develop")
    service.set_value_for_many(ids, "strategy", "keep")
    service.undo()
    assert [local(database, b, "strategy") for b in ids] == [None, "develop", None]


def test_undo_history_source(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    service.undo()
    (row,) = history(database, source=UNDO_SOURCE)
    assert (row.old_value, row.new_value, row.os_user) == ('"2500"', None, USER)


def test_redo_history_source(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    service.undo()
    service.redo()
    (row,) = history(database, source=REDO_SOURCE)
    assert (row.old_value, row.new_value) == (None, '"2500"')


def test_new_edit_clears_redo(database: Database, service: EditService) -> None:
    school, house = building_id(database, 1), building_id(database, 2)
    service.set_value(school, "local_name", "Koulu")
    service.undo()
    assert service.can_redo
    service.set_value(house, "local_name", "Rivitalo")
    assert not service.can_redo
    assert service.redo() is None


def test_undo_clear_restores_local(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    service.clear_value(school, "gross_floor_area")
    service.undo()
    assert in_use(database, school, "gross_floor_area") == Decimal(2500)


def test_undo_conflict_raises(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    other = EditService(database, os_user=OTHER_USER)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    other.set_value(school, "gross_floor_area", Decimal(2700))
    with pytest.raises(EditConflict) as raised:
        service.undo()
    assert raised.value.building == valid_prt(1)
    assert raised.value.field == "gross_floor_area"
    assert raised.value.message == (
        f"Cannot undo: Gross floor area of building {valid_prt(1)} has been changed since "
        "this edit. Nothing was changed."
    )


def test_undo_conflict_changes_nothing(database: Database, service: EditService) -> None:
    school, house = building_id(database, 1), building_id(database, 2)
    other = EditService(database, os_user=OTHER_USER)
    service.set_value_for_many([school, house], "strategy", "keep")
    other.set_value(house, "strategy", "dispose")
    rows_before = history_count(database)
    with pytest.raises(EditConflict):
        service.undo()
    assert local(database, school, "strategy") == "keep"
    assert local(database, house, "strategy") == "dispose"
    assert history_count(database) == rows_before


def test_undo_conflict_drops_step(database: Database, service: EditService) -> None:
    school, house = building_id(database, 1), building_id(database, 2)
    other = EditService(database, os_user=OTHER_USER)
    service.set_value(house, "local_name", "Rivitalo")
    service.set_value(school, "local_name", "Koulu")
    other.set_value(school, "local_name", "Vanha koulu")
    with pytest.raises(EditConflict):
        service.undo()
    service.undo()
    assert local(database, house, "local_name") is None
    assert local(database, school, "local_name") == "Vanha koulu"


def test_redo_conflict_raises(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    other = EditService(database, os_user=OTHER_USER)
    service.set_value(school, "local_name", "Koulu")
    service.undo()
    other.set_value(school, "local_name", "Toinen")
    with pytest.raises(EditConflict) as raised:
        service.redo()
    assert raised.value.message.startswith("Cannot redo:")
    assert local(database, school, "local_name") == "Toinen"


def test_undo_same_value_again_no_conflict(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    other = EditService(database, os_user=OTHER_USER)
    service.set_value(school, "gross_floor_area", Decimal(2500))
    other.set_value(school, "gross_floor_area", Decimal(2700))
    other.set_value(school, "gross_floor_area", Decimal("2500.0"))
    service.undo()
    assert local(database, school, "gross_floor_area") is None


def test_shared_stack_between_services(database: Database) -> None:
    stack = UndoStack()
    first = EditService(database, os_user=USER, undo_stack=stack)
    second = EditService(database, os_user=USER, undo_stack=stack)
    school = building_id(database, 1)
    first.set_value(school, "local_name", "Koulu")
    second.undo()
    assert local(database, school, "local_name") is None


def test_stack_keeps_newest_steps(database: Database) -> None:
    service = EditService(database, os_user=USER, undo_stack=UndoStack(max_steps=2))
    school = building_id(database, 1)
    for storeys in (1, 2, 3):
        service.set_value(school, "number_of_storeys", storeys)
    service.undo()
    service.undo()
    assert not service.can_undo
    assert local(database, school, "number_of_storeys") == 1


def test_stack_notifies_listener(database: Database, service: EditService) -> None:
    calls: list[bool] = []
    service.undo_stack.add_listener(lambda: calls.append(service.can_undo))
    service.set_value(building_id(database, 1), "local_name", "Koulu")
    service.undo()
    assert calls == [True, False]


def test_stack_rejects_zero_size() -> None:
    with pytest.raises(ValueError):
        UndoStack(max_steps=0)


# ------------------------------------------------------------------ descriptions


def test_describe_single_edit(database: Database, service: EditService) -> None:
    step = service.set_value(building_id(database, 1), "gross_floor_area", Decimal(1))
    assert describe_step(step) == "Change of Gross floor area"


def test_describe_bulk_edit(database: Database, service: EditService) -> None:
    ids = [building_id(database, n) for n in (1, 2)]
    step = service.set_value_for_many(ids, "strategy", "keep")
    assert describe_step(step) == "Change of Strategy in 2 buildings"


def test_describe_clear(database: Database, service: EditService) -> None:
    school = building_id(database, 1)
    service.set_value(school, "local_name", "Koulu")
    step = service.clear_value(school, "local_name")
    assert describe_step(step) == "Return to the register value: Building name"

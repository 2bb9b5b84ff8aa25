"""Re-import of an edited list export: preview, problems, applying as one undo step."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

import tilaapp
from tests.demo_helpers import import_demo_extract
from tilaapp import i18n
from tilaapp.cli.main import main
from tilaapp.domain.dates import PartialDate
from tilaapp.services import list_export
from tilaapp.services.editing import EditService, describe_step
from tilaapp.services.list_export import export_list
from tilaapp.services.list_export_errors import ListExportTargetLocked
from tilaapp.services.list_reimport import (
    ChangeStatus,
    EditedListOutdated,
    EditedListUnreadable,
    EditedListWithoutKey,
    ProblemKind,
    ReimportPreview,
    apply_changes,
    read_edited_list,
)
from tilaapp.services.listing import LIST_COLUMNS, ensure_list, list_ids, list_rows
from tilaapp.services.messages import describe_error
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import ChangeRecord, LocalValue

DEMO_FOLDER = Path(tilaapp.__file__).parent / "resources" / "demo"
FORMULA_NAME = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture(scope="module")
def imported_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo extract imported once with the real import code; copy it before use."""
    path = import_demo_extract(tmp_path_factory.mktemp("imported") / "imported.sqlite")
    database = open_database(path, create=False)
    with database.session() as session:
        ensure_list(session)
    database.close()
    return path


@pytest.fixture
def database(imported_database: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "tilaapp.sqlite"
    shutil.copyfile(imported_database, path)
    opened = open_database(path, create=False)
    yield opened
    opened.close()


@pytest.fixture
def edits(database: Database) -> EditService:
    return EditService(database, os_user="tester")


def export(database: Database, path: Path, *, all_buildings: bool = True) -> None:
    with database.read_session() as session:
        export_list(session, path, columns=LIST_COLUMNS, all_buildings=all_buildings, replace=True)


def preview_of(database: Database, path: Path) -> ReimportPreview:
    with database.read_session() as session:
        return read_edited_list(session, path)


def first_ids(database: Database, count: int) -> list[int]:
    with database.read_session() as session:
        return list_ids(session)[:count]


def value_in_list(database: Database, building_id: int, column: str) -> object:
    with database.read_session() as session:
        return getattr(list_rows(session, [building_id])[0], column)


def set_cells(path: Path, edits_by_id: dict[int, dict[str, object]], language: str) -> None:
    """Write new cell values into an exported workbook, columns named by their list id."""
    i18n.set_language(language)
    from tilaapp.services.list_texts import list_column_label

    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells_by_column = edits_by_id.get(row[0].value)
        for column, value in (cells_by_column or {}).items():
            row[header.index(list_column_label(column))].value = value
    workbook.save(path)


def edit_history_sources(database: Database) -> list[str]:
    """Return the sources of the history rows of edits, leaving out the import's rows."""
    query = (
        select(ChangeRecord.source)
        .where(ChangeRecord.source.in_(["local", "spreadsheet", "undo", "redo"]))
        .order_by(ChangeRecord.id)
    )
    with database.read_session() as session:
        return list(session.scalars(query))


def assert_no_differences(preview: ReimportPreview) -> None:
    assert [(c.building, c.column, c.old_text, c.new_text) for c in preview.changes] == []
    assert [(c.building, c.column, c.old_text, c.new_text) for c in preview.read_only] == []
    assert [problem.message() for problem in preview.problems] == []


# An unchanged file gives no changes


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_unchanged_xlsx_no_changes(database: Database, tmp_path: Path, language: str) -> None:
    i18n.set_language(language)
    out = tmp_path / "lista.xlsx"
    export(database, out)
    preview = preview_of(database, out)
    assert preview.rows_read == 114
    assert preview.buildings_matched == 114
    assert preview.language == language
    assert_no_differences(preview)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_unchanged_csv_no_changes(database: Database, tmp_path: Path, language: str) -> None:
    i18n.set_language(language)
    out = tmp_path / "lista.csv"
    export(database, out)
    preview = preview_of(database, out)
    assert preview.buildings_matched == 114
    assert_no_differences(preview)


def test_resaved_xlsx_no_changes(database: Database, tmp_path: Path) -> None:
    i18n.set_language("fi")
    out = tmp_path / "lista.xlsx"
    export(database, out)
    workbook = openpyxl.load_workbook(out)
    workbook.save(out)
    assert_no_differences(preview_of(database, out))


def test_read_in_other_language(database: Database, tmp_path: Path) -> None:
    i18n.set_language("sv")
    out = tmp_path / "lista.csv"
    export(database, out)
    i18n.set_language("fi")
    preview = preview_of(database, out)
    assert preview.language == "sv"
    assert_no_differences(preview)


def test_changed_cell_types_no_changes(database: Database, tmp_path: Path) -> None:
    """A spreadsheet may store numbers as text, codes as numbers and dates as text."""
    building_id = first_ids(database, 1)[0]
    EditService(database, os_user="tester").set_value(
        building_id, "completion_date", PartialDate(2020, 2, 1)
    )
    EditService(database, os_user="tester").set_value(
        building_id, "gross_floor_area", Decimal("1234.5")
    )
    EditService(database, os_user="tester").set_value(building_id, "building_class_2018", "0110")
    out = tmp_path / "lista.xlsx"
    i18n.set_language("fi")
    export(database, out)
    set_cells(
        out,
        {
            building_id: {
                "gross_floor_area": "1 234,5",
                "completion_date": "1.2.2020",
                "building_class_2018": 110,
            }
        },
        "fi",
    )
    assert_no_differences(preview_of(database, out))


def test_partial_dates_no_changes(database: Database, tmp_path: Path) -> None:
    first, second = first_ids(database, 2)
    service = EditService(database, os_user="tester")
    service.set_value(first, "completion_date", PartialDate(1962, 8))
    service.set_value(second, "completion_date", PartialDate(1962))
    for language in ("fi", "sv", "en"):
        i18n.set_language(language)
        for suffix in (".xlsx", ".csv"):
            out = tmp_path / f"lista-{language}{suffix}"
            export(database, out)
            assert_no_differences(preview_of(database, out))


# Edits in a workbook


def test_three_edits_two_valid(database: Database, edits: EditService, tmp_path: Path) -> None:
    first, second, third = first_ids(database, 3)
    out = tmp_path / "lista.xlsx"
    i18n.set_language("fi")
    export(database, out)
    set_cells(
        out,
        {
            first: {"gross_floor_area": 250.5},
            second: {"local_name": "Uusi koulu"},
            third: {"gross_floor_area": -10},
        },
        "fi",
    )
    i18n.set_language("en")

    preview = preview_of(database, out)

    assert [(c.building_id, c.column, c.new) for c in preview.valid_changes] == [
        (first, "gross_floor_area", Decimal("250.5")),
        (second, "local_name", "Uusi koulu"),
    ]
    assert [(c.building_id, c.column) for c in preview.invalid_changes] == [
        (third, "gross_floor_area")
    ]
    invalid = preview.invalid_changes[0]
    assert invalid.status is ChangeStatus.INVALID
    assert invalid.message is not None
    assert "Gross floor area" in invalid.message
    assert invalid.new_text == "-10"


def test_apply_one_undo_step(database: Database, edits: EditService, tmp_path: Path) -> None:
    first, second, third = first_ids(database, 3)
    before = {
        first: value_in_list(database, first, "gross_floor_area"),
        second: value_in_list(database, second, "local_name"),
    }
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(
        out,
        {
            first: {"gross_floor_area": 250.5},
            second: {"local_name": "Uusi koulu"},
            third: {"gross_floor_area": -10},
        },
        "en",
    )
    preview = preview_of(database, out)

    step = apply_changes(edits, preview)

    assert len(step.changes) == 2
    assert value_in_list(database, first, "gross_floor_area") == Decimal("250.5")
    assert value_in_list(database, second, "local_name") == "Uusi koulu"
    assert value_in_list(database, third, "gross_floor_area") != Decimal(-10)
    assert edit_history_sources(database) == ["spreadsheet", "spreadsheet"]
    assert describe_step(step) == "Changes from an edited list in 2 buildings"

    edits.undo()

    assert value_in_list(database, first, "gross_floor_area") == before[first]
    assert value_in_list(database, second, "local_name") == before[second]
    assert not edits.can_undo


def test_apply_accepted_only(database: Database, edits: EditService, tmp_path: Path) -> None:
    first, second = first_ids(database, 2)
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"local_name": "A"}, second: {"local_name": "B"}}, "en")
    preview = preview_of(database, out)

    apply_changes(edits, preview, [preview.valid_changes[1]])

    assert value_in_list(database, first, "local_name") is None
    assert value_in_list(database, second, "local_name") == "B"


def test_apply_invalid_change_raises(
    database: Database, edits: EditService, tmp_path: Path
) -> None:
    first = first_ids(database, 1)[0]
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"gross_floor_area": -1}}, "en")
    preview = preview_of(database, out)
    with pytest.raises(ValueError):
        apply_changes(edits, preview, preview.invalid_changes)
    assert edit_history_sources(database) == []


def test_apply_after_other_edit_rejected(
    database: Database, edits: EditService, tmp_path: Path
) -> None:
    first, second = first_ids(database, 2)
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"local_name": "A"}, second: {"local_name": "B"}}, "en")
    preview = preview_of(database, out)
    edits.set_value(second, "local_name", "Changed meanwhile")

    with pytest.raises(EditedListOutdated) as raised:
        apply_changes(edits, preview)

    assert value_in_list(database, first, "local_name") is None
    assert value_in_list(database, second, "local_name") == "Changed meanwhile"
    assert "has been changed since the file was read" in describe_error(raised.value)[0]


def test_invalid_code_flagged(database: Database, tmp_path: Path) -> None:
    first = first_ids(database, 1)[0]
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"use_class_1994": "998 Keksitty"}}, "en")
    (change,) = preview_of(database, out).changes
    assert change.status is ChangeStatus.INVALID
    assert change.message is not None
    assert "998" in change.message


def test_code_with_name_read_as_code(database: Database, tmp_path: Path) -> None:
    first = first_ids(database, 1)[0]
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"building_class_2018": "0110 anything"}}, "en")
    preview = preview_of(database, out)
    if value_in_list(database, first, "building_class_2018") == "0110":
        assert preview.changes == ()
        return
    (change,) = preview.changes
    assert change.new == "0110"
    assert change.applicable


def test_empty_cell_clears_own_value(
    database: Database, edits: EditService, tmp_path: Path
) -> None:
    first = first_ids(database, 1)[0]
    register_area = value_in_list(database, first, "gross_floor_area")
    edits.set_value(first, "gross_floor_area", Decimal(999))
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"gross_floor_area": None}}, "en")
    preview = preview_of(database, out)

    (change,) = preview.changes
    assert change.applicable
    assert change.new is None
    apply_changes(edits, preview)
    assert value_in_list(database, first, "gross_floor_area") == register_area
    with database.read_session() as session:
        assert session.get(LocalValue, first).gross_floor_area is None


def test_empty_cell_keeps_register_value(database: Database, tmp_path: Path) -> None:
    first = first_ids(database, 1)[0]
    assert value_in_list(database, first, "gross_floor_area") is not None
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"gross_floor_area": None}}, "en")
    (change,) = preview_of(database, out).changes
    assert change.status is ChangeStatus.INVALID
    assert change.message is not None
    assert "cannot remove a register value" in change.message


def test_formula_without_result_not_applied(
    database: Database, edits: EditService, tmp_path: Path
) -> None:
    first = first_ids(database, 1)[0]
    edits.set_value(first, "local_name", "Kirkonkylän urheiluhalli")
    out = tmp_path / "lista.xlsx"
    export(database, out)
    # openpyxl writes a formula without calculating it, as a user's macro or script may.
    set_cells(out, {first: {"local_name": "=A6*2"}}, "en")

    preview = preview_of(database, out)

    (change,) = preview.changes
    assert change.status is ChangeStatus.INVALID
    assert not change.applicable
    assert change.message is not None
    assert "formula" in change.message
    assert preview.valid_changes == ()
    assert value_in_list(database, first, "local_name") == "Kirkonkylän urheiluhalli"


def test_excel_error_value_not_applied(
    database: Database, edits: EditService, tmp_path: Path
) -> None:
    first = first_ids(database, 1)[0]
    edits.set_value(first, "local_name", "Kirkonkylän urheiluhalli")
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"local_name": "#N/A"}}, "en")

    (change,) = preview_of(database, out).changes

    assert change.status is ChangeStatus.INVALID
    assert change.new_text == "#N/A"
    assert change.message is not None
    assert "#N/A" in change.message


def test_read_only_difference_reported(database: Database, tmp_path: Path) -> None:
    first = first_ids(database, 1)[0]
    out = tmp_path / "lista.xlsx"
    export(database, out)
    set_cells(out, {first: {"address": "Muutettu katu 1", "tenure": "leased in"}}, "en")
    preview = preview_of(database, out)
    assert preview.changes == ()
    assert sorted(change.column for change in preview.read_only) == ["address", "tenure"]
    assert all(change.status is ChangeStatus.READ_ONLY for change in preview.read_only)


# The formula text


def test_formula_name_survives_xlsx(database: Database, edits: EditService, tmp_path: Path) -> None:
    first = first_ids(database, 1)[0]
    edits.set_value(first, "local_name", FORMULA_NAME)
    out = tmp_path / "lista.xlsx"
    export(database, out)

    sheet = openpyxl.load_workbook(out).active
    header = [cell.value for cell in sheet[1]]
    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == first)
    cell = row[header.index("Building name")]
    assert cell.value == FORMULA_NAME
    assert cell.data_type == "s"
    assert_no_differences(preview_of(database, out))


def test_formula_name_survives_resave(
    database: Database, edits: EditService, tmp_path: Path
) -> None:
    first = first_ids(database, 1)[0]
    edits.set_value(first, "local_name", FORMULA_NAME)
    out = tmp_path / "lista.xlsx"
    export(database, out)
    openpyxl.load_workbook(out).save(out)

    sheet = openpyxl.load_workbook(out).active
    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == first)
    assert [cell.data_type for cell in row if cell.value == FORMULA_NAME] == ["s"]
    assert_no_differences(preview_of(database, out))


def test_formula_name_survives_csv(database: Database, edits: EditService, tmp_path: Path) -> None:
    first = first_ids(database, 1)[0]
    edits.set_value(first, "local_name", FORMULA_NAME)
    out = tmp_path / "lista.csv"
    export(database, out)

    raw = out.read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK(" in raw
    assert ";=HYPERLINK(" not in raw
    assert ';"=HYPERLINK(' not in raw
    assert_no_differences(preview_of(database, out))


# Problems and rejected files


def test_key_problems_reported(database: Database, edits: EditService, tmp_path: Path) -> None:
    first = first_ids(database, 1)[0]
    out = tmp_path / "lista.xlsx"
    export(database, out)
    workbook = openpyxl.load_workbook(out)
    sheet = workbook.active
    sheet.append([999_999, "1234567892"])
    sheet.append([None, "new building"])
    sheet.append(["abc", "x"])
    first_row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == first)
    duplicate = [cell.value for cell in first_row]
    duplicate[3] = "Other name"
    sheet.append(duplicate)
    sheet.cell(row=1, column=sheet.max_column + 1, value="My notes")
    workbook.save(out)

    preview = preview_of(database, out)

    kinds = sorted(problem.kind.value for problem in preview.problems)
    assert kinds == ["duplicate_key", "invalid_key", "missing_key", "unknown_column", "unknown_key"]
    assert [c.building_id for c in preview.changes if c.building_id == first] == []
    messages = [problem.message() for problem in preview.problems]
    assert any("999999" in message for message in messages)
    assert any("My notes" in message for message in messages)
    duplicate_problem = next(p for p in preview.problems if p.kind is ProblemKind.DUPLICATE_KEY)
    assert len(duplicate_problem.rows) == 2


def test_missing_key_column_rejected(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.xlsx"
    export(database, out)
    workbook = openpyxl.load_workbook(out)
    workbook.active.delete_cols(1)
    workbook.save(out)

    with pytest.raises(EditedListWithoutKey) as raised:
        preview_of(database, out)
    assert "has no tilaapp-id column" in describe_error(raised.value)[0]


def test_not_a_workbook_rejected(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.xlsx"
    out.write_text("tilaapp-id;Address\n1;x\n", encoding="utf-8")
    with pytest.raises(EditedListUnreadable) as raised:
        preview_of(database, out)
    assert describe_error(raised.value) == [
        "The file lista.xlsx is not an Excel workbook (.xlsx). Save it in Excel as an .xlsx "
        "workbook and try again.",
        "The database was not changed.",
    ]


def test_unsupported_suffix_rejected(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.ods"
    out.write_bytes(b"PK\x03\x04")
    with pytest.raises(EditedListUnreadable):
        preview_of(database, out)


def test_csv_from_english_excel(database: Database, tmp_path: Path) -> None:
    """English Excel saves CSV with commas, in Windows-1252."""
    first = first_ids(database, 1)[0]
    out = tmp_path / "lista.csv"
    out.write_bytes(f"tilaapp-id,Building name\r\n{first},Päiväkoti\r\n".encode("cp1252"))
    (change,) = preview_of(database, out).changes
    assert change.new == "Päiväkoti"


# Locked export target


def test_locked_target_raises(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "lista.xlsx"
    export(database, out)
    earlier = out.read_bytes()

    def locked(source: Path, target: Path) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(list_export, "replace_file", locked)
    with pytest.raises(ListExportTargetLocked) as raised:
        export(database, out)

    assert out.read_bytes() == earlier
    assert not (tmp_path / "lista.xlsx.part").exists()
    assert "another program has it open" in describe_error(raised.value)[0]


# The command line


@pytest.fixture
def database_file(imported_database: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cli.sqlite"
    shutil.copyfile(imported_database, path)
    return path


def stored_edits(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Return every local value and every history row, to show that nothing changed."""
    database = open_database(path, create=False)
    try:
        with database.read_session() as session:
            local = [
                tuple(getattr(row, column.name) for column in LocalValue.__table__.columns)
                for row in session.scalars(select(LocalValue).order_by(LocalValue.building_id))
            ]
            history = [
                (row.building_id, row.field, row.old_value, row.new_value, row.source)
                for row in session.scalars(select(ChangeRecord).order_by(ChangeRecord.id))
            ]
    finally:
        database.close()
    return local, history


def edited_export(database_file: Path, tmp_path: Path) -> tuple[Path, list[int]]:
    out = tmp_path / "lista.xlsx"
    arguments = ["export-list", "--db", str(database_file), "--all", "--out", str(out)]
    assert main([*arguments, "--lang", "en"]) == 0
    database = open_database(database_file, create=False)
    try:
        first, second, third = first_ids(database, 3)
    finally:
        database.close()
    set_cells(
        out,
        {
            first: {"gross_floor_area": 250.5},
            second: {"local_name": "Uusi koulu"},
            third: {"gross_floor_area": -10},
        },
        "en",
    )
    return out, [first, second, third]


def test_cli_preview_changes_nothing(
    database_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ids = edited_export(database_file, tmp_path)
    before = stored_edits(database_file)
    capsys.readouterr()

    assert main(["import-list", str(out), "--db", str(database_file), "--lang", "en"]) == 0

    printed = capsys.readouterr().out
    assert "Gross floor area, m²: 906 → 250.5" in printed
    assert "enter a number from 0 to 500,000 m²" in printed
    assert "Run the command again with --apply to apply the 2 valid changes." in printed
    assert stored_edits(database_file) == before


def test_cli_apply_json(
    database_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, (first, second, third) = edited_export(database_file, tmp_path)
    capsys.readouterr()

    status = main(["import-list", str(out), "--db", str(database_file), "--apply", "--json"])

    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "tilaapp.import-list/1"
    assert result["applied"] == 2
    assert [(c["building_id"], c["status"]) for c in result["changes"]] == [
        (first, "valid"),
        (second, "valid"),
        (third, "invalid"),
    ]
    assert result["changes"][0]["new"] == "250.5"
    assert result["changes"][2]["cell"] == "-10"
    _local, history = stored_edits(database_file)
    assert [row[4] for row in history if row[4] == "spreadsheet"] == ["spreadsheet"] * 2


@pytest.mark.parametrize("damage", ["no key column", "not a workbook"])
def test_cli_rejected_file_changes_nothing(
    database_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    out, _ids = edited_export(database_file, tmp_path)
    if damage == "no key column":
        workbook = openpyxl.load_workbook(out)
        workbook.active.delete_cols(1)
        workbook.save(out)
    else:
        out.write_text("not a workbook", encoding="utf-8")
    before = stored_edits(database_file)
    capsys.readouterr()

    status = main(["import-list", str(out), "--db", str(database_file), "--apply", "--lang", "en"])

    assert status == 1
    assert "database was not changed" in capsys.readouterr().err
    assert stored_edits(database_file) == before


def test_cli_locked_export_target(
    database_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "lista.xlsx"

    def locked(source: Path, target: Path) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(list_export, "replace_file", locked)
    status = main(["export-list", "--db", str(database_file), "--out", str(out), "--lang", "en"])

    assert status == 1
    assert "another program has it open" in capsys.readouterr().err
    assert not out.exists()

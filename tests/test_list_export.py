"""Export of the register list to an Excel workbook or a CSV file, and `tilaapp export-list`."""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import tilaapp
from devtools.opt_file import synthetic_rows, write_opt
from tests.demo_helpers import import_demo_extract
from tilaapp import i18n
from tilaapp.cli.main import main
from tilaapp.domain.dates import PartialDate
from tilaapp.services import list_export
from tilaapp.services.editing import EditService
from tilaapp.services.list_export import (
    export_list,
    is_list_export,
    list_cell_text,
)
from tilaapp.services.list_export_errors import (
    ListExportFolderMissing,
    ListExportNotReplaceable,
    UnknownListColumn,
    UnsupportedExportFormat,
)
from tilaapp.services.list_texts import KEY_COLUMN_HEADER
from tilaapp.services.listing import LIST_COLUMNS, ListRow, ensure_list, list_ids, list_rows
from tilaapp.services.messages import describe_error
from tilaapp.storage.database import Database, open_database

DEMO_FOLDER = Path(tilaapp.__file__).parent / "resources" / "demo"
FORMULA_NAME = "=SUM(A1)"
# The demo extract has 114 buildings, 85 of them in the portfolio (demo.json's owners).
DEMO_BUILDINGS = 114
DEMO_PORTFOLIO = 85


@pytest.fixture(scope="module")
def imported_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo extract imported once with the real import code; copy it before use."""
    path = import_demo_extract(tmp_path_factory.mktemp("imported") / "imported.sqlite")
    return path


@pytest.fixture
def database_path(imported_database: Path, tmp_path: Path) -> Path:
    path = tmp_path / "tilaapp.sqlite"
    shutil.copyfile(imported_database, path)
    return path


@pytest.fixture
def database(database_path: Path) -> Iterator[Database]:
    opened = open_database(database_path, create=False)
    with opened.session() as session:
        ensure_list(session)
    yield opened
    opened.close()


def export(
    database: Database,
    path: Path,
    *,
    columns: Sequence[str] = LIST_COLUMNS,
    text: str = "",
    all_buildings: bool = False,
    sort_column: str = "permanent_building_identifier",
    descending: bool = False,
    replace: bool = False,
) -> int:
    with database.read_session() as session:
        return export_list(
            session,
            path,
            columns=columns,
            text=text,
            all_buildings=all_buildings,
            sort_column=sort_column,
            descending=descending,
            replace=replace,
        )


def portfolio_ids(database: Database) -> list[int]:
    with database.read_session() as session:
        return list_ids(session)


def first_portfolio_row(database: Database) -> ListRow:
    with database.read_session() as session:
        return list_rows(session, list_ids(session)[:1])[0]


def set_local_value(database: Database, building_id: int, field: str, value: object) -> None:
    EditService(database, os_user="tester").set_value(building_id, field, value)


def sheet_rows(path: Path) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(path)
    return list(workbook.active.iter_rows(values_only=True))


def csv_lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8-sig").split("\r\n")


# Excel workbook


def test_xlsx_headers_finnish(database: Database, tmp_path: Path) -> None:
    i18n.set_language("fi")
    out = tmp_path / "lista.xlsx"
    export(database, out, columns=["permanent_building_identifier", "gross_floor_area"])
    assert sheet_rows(out)[0] == ("tilaapp-id", "Pysyvä rakennustunnus", "Kerrosala, m²")


def test_xlsx_key_column_ids(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.xlsx"
    export(database, out)
    assert [row[0] for row in sheet_rows(out)[1:]] == portfolio_ids(database)


def test_xlsx_descending_sort(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.xlsx"
    export(database, out, sort_column="gross_floor_area", descending=True)
    with database.read_session() as session:
        expected = list_ids(session, sort_column="gross_floor_area", descending=True)
    assert [row[0] for row in sheet_rows(out)[1:]] == expected


def test_xlsx_formula_text_is_string(database: Database, tmp_path: Path) -> None:
    building_id = portfolio_ids(database)[0]
    set_local_value(database, building_id, "local_name", FORMULA_NAME)
    out = tmp_path / "lista.xlsx"
    export(database, out, columns=["local_name"])

    cell = openpyxl.load_workbook(out).active["B2"]
    assert cell.value == FORMULA_NAME
    assert cell.data_type == "s"
    with zipfile.ZipFile(out) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_xlsx_area_is_number(database: Database, tmp_path: Path) -> None:
    building_id = portfolio_ids(database)[0]
    set_local_value(database, building_id, "gross_floor_area", Decimal("1234.5"))
    out = tmp_path / "lista.xlsx"
    export(database, out, columns=["gross_floor_area"])

    cell = openpyxl.load_workbook(out).active["B2"]
    assert cell.data_type == "n"
    assert cell.value == pytest.approx(1234.5)
    assert cell.number_format == "#,##0.0##"


def test_xlsx_full_date_is_date(database: Database, tmp_path: Path) -> None:
    building_id = portfolio_ids(database)[0]
    set_local_value(database, building_id, "completion_date", PartialDate.from_iso("2020-02-01"))
    out = tmp_path / "lista.xlsx"
    export(database, out, columns=["completion_date"])

    cell = openpyxl.load_workbook(out).active["B2"]
    assert cell.is_date
    assert cell.value.date().isoformat() == "2020-02-01"


def test_xlsx_partial_date_is_text(database: Database, tmp_path: Path) -> None:
    building_id = portfolio_ids(database)[0]
    set_local_value(database, building_id, "completion_date", PartialDate.from_iso("1962-08"))
    i18n.set_language("fi")
    out = tmp_path / "lista.xlsx"
    export(database, out, columns=["completion_date"])

    cell = openpyxl.load_workbook(out).active["B2"]
    assert cell.value == "8.1962"
    assert cell.data_type == "s"


def test_xlsx_identifier_is_string(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.xlsx"
    export(database, out, columns=["permanent_building_identifier"])
    cell = openpyxl.load_workbook(out).active["B2"]
    assert cell.data_type == "s"


def test_xlsx_frozen_header_and_filter(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.xlsx"
    export(database, out)
    sheet = openpyxl.load_workbook(out).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{DEMO_PORTFOLIO + 1}"


def test_xlsx_column_widths(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.xlsx"
    export(database, out, columns=["address"])
    sheet = openpyxl.load_workbook(out).active
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_xlsx_marked_as_list_export(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.xlsx"
    export(database, out)
    assert is_list_export(out)


def test_xlsx_no_part_file_left(database: Database, tmp_path: Path) -> None:
    export(database, tmp_path / "lista.xlsx")
    assert list(tmp_path.glob("*.part")) == []


# CSV


def test_csv_starts_with_bom(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.csv"
    export(database, out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbftilaapp-id;")


def test_csv_separator_and_line_ends(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.csv"
    export(database, out, columns=["permanent_building_identifier", "address"])
    lines = csv_lines(out)
    assert len(lines) == DEMO_PORTFOLIO + 2
    assert lines[-1] == ""
    assert lines[0].count(";") == 2


def test_csv_decimal_comma(database: Database, tmp_path: Path) -> None:
    building_id = portfolio_ids(database)[0]
    set_local_value(database, building_id, "gross_floor_area", Decimal("1234.5"))
    out = tmp_path / "lista.csv"
    export(database, out, columns=["gross_floor_area"])
    assert csv_lines(out)[1] == f"{building_id};1234,5"


def test_csv_text_neutralised(database: Database, tmp_path: Path) -> None:
    building_id = portfolio_ids(database)[0]
    set_local_value(database, building_id, "local_name", FORMULA_NAME)
    out = tmp_path / "lista.csv"
    export(database, out, columns=["local_name"])
    assert csv_lines(out)[1] == f"{building_id};'{FORMULA_NAME}"


def test_csv_finnish_date(database: Database, tmp_path: Path) -> None:
    building_id = portfolio_ids(database)[0]
    set_local_value(database, building_id, "completion_date", PartialDate.from_iso("2020-02-01"))
    i18n.set_language("fi")
    out = tmp_path / "lista.csv"
    export(database, out, columns=["completion_date"])
    assert csv_lines(out)[1] == f"{building_id};1.2.2020"


def test_csv_marked_as_list_export(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.csv"
    export(database, out)
    assert is_list_export(out)


# Which buildings


def test_portfolio_count(database: Database, tmp_path: Path) -> None:
    assert export(database, tmp_path / "lista.xlsx") == DEMO_PORTFOLIO


def test_all_buildings_count(database: Database, database_path: Path, tmp_path: Path) -> None:
    with sqlite3.connect(database_path) as connection:
        stored = connection.execute("SELECT count(*) FROM building").fetchone()[0]
    assert export(database, tmp_path / "lista.csv", all_buildings=True) == stored
    assert stored == DEMO_BUILDINGS


def test_filter_by_identifier(database: Database, tmp_path: Path) -> None:
    row = first_portfolio_row(database)
    assert row.permanent_building_identifier is not None
    out = tmp_path / "lista.xlsx"
    count = export(database, out, text=row.permanent_building_identifier)
    assert count == 1
    assert sheet_rows(out)[1][0] == row.id


def test_filter_without_match(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.csv"
    assert export(database, out, text="eiolemassa") == 0
    assert len(csv_lines(out)) == 2


# Refusals


def test_foreign_file_not_replaced(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "oma.xlsx"
    out.write_bytes(b"not a workbook")
    with pytest.raises(ListExportNotReplaceable):
        export(database, out)
    assert out.read_bytes() == b"not a workbook"


def test_foreign_csv_not_replaced(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "oma.csv"
    out.write_text("nimi;arvo\r\n", encoding="utf-8")
    with pytest.raises(ListExportNotReplaceable):
        export(database, out)


def test_foreign_file_replaced_on_request(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "oma.xlsx"
    out.write_bytes(b"not a workbook")
    export(database, out, replace=True)
    assert is_list_export(out)


def test_earlier_export_replaced(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "lista.csv"
    export(database, out)
    assert export(database, out, all_buildings=True) == DEMO_BUILDINGS


def test_folder_not_replaced(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "kansio.xlsx"
    folder.mkdir()
    with pytest.raises(ListExportNotReplaceable) as raised:
        export(database, folder)
    assert raised.value.is_folder


def test_missing_folder_named(database: Database, tmp_path: Path) -> None:
    target = tmp_path / "puuttuva" / "lista.xlsx"
    with pytest.raises(ListExportFolderMissing) as raised:
        export(database, target)
    message = raised.value.message()
    assert str(tmp_path / "puuttuva") in message
    assert ".part" not in message


def test_write_error_names_target(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(path: Path, *_args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(list_export, "_write_csv", fail)
    target = tmp_path / "lista.csv"
    with pytest.raises(OSError) as raised:
        export(database, target)

    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename == str(target)
    assert all(".part" not in line for line in describe_error(raised.value))
    assert not (tmp_path / "lista.csv.part").exists()


def test_unsupported_suffix(database: Database, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedExportFormat) as raised:
        export(database, tmp_path / "lista.ods")
    assert "lista.ods" in raised.value.message()


def test_unknown_column(database: Database, tmp_path: Path) -> None:
    with pytest.raises(UnknownListColumn) as raised:
        export(database, tmp_path / "lista.xlsx", columns=["address", "colour"])
    assert "colour" in raised.value.message()


def test_unknown_sort_column(database: Database, tmp_path: Path) -> None:
    with pytest.raises(UnknownListColumn):
        export(database, tmp_path / "lista.xlsx", sort_column="colour")


# Cell texts


def test_cell_text_class_code_and_name(database: Database) -> None:
    row = first_portfolio_row(database)
    i18n.set_language("fi")
    text = list_cell_text(row, "building_class_2018")
    assert row.building_class_2018 is not None
    assert text is not None
    assert text.startswith(row.building_class_2018 + " ")
    assert len(text) > len(row.building_class_2018) + 1


def test_cell_text_municipality(database: Database) -> None:
    row = first_portfolio_row(database)
    assert list_cell_text(row, "municipality_number") == "Hartola (081)"


def test_cell_text_empty_is_none(database: Database) -> None:
    row = first_portfolio_row(database)
    assert row.local_name is None
    assert list_cell_text(row, "local_name") is None


# Command line


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_json_summary(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lista.xlsx"
    status, printed, _err = run(
        capsys, "export-list", "--db", str(database_path), "--out", str(out), "--json"
    )
    assert status == 0
    assert json.loads(printed) == {
        "format": "tilaapp.export-list/1",
        "path": str(out),
        "buildings": DEMO_PORTFOLIO,
    }


def test_cli_all_and_columns(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lista.csv"
    status, printed, _err = run(
        capsys,
        "export-list",
        "--db",
        str(database_path),
        "--all",
        "--columns",
        "address, gross_floor_area",
        "--out",
        str(out),
    )
    assert status == 0
    assert str(DEMO_BUILDINGS) in printed
    assert csv_lines(out)[0] == "tilaapp-id;Osoite;Kerrosala, m²"


def test_cli_filter(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lista.csv"
    status, _printed, _err = run(
        capsys,
        "export-list",
        "--db",
        str(database_path),
        "--filter",
        "eiolemassa",
        "--out",
        str(out),
    )
    assert status == 0
    assert len(csv_lines(out)) == 2


def test_cli_unknown_column(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lista.xlsx"
    status, _printed, err = run(
        capsys, "export-list", "--db", str(database_path), "--columns", "väri", "--out", str(out)
    )
    assert status == 2
    assert "väri" in err
    assert not out.exists()


def test_cli_unsupported_suffix(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _printed, err = run(
        capsys, "export-list", "--db", str(database_path), "--out", str(tmp_path / "lista.ods")
    )
    assert status == 2
    assert ".xlsx" in err


def test_cli_missing_out(database_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["export-list", "--db", str(database_path)])
    assert raised.value.code == 2


def test_cli_foreign_file(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "oma.xlsx"
    out.write_bytes(b"not a workbook")
    status, _printed, err = run(
        capsys, "export-list", "--db", str(database_path), "--out", str(out)
    )
    assert status == 1
    assert "oma.xlsx" in err
    assert out.read_bytes() == b"not a workbook"


def test_cli_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "puuttuu.sqlite"
    status, _printed, err = run(
        capsys, "export-list", "--db", str(missing), "--out", str(tmp_path / "lista.xlsx")
    )
    assert status == 1
    assert "tilaapp import" in err
    assert not missing.exists()


# Many buildings


def test_many_buildings_read_in_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(synthetic_rows(2_600, seed=3))
    buildings = len({row[0] for row in rows})
    opt = write_opt(tmp_path / "Suomi_osoitteet_2024-03-15.OPT", rows)
    db = tmp_path / "suuri.sqlite"
    assert run(capsys, "import", str(opt), "--db", str(db))[0] == 0

    page_sizes: list[int] = []

    def counting_list_rows(session: object, ids: Sequence[int]) -> list[ListRow]:
        page_sizes.append(len(ids))
        return list_rows(session, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(list_export, "list_rows", counting_list_rows)
    out = tmp_path / "suuri.xlsx"
    status, printed, _err = run(
        capsys, "export-list", "--db", str(db), "--all", "--out", str(out), "--json"
    )
    assert status == 0
    assert buildings > 2_000
    assert json.loads(printed)["buildings"] == buildings
    assert max(page_sizes) <= list_export.PAGE_SIZE
    assert len(sheet_rows(out)) == buildings + 1
    assert sheet_rows(out)[0][0] == KEY_COLUMN_HEADER

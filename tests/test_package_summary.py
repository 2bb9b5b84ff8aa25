"""summary.xlsx of an update package, read back with openpyxl and python-calamine."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from devtools.dvv_workbook import Building, sample_buildings, valid_prt
from tests.package_helpers import editor, import_sample, zip_members
from tilaapp.services.package_export import export_package
from tilaapp.services.package_format import SUMMARY
from tilaapp.services.package_summary import HEADERS, INFO_SHEET, SUMMARY_SHEET
from tilaapp.storage.models import Building as BuildingRow

NOW = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC)
FORMULA_NAME = '=HYPERLINK("http://example.invalid","x")'
TEXT_STARTS = ("+358 puhelin", "-alakerta", "@koulu")


def buildings_with_zeros() -> list[Building]:
    buildings = sample_buildings()
    # The office gets a municipality code and a property identifier with leading zeros.
    # It stays in the portfolio through the municipality's business ID.
    office = buildings[6]
    office.municipality = "091"
    office.property_identifier = "09140100070001"
    office.old_property_identifier = "09140100070001"
    return buildings


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("summary")
    database = import_sample(folder / "municipality", buildings_with_zeros())
    with database.read_session() as session:
        ids = dict(
            session.execute(select(BuildingRow.permanent_building_identifier, BuildingRow.id)).all()
        )
    editor(database).set_value(ids[valid_prt(1)], "local_name", FORMULA_NAME)
    for prt, text in zip((valid_prt(7), valid_prt(9)), TEXT_STARTS[:2], strict=True):
        editor(database).set_value(ids[prt], "local_name", text)
    editor(database).set_value(ids[valid_prt(1)], "municipal_service", TEXT_STARTS[2])
    result = export_package(database, folder / "out", now=NOW)
    database.close()
    return zip_members(result.path)[SUMMARY]


def openpyxl_rows(data: bytes) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return list(workbook[SUMMARY_SHEET].iter_rows(values_only=True))


def calamine_rows(data: bytes) -> list[list[object]]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_name(SUMMARY_SHEET).to_python()


def column(rows: list, header: str) -> list[object]:
    index = list(rows[0]).index(header)
    return [row[index] for row in rows[1:]]


def test_headers_finnish(summary: bytes) -> None:
    rows = openpyxl_rows(summary)
    assert rows[0] == HEADERS
    assert rows[0][:3] == ("Tietokannan tunnus", "Pysyvä rakennustunnus", "Kiinteistötunnus")


def test_one_row_per_building(summary: bytes) -> None:
    rows = openpyxl_rows(summary)
    assert column(rows, "Pysyvä rakennustunnus") == [valid_prt(1), valid_prt(7), valid_prt(9)]


@pytest.mark.parametrize("reader", [openpyxl_rows, calamine_rows], ids=["openpyxl", "calamine"])
def test_identifiers_keep_leading_zeros(summary: bytes, reader) -> None:
    rows = reader(summary)
    assert column(rows, "Sijaintikunta")[1] == "091"
    assert column(rows, "Kiinteistötunnus")[1] == "09140100070001"
    assert column(rows, "Rakennusluokka 2018")[0] == "0110"


@pytest.mark.parametrize("reader", [openpyxl_rows, calamine_rows], ids=["openpyxl", "calamine"])
def test_formula_like_names_stay_text(summary: bytes, reader) -> None:
    rows = reader(summary)
    names = column(rows, "Rakennuksen nimi")
    assert names == [FORMULA_NAME, *TEXT_STARTS[:2]]


def test_numbers_are_numbers(summary: bytes) -> None:
    rows = openpyxl_rows(summary)
    areas = column(rows, "Kerrosala (m²)")
    assert areas[1] == pytest.approx(1450.5)
    assert column(rows, "Kerrosluku")[0] == 3


def test_partial_dates_as_finnish_text(summary: bytes) -> None:
    rows = openpyxl_rows(summary)
    assert column(rows, "Valmistumispäivä") == ["1925", "1.1.2001", "30.11.1988"]


def test_no_formula_cells_in_xml(summary: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(summary)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        xml = b"".join(archive.read(name) for name in sheets)
    assert sheets
    assert b"<f>" not in xml
    assert b"<f " not in xml
    assert not re.search(rb't="(str|e)"', xml)


def test_no_formula_cells_openpyxl(summary: bytes) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(summary))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate


def test_info_sheet(summary: bytes) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(summary))
    info = dict(workbook[INFO_SHEET].iter_rows(values_only=True))
    assert info["Kuntakoodi"] == "398"
    assert info["Paketin järjestysnumero"] == 1
    assert info["Rakennuksia"] == 3

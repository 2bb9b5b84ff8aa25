"""The bundled demo data: regeneration, document marks, import result and code lists."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import tilaapp
from devtools.dvv_workbook import HEATING_ENERGY_SOURCE, HEATING_METHOD, R1_BUILDING_CLASS
from devtools.make_demo_extract import write_demo
from tilaapp.domain.codelists import lookup_code
from tilaapp.domain.identifiers import check_business_id
from tilaapp.services.importing import ImportOptions, ImportReport, import_files
from tilaapp.sources.records import ProblemKind

DEMO_FOLDER = Path(tilaapp.__file__).parent / "resources" / "demo"
WORKBOOK = DEMO_FOLDER / "demo_extract.xlsx"
SETTINGS = DEMO_FOLDER / "demo.json"
README = DEMO_FOLDER / "README.md"

# R1 header text and the code list of its column.
CODED_COLUMNS = {
    "Sijainti-kunta": "municipality",
    "Hallinta-peruste": "dvv_site_tenure",
    "Julkisivu-materi-aali": "dvv_facade_material",
    "Käytös-säolo-tilanne": "dvv_usage_status",
    "Käyttö-tarkoitus": "use_class_1994",
    "Koordi-naatti-varmuus": "dvv_coordinate_accuracy",
    R1_BUILDING_CLASS: "building_class_2018",
    HEATING_METHOD: "dvv_heating_method",
    HEATING_ENERGY_SOURCE: "dvv_heating_energy_source",
}
DELIBERATE_UNKNOWN_CODES = [("Käyttö-tarkoitus", "932")]


def settings() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SETTINGS.read_text(encoding="utf-8"))
    return loaded


def sheet_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


def sheet_records(title: str) -> list[dict[str, Any]]:
    """Return the rows of a sheet of the committed workbook as dicts by header text."""
    header, *rows = sheet_values(WORKBOOK)[title]
    return [dict(zip(header, row, strict=True)) for row in rows]


def import_demo(tmp_path: Path) -> ImportReport:
    options = settings()
    return import_files(
        tmp_path / "demo.sqlite",
        [WORKBOOK],
        ImportOptions(
            home_municipality=options["home_municipality"],
            owner_business_ids=tuple(options["owner_business_ids"]),
            extraction_date=datetime.date.fromisoformat(options["extraction_date"]),
        ),
    )


# ------------------------------------------------------------------ regeneration


def test_regenerated_workbook_same_cell_values(tmp_path: Path) -> None:
    workbook, _settings = write_demo(tmp_path)
    generated = sheet_values(workbook)
    committed = sheet_values(WORKBOOK)

    assert list(generated) == list(committed)
    for title, rows in committed.items():
        assert generated[title] == rows, title


def test_regenerated_settings_same(tmp_path: Path) -> None:
    _workbook, generated = write_demo(tmp_path)
    assert json.loads(generated.read_text(encoding="utf-8")) == settings()


# ------------------------------------------------------------------ demo marks


def test_settings_mark_demo_data() -> None:
    description = settings()["description"]
    assert description.startswith("Invented demo data")
    assert "DEMO" in description


def test_readme_marks_demo_data() -> None:
    assert "DEMO" in README.read_text(encoding="utf-8")


def test_workbook_properties_mark_demo_data() -> None:
    workbook = openpyxl.load_workbook(WORKBOOK, read_only=True)
    properties = workbook.properties
    workbook.close()
    assert "DEMO" in properties.title
    assert "invented demo data" in properties.title.casefold()
    assert "invented demo data" in properties.subject.casefold()


def test_workbook_has_no_resident_sheet() -> None:
    assert list(sheet_values(WORKBOOK)) == ["R1 rakennus", "R3 osoite", "R4 omistaja"]


# ------------------------------------------------------------------ contents


def test_settings_business_ids_valid() -> None:
    for business_id in settings()["owner_business_ids"]:
        assert check_business_id(business_id), business_id


def test_group_and_other_building_counts() -> None:
    group = set(settings()["owner_business_ids"])
    group_buildings = {row["Rakennustunnus"] for row in sheet_records("R4 omistaja")
                       if row["Y-tunnus"] in group}  # fmt: skip
    all_buildings = {row["Rakennustunnus"] for row in sheet_records("R1 rakennus")}
    assert 80 <= len(group_buildings) <= 100
    assert 20 <= len(all_buildings - group_buildings) <= 40


def test_buildings_outside_home_municipality() -> None:
    home = settings()["home_municipality"]
    outside = [row for row in sheet_records("R1 rakennus") if row["Sijainti-kunta"] != home]
    assert 2 <= len(outside) <= 3


def test_property_identifiers_start_with_municipality() -> None:
    for row in sheet_records("R1 rakennus"):
        identifier = row["Sijaintikiinteistön tunnus"]
        assert identifier.startswith(row["Sijainti-kunta"]), identifier


def test_building_address_counts() -> None:
    counts = Counter(row["Rakennustunnus"] for row in sheet_records("R3 osoite"))
    buildings = [row["Rakennustunnus"] for row in sheet_records("R1 rakennus")]
    assert {counts[building] for building in buildings} <= {1, 2, 3}


def test_identity_codes_use_temporary_range() -> None:
    codes = [row["Henkilötunnus"] for row in sheet_records("R4 omistaja") if row["Henkilötunnus"]]
    assert codes
    for code in codes:
        # Individual numbers 900-999 are for temporary codes, never permanent ones.
        assert 900 <= int(code[7:10]) <= 999, code


def test_codes_in_code_lists_but_one() -> None:
    unknown = [
        (header, str(row[header]))
        for row in sheet_records("R1 rakennus")
        for header, list_id in CODED_COLUMNS.items()
        if row[header] is not None and lookup_code(list_id, str(row[header])) is None
    ]
    assert unknown == DELIBERATE_UNKNOWN_CODES


def test_partial_completion_dates_present() -> None:
    dates = [row["Valmis-tumis-\npäivä"] for row in sheet_records("R1 rakennus")]
    assert any(date.endswith("0000") for date in dates)
    assert min(date[:4] for date in dates) >= "1890"
    assert max(date[:4] for date in dates) <= "2023"


# ------------------------------------------------------------------ import


def test_import_portfolio_size(tmp_path: Path) -> None:
    report = import_demo(tmp_path)
    assert 60 <= report.portfolio_added <= 120


def test_import_home_municipality(tmp_path: Path) -> None:
    report = import_demo(tmp_path)
    assert report.home_municipality == settings()["home_municipality"]


@pytest.mark.parametrize(
    "kind",
    [ProblemKind.CHECK_CHARACTER_FAILED, ProblemKind.UNKNOWN_CODE, ProblemKind.INVALID_NUMBER],
)
def test_import_reports_deliberate_issue(tmp_path: Path, kind: ProblemKind) -> None:
    (file_report,) = import_demo(tmp_path).files
    kinds = Counter(problem.kind for problem in file_report.problems)
    assert kinds[kind] == 1


def test_import_reports_only_deliberate_issues(tmp_path: Path) -> None:
    (file_report,) = import_demo(tmp_path).files
    assert len(file_report.problems) == 3

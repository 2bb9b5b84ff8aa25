"""The reference-data format: schema checks, reading and writing."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tilaapp.services.reference import (
    Figure,
    InvalidReference,
    ReferenceData,
    read_reference,
    validate_reference_document,
    write_reference,
)

CREATED = datetime.datetime(2026, 12, 4, 10, 15, tzinfo=datetime.UTC)


def _figure(**changes: Any) -> dict[str, Any]:
    figure = {
        "indicator": "building_count",
        "municipality": "091",
        "value": "53151",
        "unit": "buildings",
        "basis": "all_buildings",
        "class_scheme": "dvv_open_use_class",
        "class": "1",
        "completion_decade": None,
        "year": 2026,
        "source": "DVV, Rakennukset ja osoitteet (open data)",
        "licence": "CC BY 4.0",
    }
    figure.update(changes)
    return figure


def _document(*figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "tilaapp.reference/1",
        "created": CREATED.isoformat(),
        "figures": list(figures) or [_figure()],
    }


def test_valid_document_has_no_problems() -> None:
    assert validate_reference_document(_document()) == []


def test_national_population_figure_valid() -> None:
    population = _figure(
        indicator="population",
        municipality="national",
        value="5533793",
        unit="residents",
        basis=None,
        class_scheme=None,
        **{"class": None},
        year=2020,
    )
    assert validate_reference_document(_document(population)) == []


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"value": 53151}, "figures/0/value"),
        ({"value": "1,5"}, "figures/0/value"),
        ({"value": "1e3"}, "figures/0/value"),
        ({"municipality": "91"}, "figures/0/municipality"),
        ({"basis": "owned"}, "figures/0/basis"),
        ({"class_scheme": None}, "figures/0/class_scheme"),
        ({"year": "2026"}, "figures/0/year"),
        ({"licence": ""}, "figures/0/licence"),
        ({"extra": 1}, "figures/0"),
    ],
)
def test_invalid_figure_named(changes: dict[str, Any], where: str) -> None:
    problems = validate_reference_document(_document(_figure(**changes)))
    assert problems
    assert any(problem.startswith(where) for problem in problems), problems


def test_wrong_format_rejected() -> None:
    document = _document()
    document["format"] = "tilaapp.reference/2"
    assert validate_reference_document(document)


def test_missing_figure_member_rejected() -> None:
    figure = _figure()
    del figure["source"]
    assert validate_reference_document(_document(figure))


def test_write_and_read_round_trip(tmp_path: Path) -> None:
    data = ReferenceData(
        created=CREATED,
        figures=[
            Figure(
                indicator="gross_floor_area_per_resident",
                municipality="national",
                value=Decimal("8.3"),
                unit="m²/resident",
                basis="group_owned",
                year=2020,
                source="Kuntien tilatietohankkeen väliraportti, 12.10.2020",
                licence="published figure",
            ),
            Figure(
                indicator="gross_floor_area",
                municipality="005",
                value=Decimal("1450.5"),
                unit="m²",
                basis="all_buildings",
                year=2026,
                source="SYKE, Ryhti open building data",
                licence="CC BY 4.0",
                class_scheme="ryhti_main_purpose_open",
                class_code="07",
                completion_decade=1960,
            ),
        ],
    )
    path = tmp_path / "reference.json"
    write_reference(path, data)
    text = path.read_text(encoding="utf-8")
    again = read_reference(path)
    assert '"value": "8.3"' in text
    assert again.figures == data.figures
    assert again.created == CREATED


def test_read_rejects_invalid_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_document(_figure(value=12))), encoding="utf-8")
    with pytest.raises(InvalidReference) as raised:
        read_reference(path)
    assert any("figures/0/value" in problem for problem in raised.value.problems)


def test_read_rejects_non_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidReference):
        read_reference(path)


def test_write_refuses_invalid_figure(tmp_path: Path) -> None:
    data = ReferenceData(
        created=CREATED,
        figures=[
            Figure("building_count", "9", Decimal(1), "buildings", "all_buildings", 2026, "x", "y")
        ],
    )
    path = tmp_path / "out.json"
    with pytest.raises(InvalidReference):
        write_reference(path, data)
    assert not path.exists()

"""Import of building-cost index files, by the service and by ``tilaapp index import``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tilaapp.cli.main import main
from tilaapp.services.cost_index import (
    CostIndexValue,
    InvalidCostIndexFile,
    import_cost_index,
    read_cost_index,
    read_cost_index_file,
)
from tilaapp.storage.database import Database, open_database

SOURCE = "Invented index, 2000 = 100"


def write(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    path = tmp_path / "tilaapp.sqlite"
    open_database(path).close()
    return path


@pytest.fixture
def database(database_path: Path) -> Iterator[Database]:
    opened = open_database(database_path)
    yield opened
    opened.close()


def stored(database: Database) -> dict[int, CostIndexValue]:
    with database.read_session() as session:
        return read_cost_index(session)


def rejection(path: Path) -> InvalidCostIndexFile:
    with pytest.raises(InvalidCostIndexFile) as caught:
        read_cost_index_file(path)
    return caught.value


# ------------------------------------------------------------------ reading files


def test_read_decimal_comma(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;105,3;{SOURCE}\n")
    assert read_cost_index_file(path)[0].index_value == Decimal("105.3")


def test_read_decimal_point(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;105.3;{SOURCE}\n")
    assert read_cost_index_file(path)[0].index_value == Decimal("105.3")


def test_read_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"\ufeffyear;index;source\r\n2020;100;{SOURCE}\r\n")
    assert read_cost_index_file(path) == (CostIndexValue(2020, Decimal(100), SOURCE),)


def test_read_sorted_by_year(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2021;110;{SOURCE}\n2020;100;{SOURCE}\n")
    assert [value.year for value in read_cost_index_file(path)] == [2020, 2021]


def test_read_header_case_insensitive(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"Year; Index ;SOURCE\n2020;100;{SOURCE}\n")
    assert len(read_cost_index_file(path)) == 1


def test_read_skips_empty_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n\n2020;100;{SOURCE}\n;;\n")
    assert len(read_cost_index_file(path)) == 1


def test_reject_missing_header(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"2020;100;{SOURCE}\n")
    assert rejection(path).problems[0].reason == "missing_header"


def test_reject_not_utf8(tmp_path: Path) -> None:
    path = write(
        tmp_path / "i.csv", "year;index;source\n2020;100;Tilastokeskus ä\n", encoding="cp1252"
    )
    assert rejection(path).problems[0].reason == "not_utf8"


def test_reject_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", "year;index;source\n")
    assert rejection(path).problems[0].reason == "no_rows"


def test_reject_names_every_row(tmp_path: Path) -> None:
    text = (
        "year;index;source\n"
        f"20x0;100;{SOURCE}\n"
        f"2021;0;{SOURCE}\n"
        "2022;101;\n"
        f"2023;1,2345;{SOURCE}\n"
        "2024;100\n"
        f"2025;100;{SOURCE}\n"
    )
    problems = rejection(write(tmp_path / "i.csv", text)).problems
    found = [(problem.row, problem.reason) for problem in problems]
    expected = [
        (2, "invalid_year"),
        (3, "invalid_index"),
        (4, "missing_source"),
        (5, "invalid_index"),
        (6, "column_count"),
    ]
    assert found == expected


def test_reject_duplicate_year(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;100;{SOURCE}\n2020;101;{SOURCE}\n")
    problems = rejection(path).problems
    assert [(problem.row, problem.reason) for problem in problems] == [(3, "duplicate_year")]


def test_reject_year_out_of_range(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n1700;100;{SOURCE}\n")
    assert rejection(path).problems[0].reason == "invalid_year"


def test_reject_message_names_row(tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;abc;{SOURCE}\n")
    assert "Row 2" in rejection(path).problems[0].message


# ------------------------------------------------------------------ storing


def test_import_stores_values(database: Database, tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;100;{SOURCE}\n2021;104,5;{SOURCE}\n")
    import_cost_index(database, path)
    assert stored(database)[2021] == CostIndexValue(2021, Decimal("104.5"), SOURCE)


def test_import_counts(database: Database, tmp_path: Path) -> None:
    write(tmp_path / "a.csv", f"year;index;source\n2020;100;{SOURCE}\n2021;104;{SOURCE}\n")
    import_cost_index(database, tmp_path / "a.csv")
    path = write(
        tmp_path / "b.csv",
        f"year;index;source\n2020;100;{SOURCE}\n2021;105;{SOURCE}\n2022;107;{SOURCE}\n",
    )
    result = import_cost_index(database, path)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 1)


def test_import_keeps_other_years(database: Database, tmp_path: Path) -> None:
    write(tmp_path / "a.csv", f"year;index;source\n2019;98;{SOURCE}\n")
    import_cost_index(database, tmp_path / "a.csv")
    import_cost_index(
        database, write(tmp_path / "b.csv", f"year;index;source\n2020;100;{SOURCE}\n")
    )
    assert sorted(stored(database)) == [2019, 2020]


def test_invalid_file_stores_nothing(database: Database, tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;100;{SOURCE}\n2021;x;{SOURCE}\n")
    with pytest.raises(InvalidCostIndexFile):
        import_cost_index(database, path)
    assert stored(database) == {}


def test_import_backs_up_existing_database(database: Database, tmp_path: Path) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;100;{SOURCE}\n")
    result = import_cost_index(database, path)
    assert result.backup is not None and result.backup.exists()


# ------------------------------------------------------------------ command line


def test_cli_json_report(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;105,3;{SOURCE}\n")
    status = main(["index", "import", str(path), "--db", str(database_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (status, report["format"], report["values"][0]["index"]) == (
        0,
        "tilaapp.index-import/1",
        "105.3",
    )


def test_cli_text_report(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;100;{SOURCE}\n")
    main(["index", "import", str(path), "--db", str(database_path), "--lang", "en"])
    assert "1 added" in capsys.readouterr().out


def test_cli_rejected_exit_status(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;x;{SOURCE}\n")
    status = main(["index", "import", str(path), "--db", str(database_path), "--lang", "en"])
    assert status == 1


def test_cli_rejected_message_on_stderr(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;x;{SOURCE}\n")
    main(["index", "import", str(path), "--db", str(database_path), "--lang", "en"])
    assert "Row 2: the index x is not valid" in capsys.readouterr().err


def test_cli_rejected_json(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;x;{SOURCE}\n")
    main(["index", "import", str(path), "--db", str(database_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == [{"row": 2, "reason": "invalid_index", "value": "x"}]


def test_cli_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "i.csv", f"year;index;source\n2020;100;{SOURCE}\n")
    status = main(["index", "import", str(path), "--db", str(tmp_path / "none.sqlite")])
    assert status == 1


def test_cli_missing_file(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["index", "import", str(tmp_path / "none.csv"), "--db", str(database_path)])
    assert status == 1


def test_cli_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["index", "import"])
    assert caught.value.code == 2

"""The register list: values in use, filtering, sorting, and keeping it true after changes."""

from __future__ import annotations

import datetime
import random
import shutil
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from devtools.dvv_workbook import (
    COMPANY_BUSINESS_ID,
    MUNICIPALITY_BUSINESS_ID,
    Address,
    Building,
    Owner,
    valid_prt,
    write_extract,
)
from devtools.opt_file import OptRow, synthetic_rows, write_opt
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.identifiers import format_property_identifier
from tilaapp.services.editing import EditService, UndoStack
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.listing import (
    LIST_COLUMNS,
    ListRow,
    _preference,
    _Texts,
    _values_in_use,
    count_listed,
    ensure_list,
    list_ids,
    list_rows,
    refresh_list,
)
from tilaapp.services.portfolio_edit import PortfolioService
from tilaapp.services.queries import BuildingSummary, iter_buildings
from tilaapp.services.values import RegisterEntry, choose_register_entry
from tilaapp.storage.database import Database, alembic_config, create_sqlite_engine, open_database
from tilaapp.storage.models import Building as BuildingModel
from tilaapp.storage.models import HolderEntity, Tenure

USER = "listaaja"
DAY = datetime.date(2024, 1, 15)
MUNICIPALITY_OWNER = Owner(business_id=MUNICIPALITY_BUSINESS_ID, owner_type="3", type_code="3")


def _address(street: str, house: str, number: int = 1, **other: Any) -> Address:
    defaults: dict[str, Any] = {
        "postal_code": "15100",
        "post_office_fi": "LAHTI",
        "post_office_sv": "LAHTIS",
    }
    return Address(street, house, number, **{**defaults, **other})


def _buildings() -> list[Building]:
    """Return seven buildings of Lahti; the municipality owns all but number 4."""
    return [
        Building(
            prt=valid_prt(1),
            property_identifier="39840100010001",
            property_name="KOULUMÄKI",
            completion_date="19250000",
            gross_floor_area=2450,
            use_class_1994="531",
            addresses=[_address("Koulutie", "10", street_name_sv="Skolvägen")],
            owners=[MUNICIPALITY_OWNER],
        ),
        Building(
            prt=valid_prt(2),
            property_identifier="39840100020001",
            completion_date="19620800",
            gross_floor_area=410.5,
            building_class_2018="0110",
            addresses=[_address("Koulutie", "2", street_name_sv="Skolvägen")],
            owners=[MUNICIPALITY_OWNER],
        ),
        Building(
            prt=valid_prt(3),
            property_identifier="39840200030001",
            use_class_1994="021",
            addresses=[_address("Åkerikuja", "1", street_name_sv="Åkergränd", postal_code="15110")],
            owners=[MUNICIPALITY_OWNER],
        ),
        Building(
            prt=valid_prt(4),
            property_identifier="39840200040001",
            addresses=[_address("Ängestie", "5", postal_code="15120")],
            owners=[Owner(business_id=COMPANY_BUSINESS_ID, owner_type="2", type_code="2")],
        ),
        Building(
            prt=valid_prt(5),
            property_identifier="39840200050001",
            addresses=[_address("Öljytie", "7")],
            owners=[MUNICIPALITY_OWNER],
        ),
        Building(
            prt=valid_prt(6),
            property_identifier="39840200060001",
            owners=[MUNICIPALITY_OWNER],
        ),
        Building(
            prt=valid_prt(7),
            property_identifier="39840200070001",
            addresses=[_address("Zetorinkatu", "3", 2), _address("Ylätie", "8", 1)],
            owners=[MUNICIPALITY_OWNER],
        ),
    ]


def _import(path: Path, workbook: Path, day: datetime.date = DAY) -> None:
    options = ImportOptions(
        home_municipality="398", owner_business_ids=(MUNICIPALITY_BUSINESS_ID,), extraction_date=day
    )
    import_files(path, [workbook], options)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a database of the seven buildings, imported once for the module's tests."""
    folder = tmp_path_factory.mktemp("imported")
    path = folder / "municipality.sqlite"
    _import(path, write_extract(folder / "x.xlsx", _buildings()))
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
def edits(database: Database, stack: UndoStack) -> EditService:
    return EditService(database, os_user=USER, undo_stack=stack)


@pytest.fixture
def portfolio(database: Database, stack: UndoStack) -> PortfolioService:
    return PortfolioService(database, os_user=USER, undo_stack=stack)


def ids_of(database: Database) -> dict[int, int]:
    """Return the database id of each building by its number in ``_buildings``."""
    with database.read_session() as session:
        found = dict(
            session.execute(
                select(BuildingModel.permanent_building_identifier, BuildingModel.id)
            ).all()
        )
    return {
        number: found[valid_prt(number)] for number in range(1, 10) if valid_prt(number) in found
    }


def numbers(database: Database, ids: list[int]) -> list[int]:
    """Return the numbers in ``_buildings`` of the buildings ``ids``, in their order."""
    by_id = {building_id: number for number, building_id in ids_of(database).items()}
    return [by_id[building_id] for building_id in ids]


def filtered(database: Database, text: str, **options: Any) -> list[int]:
    with database.read_session() as session:
        return numbers(database, list_ids(session, text=text, all_buildings=True, **options))


def row_of(database: Database, number: int) -> ListRow:
    with database.read_session() as session:
        (row,) = list_rows(session, [ids_of(database)[number]])
    return row


def stored_rows(path: Path) -> dict[int, tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT * FROM building_list").fetchall()
    return {row[0]: row for row in rows}


# Contents


def test_import_lists_every_building(database: Database) -> None:
    with database.read_session() as session:
        assert count_listed(session, all_buildings=True) == 7


def test_portfolio_count(database: Database) -> None:
    with database.read_session() as session:
        assert count_listed(session) == 6


def test_default_list_is_portfolio(database: Database) -> None:
    with database.read_session() as session:
        listed = numbers(database, list_ids(session))
    assert listed == [1, 2, 3, 5, 6, 7]


def test_row_values(database: Database) -> None:
    row = row_of(database, 1)
    assert row.permanent_building_identifier == valid_prt(1)
    assert row.address == "Koulutie 10, 15100 LAHTI"
    assert row.property_identifier == "39840100010001"
    assert row.municipality_number == "398"
    assert row.gross_floor_area == Decimal("2450")
    assert row.completion_date == PartialDate(1925)
    assert row.tenure == Tenure.OWNED.value
    assert row.holder_entity == "Lahti"
    assert row.in_portfolio
    assert not row.has_local_values


def test_row_has_every_list_column() -> None:
    names = set(ListRow._fields)
    assert set(LIST_COLUMNS) <= names


def test_class_from_crosswalk(database: Database) -> None:
    row = row_of(database, 1)
    assert (row.building_class_2018, row.building_class_origin) == ("0840", "crosswalk")


def test_class_from_register(database: Database) -> None:
    row = row_of(database, 2)
    assert (row.building_class_2018, row.building_class_origin) == ("0110", "register")


def test_class_unknown(database: Database) -> None:
    row = row_of(database, 5)
    assert (row.building_class_2018, row.building_class_origin) == (None, "unknown")


def test_first_address_by_number(database: Database) -> None:
    assert row_of(database, 7).address == "Ylätie 8, 15100 LAHTI"


def test_building_without_address(database: Database) -> None:
    assert row_of(database, 6).address is None


def test_rows_in_order_given(database: Database) -> None:
    ids = ids_of(database)
    with database.read_session() as session:
        rows = list_rows(session, [ids[5], ids[1], ids[3]])
    assert [row.id for row in rows] == [ids[5], ids[1], ids[3]]


def test_rows_skip_unknown_ids(database: Database) -> None:
    with database.read_session() as session:
        assert list_rows(session, [999_999]) == []


def _summary_values(summary: BuildingSummary) -> tuple[Any, ...]:
    return (
        summary.permanent_building_identifier,
        summary.municipality_number,
        summary.property_identifier,
        summary.address,
        summary.local_name,
        summary.building_class_2018,
        summary.building_class_origin,
        summary.use_class_1994,
        summary.gross_floor_area,
        summary.completion_date,
        summary.in_portfolio,
        summary.tenure,
    )


def _row_values(row: ListRow) -> tuple[Any, ...]:
    return (
        row.permanent_building_identifier,
        row.municipality_number,
        row.property_identifier,
        row.address,
        row.local_name,
        row.building_class_2018,
        row.building_class_origin,
        row.use_class_1994,
        row.gross_floor_area,
        row.completion_date,
        row.in_portfolio,
        row.tenure,
    )


def assert_agrees_with_queries(database: Database) -> None:
    """Check every list row against the values in use that ``iter_buildings`` chooses."""
    with database.read_session() as session:
        summaries = {s.id: _summary_values(s) for s in iter_buildings(session, all_buildings=True)}
        rows = list_rows(session, list(summaries))
    assert {row.id: _row_values(row) for row in rows} == summaries


def test_list_agrees_with_queries(database: Database) -> None:
    assert_agrees_with_queries(database)


# Values in use


def test_local_value_in_use(database: Database, edits: EditService) -> None:
    edits.set_value(ids_of(database)[1], "gross_floor_area", Decimal("2500.5"))
    assert row_of(database, 1).gross_floor_area == Decimal("2500.5")


def test_local_value_marks_row(database: Database, edits: EditService) -> None:
    edits.set_value(ids_of(database)[1], "gross_floor_area", Decimal("2500.5"))
    assert row_of(database, 1).has_local_values


def test_cleared_local_value_restores_register(database: Database, edits: EditService) -> None:
    building = ids_of(database)[1]
    edits.set_value(building, "gross_floor_area", Decimal("2500.5"))
    edits.clear_value(building, "gross_floor_area")
    row = row_of(database, 1)
    assert row.gross_floor_area == Decimal("2450")
    assert not row.has_local_values


def test_local_class_replaces_crosswalk(database: Database, edits: EditService) -> None:
    edits.set_value(ids_of(database)[1], "building_class_2018", "0731")
    row = row_of(database, 1)
    assert (row.building_class_2018, row.building_class_origin) == ("0731", "register")


def test_newer_source_in_use(database: Database) -> None:
    rows = [
        OptRow(prt=valid_prt(1), municipality="398", property_identifier="39840100099999",
               postal_code="15100", extraction_date="20250101").cells(),
    ]  # fmt: skip
    opt = write_opt(database.path.parent / "Suomi_osoitteet_2025-01-01.OPT", rows)
    database.close()
    _import(database.path, opt, datetime.date(2025, 1, 1))
    assert row_of(database, 1).property_identifier == "39840100099999"


def test_two_sources_agree_with_queries(database: Database, edits: EditService) -> None:
    rows = [
        OptRow(prt=valid_prt(number), municipality="398",
               property_identifier=f"3984010009{number:04d}", street_name_fi="Avoin katu",
               house_number=str(number), postal_code="15100", extraction_date="20230101").cells()
        for number in (1, 2, 3, 4)
    ]  # fmt: skip
    opt = write_opt(database.path.parent / "Suomi_osoitteet_2023-01-01.OPT", rows)
    edits.set_value(ids_of(database)[2], "local_name", "Kirjasto")
    database.close()
    _import(database.path, opt, datetime.date(2023, 1, 1))
    assert_agrees_with_queries(database)


def _random_entries(chooser: random.Random) -> list[RegisterEntry]:
    sources = chooser.sample(["dvv_extract", "ryhti", "dvv_open"], chooser.randint(1, 3))
    return [
        RegisterEntry(
            source=source,
            value=chooser.choice([None, f"{source}-value"]),
            batch_id=0,
            extraction_date=datetime.date(2024, chooser.randint(1, 2), 1),
            is_present=chooser.random() < 0.6,
        )
        for source in sources
    ]


def test_preference_matches_choose_register_entry() -> None:
    chooser = random.Random(20241)
    for _ in range(500):
        entries = _random_entries(chooser)
        rows = [
            (0, int(e.is_present), e.extraction_date.isoformat(), e.source, *([e.value] * 8))
            for e in entries
        ]
        rows.sort(key=_preference, reverse=True)
        chosen = choose_register_entry(entries)
        assert _values_in_use(rows, None)[0] == (chosen.value if chosen else None), entries


@pytest.mark.parametrize(
    "long_form", ["39840100010001", "09100100010001", "00540100051129M0001", "56000010000000"]
)
def test_short_property_identifier(long_form: str) -> None:
    assert _Texts.short_property_identifier(long_form) == format_property_identifier(long_form)


def test_short_property_identifier_of_other_text() -> None:
    assert _Texts.short_property_identifier("kiinteistö") is None


# Filtering


def test_filter_nordic_letters(database: Database) -> None:
    assert filtered(database, "åker") == [3]


def test_filter_ignores_case(database: Database) -> None:
    assert filtered(database, "ÅKERI") == [3]


def test_filter_swedish_street_name(database: Database) -> None:
    assert filtered(database, "skolväg") == [1, 2]


def test_filter_swedish_post_office(database: Database) -> None:
    assert filtered(database, "lahtis") == [1, 2, 3, 4, 5, 7]


def test_filter_several_terms(database: Database) -> None:
    assert filtered(database, "Koulutie omakoti") == [2]


def test_filter_terms_in_any_order(database: Database) -> None:
    assert filtered(database, "  15110\tÅkergränd ") == [3]


def test_filter_permanent_identifier_lower_case(database: Database) -> None:
    assert filtered(database, valid_prt(7).lower()) == [7]


def test_filter_long_property_identifier(database: Database) -> None:
    assert filtered(database, "39840200060001") == [6]


def test_filter_short_property_identifier(database: Database) -> None:
    assert filtered(database, "398-402-6-1") == [6]


def test_filter_short_property_identifier_prefix(database: Database) -> None:
    assert filtered(database, "398-401-") == [1, 2]


def test_filter_property_name(database: Database) -> None:
    assert filtered(database, "koulumäki") == [1]


def test_filter_class_name(database: Database) -> None:
    assert filtered(database, "omakotitalot") == [2]


def test_filter_crosswalked_class_name(database: Database) -> None:
    assert filtered(database, "korkeakoulurakennukset 0840") == [1]


def test_filter_use_class_swedish_name(database: Database) -> None:
    assert filtered(database, "radhus") == [3]


def test_filter_second_address(database: Database) -> None:
    assert filtered(database, "zetori") == [7]


def test_filter_no_match(database: Database) -> None:
    assert filtered(database, "koulutie zetori") == []


def test_filter_portfolio_only(database: Database) -> None:
    with database.read_session() as session:
        listed = numbers(database, list_ids(session, text="lahtis"))
    assert listed == [1, 2, 3, 5, 7]


def test_filter_local_name(database: Database, edits: EditService) -> None:
    edits.set_value(ids_of(database)[5], "local_name", "Öljymäen päiväkoti")
    assert filtered(database, "PÄIVÄKOTI") == [5]


# Sorting


def test_sort_by_address(database: Database) -> None:
    assert filtered(database, "", sort_column="address") == [2, 1, 7, 3, 4, 5, 6]


def test_sort_by_address_descending_empty_last(database: Database) -> None:
    assert filtered(database, "", sort_column="address", descending=True) == [5, 4, 3, 7, 1, 2, 6]


def test_sort_by_identifier(database: Database) -> None:
    assert filtered(database, "", descending=True) == [7, 6, 5, 4, 3, 2, 1]


def test_sort_ties_by_id(database: Database) -> None:
    ids = ids_of(database)
    expected = sorted(range(1, 8), key=lambda number: ids[number])
    assert filtered(database, "", sort_column="municipality_number", descending=True) == expected


def test_sort_by_area_empty_last(database: Database) -> None:
    assert filtered(database, "", sort_column="gross_floor_area")[:2] == [2, 1]


def test_sort_by_area_descending_empty_last(database: Database) -> None:
    assert filtered(database, "", sort_column="gross_floor_area", descending=True)[:2] == [1, 2]


def test_sort_by_completion_date(database: Database) -> None:
    assert filtered(database, "", sort_column="completion_date")[:2] == [1, 2]


def test_sort_by_local_name(database: Database, edits: EditService) -> None:
    ids = ids_of(database)
    for number, name in ((1, "Ärjän koulu"), (2, "koulu 10"), (3, "Koulu 9"), (4, "Zoo")):
        edits.set_value(ids[number], "local_name", name)
    assert filtered(database, "", sort_column="local_name")[:4] == [3, 2, 4, 1]


def test_sort_by_holder(database: Database, portfolio: PortfolioService) -> None:
    ids = ids_of(database)
    company = portfolio.add_holder_entity("Ämmälän Kiinteistöt Oy", COMPANY_BUSINESS_ID, None)
    portfolio.add_to_portfolio([ids[4]], company.id, Tenure.LEASED_IN)
    listed = filtered(database, "", sort_column="holder_entity")
    assert listed == [1, 2, 3, 5, 6, 7, 4]


def test_sort_every_column(database: Database) -> None:
    for column in LIST_COLUMNS:
        assert sorted(filtered(database, "", sort_column=column)) == list(range(1, 8)), column


def test_unknown_sort_column(database: Database) -> None:
    with database.read_session() as session, pytest.raises(ValueError, match="no_such"):
        list_ids(session, sort_column="no_such")


# Keeping the list true


def test_edit_undo_redo(database: Database, edits: EditService) -> None:
    edits.set_value(ids_of(database)[2], "local_name", "Vanha kirjasto")
    assert filtered(database, "kirjasto") == [2]
    edits.undo()
    assert filtered(database, "kirjasto") == []
    edits.redo()
    assert row_of(database, 2).local_name == "Vanha kirjasto"


def test_bulk_edit_refreshes_all(database: Database, edits: EditService) -> None:
    edits.set_value_for_many(list(ids_of(database).values()), "local_name", "Yhteinen")
    assert filtered(database, "yhteinen") == [1, 2, 3, 4, 5, 6, 7]


def test_remove_from_portfolio(database: Database, portfolio: PortfolioService) -> None:
    portfolio.remove_from_portfolio([ids_of(database)[1]])
    with database.read_session() as session:
        assert count_listed(session) == 5
    assert not row_of(database, 1).in_portfolio


def test_portfolio_undo(database: Database, portfolio: PortfolioService) -> None:
    portfolio.remove_from_portfolio([ids_of(database)[1]])
    portfolio.undo()
    assert row_of(database, 1).tenure == Tenure.OWNED.value


def test_set_tenure(database: Database, portfolio: PortfolioService) -> None:
    portfolio.set_tenure([ids_of(database)[3]], Tenure.LEASED_IN)
    assert row_of(database, 3).tenure == Tenure.LEASED_IN.value


def test_add_with_holder(database: Database, portfolio: PortfolioService) -> None:
    company = portfolio.add_holder_entity(None, COMPANY_BUSINESS_ID, None)
    portfolio.add_to_portfolio([ids_of(database)[4]], company.id, Tenure.OWNED)
    assert row_of(database, 4).holder_entity == COMPANY_BUSINESS_ID


def test_holder_rename(database: Database, portfolio: PortfolioService) -> None:
    with database.read_session() as session:
        holder = session.scalars(select(HolderEntity.id)).one()
    portfolio.update_holder_entity(holder, name="Lahden kaupunki", kind=None)
    assert row_of(database, 1).holder_entity == "Lahden kaupunki"


def test_reimport_changes_address(database: Database) -> None:
    buildings = _buildings()
    buildings[0].addresses = [_address("Uusikatu", "1", street_name_sv="Nygatan")]
    newer = write_extract(database.path.parent / "newer.xlsx", buildings)
    database.close()
    _import(database.path, newer, datetime.date(2025, 1, 15))
    assert filtered(database, "nygatan") == [1]
    assert filtered(database, "skolvägen") == [2]


def test_reimport_marks_absence(database: Database) -> None:
    newer = write_extract(database.path.parent / "newer.xlsx", _buildings()[1:])
    database.close()
    _import(database.path, newer, datetime.date(2025, 1, 15))
    assert_agrees_with_queries(database)


def test_import_joins_portfolio_by_owner(database: Database) -> None:
    # A file of another municipality: the batch neither delivers nor marks building 4.
    other = Building(prt=valid_prt(8), municipality="560", addresses=[_address("Lukijantie", "4")])
    newer = write_extract(database.path.parent / "newer.xlsx", [other])
    database.close()
    options = ImportOptions(
        owner_business_ids=(COMPANY_BUSINESS_ID,), extraction_date=datetime.date(2025, 1, 15)
    )
    import_files(database.path, [newer], options)
    assert row_of(database, 4).in_portfolio


def test_refresh_changes_nothing_after_import(imported: Path, tmp_path: Path) -> None:
    path = Path(shutil.copy(imported, tmp_path / "copy.sqlite"))
    before = stored_rows(path)
    database = open_database(path)
    with database.session() as session:
        refresh_list(session)
    database.close()
    assert stored_rows(path) == before


def test_open_file_load_leaves_rows(tmp_path: Path) -> None:
    path = tmp_path / "open.sqlite"
    opt = write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", synthetic_rows(50, seed=3))

    import_files(path, [opt], ImportOptions(extraction_date=datetime.date(2026, 9, 30)))

    assert stored_rows(path) == {}


def test_open_file_rows_built_later(tmp_path: Path) -> None:
    path = tmp_path / "open.sqlite"
    opt = write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", synthetic_rows(2_000, seed=3))
    import_files(path, [opt], ImportOptions(extraction_date=datetime.date(2026, 9, 30)))
    database = open_database(path)
    with database.session() as session:
        built = ensure_list(session)
    ensured = stored_rows(path)
    with database.session() as session:
        refresh_list(session)
    database.close()
    with sqlite3.connect(path) as connection:
        (buildings,) = connection.execute("SELECT count(*) FROM building").fetchone()

    assert built == buildings
    assert len(ensured) == buildings
    assert stored_rows(path) == ensured


def test_open_file_load_keeps_indexes(tmp_path: Path) -> None:
    path = tmp_path / "open.sqlite"
    opt = write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", synthetic_rows(50, seed=4))
    import_files(path, [opt], ImportOptions(extraction_date=datetime.date(2026, 9, 30)))
    with sqlite3.connect(path) as connection:
        names = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'building_list' "
            "AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
    assert names == [
        ("ix_building_list_in_portfolio",),
        ("ix_building_list_permanent_building_identifier",),
    ]


def test_open_file_after_extract(database: Database) -> None:
    rows = [
        OptRow(prt=valid_prt(number), municipality="398", street_name_fi="Avoin katu",
               house_number=str(number), postal_code="15100", extraction_date="20250101").cells()
        for number in (1, 8)
    ]  # fmt: skip
    opt = write_opt(database.path.parent / "Suomi_osoitteet_2025-01-01.OPT", rows)
    database.close()
    _import(database.path, opt, datetime.date(2025, 1, 1))
    with database.session() as session:
        ensure_list(session)

    assert filtered(database, "avoin katu") == [1, 8]
    with database.read_session() as session:
        assert count_listed(session, all_buildings=True) == 8


# Tables that refer to a building without ON DELETE CASCADE.
_BUILDING_CHILDREN = (
    "register_value",
    "local_value",
    "building_address",
    "building_owner",
    "portfolio_entry",
    "change_history",
    "import_problem",
)


def test_deleted_building_leaves_list(database: Database) -> None:
    building = ids_of(database)[6]
    database.close()
    with sqlite3.connect(database.path) as connection:
        connection.execute("PRAGMA foreign_keys=ON")
        for table in _BUILDING_CHILDREN:
            connection.execute(f"DELETE FROM {table} WHERE building_id = ?", (building,))
        connection.execute("DELETE FROM building WHERE id = ?", (building,))
    assert building not in stored_rows(database.path)


# Upgrading


def _make_0001_database(path: Path) -> None:
    """Write an empty database at schema revision 0001, as the first release did."""
    from alembic import command

    engine = create_sqlite_engine(path)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()


def _downgrade_to_0001(path: Path) -> None:
    """Turn a database with buildings back into one of revision 0001."""
    from alembic import command

    engine = create_sqlite_engine(path)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    engine.dispose()


def test_upgrade_of_empty_0001(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _make_0001_database(path)
    database = open_database(path)
    with database.session() as session:
        built = ensure_list(session)
    database.close()
    assert built == 0


def test_upgrade_builds_list(imported: Path, tmp_path: Path) -> None:
    path = Path(shutil.copy(imported, tmp_path / "old.sqlite"))
    expected = stored_rows(path)
    _downgrade_to_0001(path)
    database = open_database(path)
    with database.read_session() as session:
        assert count_listed(session, all_buildings=True) == 0
    with database.session() as session:
        built = ensure_list(session)
    database.close()
    assert built == 7
    assert stored_rows(path) == expected


def test_ensure_list_when_complete(database: Database) -> None:
    with database.session() as session:
        assert ensure_list(session) == 0


def test_import_into_upgraded_database_fills_list(imported: Path, tmp_path: Path) -> None:
    path = Path(shutil.copy(imported, tmp_path / "old.sqlite"))
    _downgrade_to_0001(path)
    buildings = _buildings()
    buildings[1].addresses = [_address("Uusikatu", "2")]
    _import(path, write_extract(tmp_path / "newer.xlsx", buildings[:2]), datetime.date(2025, 1, 15))
    database = open_database(path)
    with database.read_session() as session:
        assert count_listed(session, all_buildings=True) == 7
    database.close()


def test_upgraded_list_cascades(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _make_0001_database(path)
    open_database(path).close()
    with sqlite3.connect(path) as connection:
        foreign_keys = connection.execute("PRAGMA foreign_key_list(building_list)").fetchall()
    on_delete = {row[2]: row[6] for row in foreign_keys}
    assert on_delete["building"] == "CASCADE"

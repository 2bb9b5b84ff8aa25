"""Portfolio changes by hand, their history and undo, and the holder entities."""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from devtools.dvv_workbook import (
    COMPANY_BUSINESS_ID,
    INVALID_BUSINESS_ID,
    MUNICIPALITY_BUSINESS_ID,
    sample_buildings,
    valid_prt,
    write_extract,
)
from tilaapp.services.editing import (
    ADD_TO_PORTFOLIO,
    UNDO_SOURCE,
    EditConflict,
    EditService,
    UndoStack,
    describe_step,
)
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.portfolio_edit import (
    DuplicateBusinessId,
    HolderEntityInfo,
    InvalidBusinessId,
    InvalidHolderName,
    MunicipalityHolderExists,
    NotInPortfolio,
    PortfolioService,
    UnknownHolderEntity,
)
from tilaapp.services.queries import BuildingNotFound, list_buildings
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import (
    Building,
    ChangeRecord,
    HolderKind,
    LocalValue,
    PortfolioEntry,
    Tenure,
)

USER = "salkunhoitaja"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a database of the sample extract with an empty portfolio, imported once."""
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
def service(database: Database) -> PortfolioService:
    return PortfolioService(database, os_user=USER)


@pytest.fixture
def city(service: PortfolioService) -> HolderEntityInfo:
    return service.add_holder_entity(
        "Lahden kaupunki", MUNICIPALITY_BUSINESS_ID, HolderKind.MUNICIPALITY
    )


@pytest.fixture
def company(service: PortfolioService) -> HolderEntityInfo:
    return service.add_holder_entity(
        "Lahden Tilapalvelu Oy", COMPANY_BUSINESS_ID, HolderKind.MUNICIPAL_COMPANY
    )


def building_id(database: Database, number: int) -> int:
    with database.read_session() as session:
        found = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == valid_prt(number))
        )
    assert found is not None
    return found


def entry(database: Database, building: int) -> tuple[int | None, str] | None:
    with database.read_session() as session:
        found = session.get(PortfolioEntry, building)
        return None if found is None else (found.holder_entity_id, found.tenure)


def added_at(database: Database, building: int) -> datetime.datetime:
    with database.read_session() as session:
        found = session.get(PortfolioEntry, building)
        assert found is not None
        return found.added_at


def portfolio_rows(database: Database) -> list[ChangeRecord]:
    query = select(ChangeRecord).where(ChangeRecord.field == "portfolio").order_by(ChangeRecord.id)
    with database.read_session() as session:
        return list(session.scalars(query))


# ------------------------------------------------------------------ add and remove


def test_add_creates_entries(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    ids = [building_id(database, n) for n in (1, 2)]
    service.add_to_portfolio(ids, city.id, Tenure.OWNED)
    assert [entry(database, b) for b in ids] == [(city.id, "owned"), (city.id, "owned")]


def test_add_shows_in_list(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    with database.read_session() as session:
        listed = list_buildings(session)
    assert [(b.id, b.holder_business_id, b.tenure) for b in listed] == [
        (school, MUNICIPALITY_BUSINESS_ID, "owned")
    ]


def test_add_history_row(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.LEASED_IN)
    (row,) = portfolio_rows(database)
    assert row.old_value is None
    assert json.loads(row.new_value or "") == {
        "holder": MUNICIPALITY_BUSINESS_ID,
        "tenure": "leased_in",
    }
    assert (row.source, row.os_user, row.building_id) == ("portfolio", USER, school)


def test_add_without_holder(database: Database, service: PortfolioService) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], None, Tenure.OWNED)
    (row,) = portfolio_rows(database)
    assert json.loads(row.new_value or "") == {"holder": None, "tenure": "owned"}


def test_add_keeps_existing_entry(
    database: Database,
    service: PortfolioService,
    city: HolderEntityInfo,
    company: HolderEntityInfo,
) -> None:
    school, house = building_id(database, 1), building_id(database, 2)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    step = service.add_to_portfolio([school, house], company.id, Tenure.LEASED_IN)
    assert [change.building_id for change in step.changes] == [house]
    assert entry(database, school) == (city.id, "owned")


def test_add_unknown_holder(database: Database, service: PortfolioService) -> None:
    with pytest.raises(UnknownHolderEntity):
        service.add_to_portfolio([building_id(database, 1)], 999, Tenure.OWNED)
    assert portfolio_rows(database) == []


def test_add_missing_building_changes_nothing(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    with pytest.raises(BuildingNotFound):
        service.add_to_portfolio([school, 999_999], city.id, Tenure.OWNED)
    assert entry(database, school) is None
    assert portfolio_rows(database) == []


def test_remove_deletes_entries(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    ids = [building_id(database, n) for n in (1, 2)]
    service.add_to_portfolio(ids, city.id, Tenure.OWNED)
    service.remove_from_portfolio(ids)
    assert [entry(database, b) for b in ids] == [None, None]


def test_remove_history_row(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    service.remove_from_portfolio([school])
    row = portfolio_rows(database)[-1]
    assert json.loads(row.old_value or "") == {
        "holder": MUNICIPALITY_BUSINESS_ID,
        "tenure": "owned",
    }
    assert row.new_value is None


def test_remove_outside_building_noop(database: Database, service: PortfolioService) -> None:
    step = service.remove_from_portfolio([building_id(database, 1)])
    assert step.is_empty
    assert not service.can_undo


# ------------------------------------------------------------------ tenure and holder


def test_set_tenure(database: Database, service: PortfolioService, city: HolderEntityInfo) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    service.set_tenure([school], Tenure.LEASED_IN)
    assert entry(database, school) == (city.id, "leased_in")


def test_set_holder_and_tenure(
    database: Database,
    service: PortfolioService,
    city: HolderEntityInfo,
    company: HolderEntityInfo,
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)

    step = service.set_holder_and_tenure([school], company.id, Tenure.LEASED_IN)

    assert entry(database, school) == (company.id, "leased_in")
    assert len(step.changes) == 1


def test_holder_and_tenure_one_undo(
    database: Database,
    service: PortfolioService,
    city: HolderEntityInfo,
    company: HolderEntityInfo,
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    service.set_holder_and_tenure([school], company.id, Tenure.LEASED_IN)

    service.undo()

    assert entry(database, school) == (city.id, "owned")


def test_set_tenure_keeps_added_at(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    first = added_at(database, school)
    service.set_tenure([school], Tenure.LEASED_IN)
    assert added_at(database, school) == first


def test_set_tenure_outside_portfolio(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school, house = building_id(database, 1), building_id(database, 2)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    with pytest.raises(NotInPortfolio) as raised:
        service.set_tenure([school, house], Tenure.LEASED_IN)
    assert raised.value.building == valid_prt(2)
    assert entry(database, school) == (city.id, "owned")


def test_set_holder(
    database: Database,
    service: PortfolioService,
    city: HolderEntityInfo,
    company: HolderEntityInfo,
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    service.set_holder([school], company.id)
    row = portfolio_rows(database)[-1]
    assert json.loads(row.new_value or "") == {"holder": COMPANY_BUSINESS_ID, "tenure": "owned"}


def test_set_holder_unknown(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    with pytest.raises(UnknownHolderEntity):
        service.set_holder([school], 999)


# ------------------------------------------------------------------ undo and redo


def test_undo_add(database: Database, service: PortfolioService, city: HolderEntityInfo) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    undone = service.undo()
    assert undone is not None
    assert undone.description_key == ADD_TO_PORTFOLIO
    assert entry(database, school) is None


def test_undo_add_history_source(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    service.undo()
    row = portfolio_rows(database)[-1]
    assert (row.source, row.new_value) == (UNDO_SOURCE, None)


def test_undo_remove_restores_entry(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.LEASED_IN)
    first = added_at(database, school)
    service.remove_from_portfolio([school])
    service.undo()
    assert entry(database, school) == (city.id, "leased_in")
    assert added_at(database, school) == first


def test_redo_add(database: Database, service: PortfolioService, city: HolderEntityInfo) -> None:
    school = building_id(database, 1)
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    service.undo()
    service.redo()
    assert entry(database, school) == (city.id, "owned")


def test_undo_conflict(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    school = building_id(database, 1)
    other = PortfolioService(database, os_user="toinen")
    service.add_to_portfolio([school], city.id, Tenure.OWNED)
    other.set_tenure([school], Tenure.LEASED_IN)
    with pytest.raises(EditConflict) as raised:
        service.undo()
    assert raised.value.field == "portfolio"
    assert entry(database, school) == (city.id, "leased_in")


def test_shared_stack_with_edits(database: Database, city: HolderEntityInfo) -> None:
    stack = UndoStack()
    portfolio = PortfolioService(database, os_user=USER, undo_stack=stack)
    edits = EditService(database, os_user=USER, undo_stack=stack)
    school = building_id(database, 1)

    edits.set_value(school, "local_name", "Koulu")
    portfolio.add_to_portfolio([school], city.id, Tenure.OWNED)
    edits.undo()
    assert entry(database, school) is None
    with database.read_session() as session:
        row = session.get(LocalValue, school)
        assert row is not None
        assert row.local_name == "Koulu"

    portfolio.undo()
    with database.read_session() as session:
        row = session.get(LocalValue, school)
        assert row is not None
        assert row.local_name is None


def test_describe_add(
    database: Database, service: PortfolioService, city: HolderEntityInfo
) -> None:
    ids = [building_id(database, n) for n in (1, 2, 3)]
    step = service.add_to_portfolio(ids, city.id, Tenure.OWNED)
    assert describe_step(step) == "3 buildings added to the portfolio"


# ------------------------------------------------------------------ holder entities


def test_add_holder_entity(service: PortfolioService) -> None:
    info = service.add_holder_entity(
        " Lahden kaupunki ", MUNICIPALITY_BUSINESS_ID, HolderKind.MUNICIPALITY
    )
    assert (info.name, info.business_id, info.kind, info.building_count) == (
        "Lahden kaupunki",
        MUNICIPALITY_BUSINESS_ID,
        HolderKind.MUNICIPALITY,
        0,
    )


def test_add_holder_wrong_check_digit(service: PortfolioService) -> None:
    with pytest.raises(InvalidBusinessId) as raised:
        service.add_holder_entity("Yhtiö", INVALID_BUSINESS_ID, None)
    assert raised.value.message.startswith(f"{INVALID_BUSINESS_ID} is not a valid business ID")


def test_add_holder_malformed_id(service: PortfolioService) -> None:
    with pytest.raises(InvalidBusinessId):
        service.add_holder_entity("Yhtiö", "123456-7", None)


def test_add_holder_duplicate(service: PortfolioService, city: HolderEntityInfo) -> None:
    with pytest.raises(DuplicateBusinessId):
        service.add_holder_entity("Toinen", MUNICIPALITY_BUSINESS_ID, None)


def test_second_municipality_rejected(service: PortfolioService, city: HolderEntityInfo) -> None:
    with pytest.raises(MunicipalityHolderExists):
        service.add_holder_entity("Toinen kunta", COMPANY_BUSINESS_ID, HolderKind.MUNICIPALITY)


def test_holder_name_too_long(service: PortfolioService) -> None:
    with pytest.raises(InvalidHolderName):
        service.add_holder_entity("a" * 201, COMPANY_BUSINESS_ID, None)


def test_update_holder_entity(service: PortfolioService, company: HolderEntityInfo) -> None:
    updated = service.update_holder_entity(
        company.id, name="Lahden Kiinteistöt Oy", kind=HolderKind.JOINT_MUNICIPAL_AUTHORITY
    )
    assert (updated.name, updated.kind) == (
        "Lahden Kiinteistöt Oy",
        HolderKind.JOINT_MUNICIPAL_AUTHORITY,
    )


def test_update_holder_to_second_municipality(
    service: PortfolioService, city: HolderEntityInfo, company: HolderEntityInfo
) -> None:
    with pytest.raises(MunicipalityHolderExists):
        service.update_holder_entity(company.id, name=company.name, kind=HolderKind.MUNICIPALITY)


def test_update_municipality_keeps_kind(service: PortfolioService, city: HolderEntityInfo) -> None:
    updated = service.update_holder_entity(city.id, name="Lahti", kind=HolderKind.MUNICIPALITY)
    assert updated.name == "Lahti"


def test_update_unknown_holder(service: PortfolioService) -> None:
    with pytest.raises(UnknownHolderEntity):
        service.update_holder_entity(999, name="Ei ole", kind=None)


def test_list_holder_entities(
    database: Database,
    service: PortfolioService,
    city: HolderEntityInfo,
    company: HolderEntityInfo,
) -> None:
    ids = [building_id(database, n) for n in (1, 2)]
    service.add_to_portfolio(ids, company.id, Tenure.OWNED)
    unnamed = service.add_holder_entity(None, "1234567-1", None)
    listed = service.list_holder_entities()
    assert [(h.id, h.building_count) for h in listed] == [
        (city.id, 0),
        (company.id, 2),
        (unnamed.id, 0),
    ]

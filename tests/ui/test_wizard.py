"""The first-run wizard and the import run behind it, on real files and databases."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from devtools.dvv_workbook import (
    COMPANY_BUSINESS_ID,
    MUNICIPALITY_BUSINESS_ID,
    sample_buildings,
    write_extract,
)
from devtools.opt_file import synthetic_rows, write_opt
from tilaapp import i18n
from tilaapp.services.importing import (
    ImportOptions,
    ImportRejected,
    ImportReport,
    import_files,
)
from tilaapp.storage.database import open_database
from tilaapp.storage.models import DatabaseInfo, HolderEntity
from tilaapp.ui.import_report import ImportReportWidget
from tilaapp.ui.import_run import ImportRun, ProgressThrottle
from tilaapp.ui.tasks import Worker
from tilaapp.ui.wizard import (
    EntityPage,
    FilePage,
    FirstRunWizard,
    MunicipalityPage,
    PageId,
)

# Long enough for an import of the large file on a slow machine; signals end waits early.
TIMEOUT_MS = 60_000
LAHTI = "398"


@pytest.fixture(scope="session")
def large_open_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An open address file of 300,000 rows: its import runs for seconds, not milliseconds."""
    path = tmp_path_factory.mktemp("large") / "Suomi_osoitteet_2024-03-15.OPT"
    return write_opt(path, synthetic_rows(300_000, seed=7))


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[Worker]:
    """A worker that outlives its tasks: it is deleted only after every callback ran."""
    worker = Worker()
    yield worker
    qtbot.waitUntil(lambda: not worker.busy, timeout=TIMEOUT_MS)
    worker.shutdown()


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    return write_extract(tmp_path / "extract.xlsx", sample_buildings())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "inventory.sqlite"


@pytest.fixture
def wizard(qtbot: QtBot, db: Path, worker: Worker) -> FirstRunWizard:
    wizard = FirstRunWizard(db, worker)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def fill_in(wizard: FirstRunWizard, qtbot: QtBot, file: Path, *, only_home: bool = True) -> None:
    """Go through the first three pages to the file page, with ``file`` checked."""
    wizard.municipality_page.search.setText(LAHTI)
    wizard.next()
    wizard.entity_page.rows[0].business_id.setText(MUNICIPALITY_BUSINESS_ID)
    wizard.entity_page.rows[0].name.setText("Lahden kaupunki")
    wizard.entity_page.add_row(COMPANY_BUSINESS_ID, "Asunto Oy Kuvitelma")
    wizard.next()
    with qtbot.waitSignal(wizard.file_page.file_checked, timeout=TIMEOUT_MS):
        wizard.file_page.set_file(file)
    wizard.file_page.only_home.setChecked(only_home)


def file_mime(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    return mime


def stored_group(db: Path) -> tuple[str | None, list[tuple[str, str | None]]]:
    database = open_database(db, create=False)
    try:
        with database.read_session() as session:
            info = session.get(DatabaseInfo, 1)
            home = info.home_municipality_code if info is not None else None
            query = select(HolderEntity).order_by(HolderEntity.id)
            entities = [(entity.business_id, entity.name) for entity in session.scalars(query)]
    finally:
        database.close()
    return home, entities


# ------------------------------------------------------------------ ImportRun


def test_throttle_first_passes() -> None:
    throttle = ProgressThrottle(0.1, clock=lambda: 5.0)
    assert throttle.ready()


def test_throttle_holds_within_interval() -> None:
    times = iter([0.0, 0.05, 0.099])
    throttle = ProgressThrottle(0.1, clock=lambda: next(times))
    throttle.ready()
    assert not throttle.ready()
    assert not throttle.ready()


def test_throttle_passes_after_interval() -> None:
    times = iter([0.0, 0.1, 0.15, 0.25])
    throttle = ProgressThrottle(0.1, clock=lambda: next(times))
    assert [throttle.ready() for _ in range(4)] == [True, True, False, True]


def test_run_finishes(qtbot: QtBot, worker: Worker, extract: Path, db: Path) -> None:
    run = ImportRun(worker, db, [extract], ImportOptions(home_municipality=LAHTI))
    with qtbot.waitSignal(run.finished, timeout=TIMEOUT_MS) as finished:
        run.start()
    report = finished.args[0]
    assert isinstance(report, ImportReport)
    assert report.files[0].added == 9
    assert db.exists()
    assert not run.running


def test_run_names_entities(qtbot: QtBot, worker: Worker, extract: Path, db: Path) -> None:
    options = ImportOptions(
        home_municipality=LAHTI, owner_business_ids=(MUNICIPALITY_BUSINESS_ID, COMPANY_BUSINESS_ID)
    )
    names = {MUNICIPALITY_BUSINESS_ID: "Lahden kaupunki", COMPANY_BUSINESS_ID: " "}
    run = ImportRun(worker, db, [extract], options, entity_names=names)
    with qtbot.waitSignal(run.finished, timeout=TIMEOUT_MS):
        run.start()
    _home, entities = stored_group(db)
    assert entities == [(MUNICIPALITY_BUSINESS_ID, "Lahden kaupunki"), (COMPANY_BUSINESS_ID, None)]


def test_run_rejected_file(qtbot: QtBot, worker: Worker, tmp_path: Path, db: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a register file", encoding="utf-8")
    run = ImportRun(worker, db, [notes], ImportOptions())
    with qtbot.waitSignal(run.failed, timeout=TIMEOUT_MS) as failed:
        run.start()
    assert isinstance(failed.args[0], ImportRejected)
    assert not db.exists()


def test_run_cancel_new_database(
    qtbot: QtBot, worker: Worker, large_open_file: Path, db: Path
) -> None:
    run = ImportRun(worker, db, [large_open_file], ImportOptions(home_municipality=LAHTI))
    cancelled: list[bool] = []
    run.cancelled.connect(lambda: cancelled.append(True))
    with qtbot.waitSignal(run.progressed, timeout=TIMEOUT_MS):
        run.start()
    with qtbot.waitSignal(run.cancelled, timeout=TIMEOUT_MS):
        run.cancel()
    assert cancelled == [True]
    assert not db.exists()


def test_run_cancel_keeps_database(
    qtbot: QtBot, worker: Worker, extract: Path, large_open_file: Path, db: Path
) -> None:
    import_files(db, [extract], ImportOptions(home_municipality=LAHTI))
    before = db.read_bytes()
    run = ImportRun(worker, db, [large_open_file], ImportOptions())
    with qtbot.waitSignal(run.progressed, timeout=TIMEOUT_MS):
        run.start()
    with qtbot.waitSignal(run.cancelled, timeout=TIMEOUT_MS):
        run.cancel()
    assert db.read_bytes() == before
    assert sorted(path.name for path in db.parent.glob(f"{db.name}*")) == [db.name]


def test_run_cancel_before_start(qtbot: QtBot, worker: Worker, extract: Path, db: Path) -> None:
    run = ImportRun(worker, db, [extract], ImportOptions())
    run.cancel()
    with qtbot.waitSignal(run.cancelled, timeout=TIMEOUT_MS):
        run.start()
    assert not db.exists()


# ------------------------------------------------------------------ home municipality


@pytest.fixture
def municipality_page(qtbot: QtBot) -> MunicipalityPage:
    page = MunicipalityPage()
    qtbot.addWidget(page)
    return page


@pytest.mark.parametrize("text", ["hartola", "Hartola", "HARTOLA", "hart"])
def test_search_finnish_name(municipality_page: MunicipalityPage, text: str) -> None:
    municipality_page.search.setText(text)
    assert municipality_page.result_codes() == ["081"]


@pytest.mark.parametrize("text", ["pargas", "Pargas", "Parainen", "parainen"])
def test_search_parainen_first(municipality_page: MunicipalityPage, text: str) -> None:
    municipality_page.search.setText(text)
    assert municipality_page.result_codes()[0] == "445"


def test_search_accents(municipality_page: MunicipalityPage) -> None:
    municipality_page.search.setText("ahtari")
    assert municipality_page.result_codes() == ["989"]


def test_search_code(municipality_page: MunicipalityPage) -> None:
    municipality_page.search.setText("081")
    assert municipality_page.result_codes() == ["081"]


def test_search_code_prefix_order(municipality_page: MunicipalityPage) -> None:
    municipality_page.search.setText("09")
    codes = municipality_page.result_codes()
    assert codes == sorted(codes)
    assert "091" in codes


def test_search_single_match_selects(municipality_page: MunicipalityPage) -> None:
    municipality_page.search.setText("hartola")
    assert municipality_page.selected_code() == "081"
    assert municipality_page.isComplete()


def test_search_many_matches_wait(municipality_page: MunicipalityPage) -> None:
    municipality_page.search.setText("par")
    assert municipality_page.selected_code() is None
    assert not municipality_page.isComplete()


def test_search_choice_survives_filter(municipality_page: MunicipalityPage) -> None:
    municipality_page.search.setText("hartola")
    municipality_page.search.setText("par")
    assert municipality_page.selected_code() == "081"


def test_search_starts_before_contains(municipality_page: MunicipalityPage) -> None:
    municipality_page.search.setText("par")
    codes = municipality_page.result_codes()
    assert codes.index("445") < codes.index("438")


def test_list_finnish_order(qtbot: QtBot) -> None:
    i18n.set_language("fi")
    page = MunicipalityPage()
    qtbot.addWidget(page)
    codes = page.result_codes()
    assert codes.index("980") < codes.index("989")


def test_list_swedish_names_first(qtbot: QtBot) -> None:
    i18n.set_language("sv")
    page = MunicipalityPage()
    qtbot.addWidget(page)
    page.search.setText("pargas")
    assert page.results.item(0).text() == "Pargas – Parainen (445)"


def test_list_finnish_names_first(municipality_page: MunicipalityPage) -> None:
    municipality_page.search.setText("pargas")
    assert municipality_page.results.item(0).text() == "Parainen – Pargas (445)"


# ------------------------------------------------------------------ group entities


@pytest.fixture
def entity_page(qtbot: QtBot) -> EntityPage:
    page = EntityPage()
    qtbot.addWidget(page)
    return page


def test_business_id_bad_check_digit(entity_page: EntityPage) -> None:
    row = entity_page.rows[0]
    row.business_id.setText("1234567-8")
    assert entity_page.problem_text(row) == (
        "1234567-8 is not a valid business ID. Enter seven digits, a hyphen and the check "
        "digit, such as 1234567-1."
    )
    assert not entity_page.isComplete()


def test_business_id_valid(entity_page: EntityPage) -> None:
    row = entity_page.rows[0]
    row.business_id.setText("1234567-1")
    assert entity_page.problem_text(row) is None
    assert entity_page.isComplete()


def test_business_id_short_waits(entity_page: EntityPage) -> None:
    row = entity_page.rows[0]
    row.business_id.setText("12345")
    assert entity_page.problem_text(row) is None
    row.business_id.editingFinished.emit()
    assert entity_page.problem_text(row) is not None


def test_business_id_fixed_clears(entity_page: EntityPage) -> None:
    row = entity_page.rows[0]
    row.business_id.setText("1234567-8")
    row.business_id.setText("1234567-1")
    assert entity_page.problem_text(row) is None


def test_business_id_duplicate(entity_page: EntityPage) -> None:
    entity_page.rows[0].business_id.setText("1234567-1")
    second = entity_page.add_row("1234567-1")
    assert entity_page.problem_text(second) == "Business ID 1234567-1 is already on the list."
    assert not entity_page.isComplete()


def test_municipality_id_required(entity_page: EntityPage) -> None:
    entity_page.add_row(COMPANY_BUSINESS_ID)
    assert not entity_page.isComplete()


def test_empty_other_row_skipped(entity_page: EntityPage) -> None:
    entity_page.rows[0].business_id.setText(MUNICIPALITY_BUSINESS_ID)
    entity_page.add_row()
    assert entity_page.isComplete()
    assert entity_page.business_ids() == (MUNICIPALITY_BUSINESS_ID,)


def test_entities_in_order_with_names(entity_page: EntityPage) -> None:
    entity_page.rows[0].business_id.setText(f" {MUNICIPALITY_BUSINESS_ID} ")
    entity_page.add_row(COMPANY_BUSINESS_ID, "Asunto Oy Kuvitelma")
    assert entity_page.business_ids() == (MUNICIPALITY_BUSINESS_ID, COMPANY_BUSINESS_ID)
    assert entity_page.entity_names() == {COMPANY_BUSINESS_ID: "Asunto Oy Kuvitelma"}


def test_remove_row(entity_page: EntityPage) -> None:
    entity_page.rows[0].business_id.setText(MUNICIPALITY_BUSINESS_ID)
    bad = entity_page.add_row("1234567-8")
    entity_page.remove_row(bad)
    assert len(entity_page.rows) == 1
    assert entity_page.isComplete()


def test_municipality_row_stays(entity_page: EntityPage) -> None:
    with pytest.raises(ValueError):
        entity_page.remove_row(entity_page.rows[0])


# ------------------------------------------------------------------ register file


@pytest.fixture
def file_page(qtbot: QtBot, worker: Worker) -> FilePage:
    page = FilePage(worker)
    qtbot.addWidget(page)
    return page


def test_file_unreadable_reason(qtbot: QtBot, file_page: FilePage, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list", encoding="utf-8")
    with qtbot.waitSignal(file_page.file_checked, timeout=TIMEOUT_MS):
        file_page.set_file(notes)
    assert file_page.problem.text.text().startswith(
        "The file notes.txt is not in a supported format."
    )
    assert not file_page.isComplete()


def test_file_missing_reason(qtbot: QtBot, file_page: FilePage, tmp_path: Path) -> None:
    with qtbot.waitSignal(file_page.file_checked, timeout=TIMEOUT_MS):
        file_page.set_file(tmp_path / "gone.xlsx")
    missing = tmp_path / "gone.xlsx"
    assert file_page.problem.text.text() == f"The file {missing} was not found."


def test_file_format_shown(qtbot: QtBot, file_page: FilePage, extract: Path) -> None:
    with qtbot.waitSignal(file_page.file_checked, timeout=TIMEOUT_MS):
        file_page.set_file(extract)
    assert file_page.format_label.text() == "Format: DVV building extract workbook."
    assert file_page.isComplete()


def test_file_open_file_format(qtbot: QtBot, file_page: FilePage, large_open_file: Path) -> None:
    with qtbot.waitSignal(file_page.file_checked, timeout=TIMEOUT_MS):
        file_page.set_file(large_open_file)
    assert file_page.format_label.text() == "Format: DVV open address file."


def test_drop_mime_takes_file(qtbot: QtBot, file_page: FilePage, extract: Path) -> None:
    with qtbot.waitSignal(file_page.file_checked, timeout=TIMEOUT_MS):
        assert file_page.drop_mime(file_mime(extract))
    assert file_page.path == extract
    assert file_page.isComplete()


def test_drop_mime_without_file(file_page: FilePage) -> None:
    mime = QMimeData()
    mime.setText("/tmp/extract.xlsx")
    assert not file_page.drop_mime(mime)
    assert file_page.path is None


def test_drop_mime_two_files(file_page: FilePage, extract: Path, tmp_path: Path) -> None:
    assert not file_page.accepts_mime(file_mime(extract, tmp_path / "other.xlsx"))


def test_drop_mime_remote_url(file_page: FilePage) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl("http://127.0.0.1/extract.xlsx")])
    assert not file_page.accepts_mime(mime)


def test_drop_event_accepted(qtbot: QtBot, file_page: FilePage, extract: Path) -> None:
    mime = file_mime(extract)
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(file_page.file_checked, timeout=TIMEOUT_MS):
        file_page.dropEvent(event)
    assert event.isAccepted()
    assert file_page.path == extract


def test_wizard_forwards_drop(qtbot: QtBot, wizard: FirstRunWizard, extract: Path) -> None:
    wizard.municipality_page.search.setText(LAHTI)
    wizard.next()
    wizard.entity_page.rows[0].business_id.setText(MUNICIPALITY_BUSINESS_ID)
    wizard.next()
    mime = file_mime(extract)
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(wizard.file_page.file_checked, timeout=TIMEOUT_MS):
        wizard.dropEvent(event)
    assert wizard.file_page.path == extract


# ------------------------------------------------------------------ import and report


def test_wizard_import_completes(
    qtbot: QtBot, wizard: FirstRunWizard, extract: Path, db: Path
) -> None:
    fill_in(wizard, qtbot, extract)
    with qtbot.waitSignal(wizard.import_page.import_finished, timeout=TIMEOUT_MS):
        wizard.next()
    assert wizard.currentId() == PageId.REPORT
    assert isinstance(wizard.report, ImportReport)
    assert isinstance(wizard.report_page.report_widget, ImportReportWidget)


def test_wizard_import_stores_group(
    qtbot: QtBot, wizard: FirstRunWizard, extract: Path, db: Path
) -> None:
    fill_in(wizard, qtbot, extract)
    with qtbot.waitSignal(wizard.import_page.import_finished, timeout=TIMEOUT_MS):
        wizard.next()
    home, entities = stored_group(db)
    assert home == LAHTI
    assert entities == [
        (MUNICIPALITY_BUSINESS_ID, "Lahden kaupunki"),
        (COMPANY_BUSINESS_ID, "Asunto Oy Kuvitelma"),
    ]


def test_wizard_only_home_filters(
    qtbot: QtBot, wizard: FirstRunWizard, extract: Path, db: Path
) -> None:
    fill_in(wizard, qtbot, extract, only_home=True)
    with qtbot.waitSignal(wizard.import_page.import_finished, timeout=TIMEOUT_MS) as finished:
        wizard.next()
    (file_report,) = finished.args[0].files
    assert file_report.filtered_out == 1


def test_wizard_report_no_back(
    qtbot: QtBot, wizard: FirstRunWizard, extract: Path, db: Path
) -> None:
    fill_in(wizard, qtbot, extract)
    with qtbot.waitSignal(wizard.import_page.import_finished, timeout=TIMEOUT_MS):
        wizard.next()
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()


def test_wizard_finish_accepts(
    qtbot: QtBot, wizard: FirstRunWizard, extract: Path, db: Path
) -> None:
    fill_in(wizard, qtbot, extract)
    with qtbot.waitSignal(wizard.import_page.import_finished, timeout=TIMEOUT_MS):
        wizard.next()
    with qtbot.waitSignal(wizard.finished) as finished:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert finished.args == [QDialog.DialogCode.Accepted.value]


def test_wizard_cancel_writes_nothing(
    qtbot: QtBot, wizard: FirstRunWizard, large_open_file: Path, db: Path
) -> None:
    fill_in(wizard, qtbot, large_open_file, only_home=False)
    page = wizard.import_page
    with qtbot.waitSignal(page.import_progressed, timeout=TIMEOUT_MS):
        wizard.next()
    assert page.running
    with qtbot.waitSignal(page.import_cancelled, timeout=TIMEOUT_MS):
        page.cancel_button.click()
    assert not db.exists()
    assert page.stage.text() == "The import was cancelled. The database was not changed."


def test_wizard_cancel_offers_retry(
    qtbot: QtBot, wizard: FirstRunWizard, large_open_file: Path, db: Path
) -> None:
    fill_in(wizard, qtbot, large_open_file, only_home=False)
    page = wizard.import_page
    with qtbot.waitSignal(page.import_progressed, timeout=TIMEOUT_MS):
        wizard.next()
    with qtbot.waitSignal(page.import_cancelled, timeout=TIMEOUT_MS):
        page.cancel_button.click()
    assert page.retry_button.isVisible()
    assert wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert wizard.currentId() == PageId.IMPORT


def test_wizard_back_disabled_while_importing(
    qtbot: QtBot, wizard: FirstRunWizard, large_open_file: Path
) -> None:
    fill_in(wizard, qtbot, large_open_file, only_home=False)
    page = wizard.import_page
    with qtbot.waitSignal(page.import_progressed, timeout=TIMEOUT_MS):
        wizard.next()
    back_enabled = wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    with qtbot.waitSignal(page.import_cancelled, timeout=TIMEOUT_MS):
        page.cancel_button.click()
    assert not back_enabled


def test_wizard_close_cancels_first(
    qtbot: QtBot, wizard: FirstRunWizard, large_open_file: Path, db: Path
) -> None:
    fill_in(wizard, qtbot, large_open_file, only_home=False)
    with qtbot.waitSignal(wizard.import_page.import_progressed, timeout=TIMEOUT_MS):
        wizard.next()
    with qtbot.waitSignal(wizard.finished, timeout=TIMEOUT_MS) as finished:
        wizard.close()
        assert wizard.isVisible()
    assert finished.args == [QDialog.DialogCode.Rejected.value]
    assert not db.exists()


def test_wizard_failed_import_retry(
    qtbot: QtBot, wizard: FirstRunWizard, tmp_path: Path, db: Path
) -> None:
    extract = write_extract(tmp_path / "extract.xlsx", sample_buildings())
    fill_in(wizard, qtbot, extract)
    extract.unlink()
    page = wizard.import_page
    with qtbot.waitSignal(page.import_failed, timeout=TIMEOUT_MS):
        wizard.next()
    assert page.problem.text.text() == f"The file {extract} was not found."
    assert not db.exists()

    write_extract(extract, sample_buildings())
    with qtbot.waitSignal(page.import_finished, timeout=TIMEOUT_MS):
        page.retry_button.click()
    assert wizard.currentId() == PageId.REPORT

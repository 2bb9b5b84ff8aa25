"""The first-run wizard: home municipality, group entities, register file, import, report.

``tilaapp`` shows it when there is no database yet. The import creates the database, so
the wizard finishes with ``report`` set exactly when the database exists.
"""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCollator, QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from tilaapp.domain.fields import Source
from tilaapp.domain.formatting import format_decimal
from tilaapp.domain.identifiers import check_business_id, normalise_business_id
from tilaapp.domain.municipalities import (
    Municipality,
    fold_for_search,
    municipality,
    municipality_name,
    search_municipalities,
)
from tilaapp.i18n import current_language, ngettext, pgettext
from tilaapp.i18n import gettext as _
from tilaapp.services.importing import ImportOptions, ImportReport
from tilaapp.services.portfolio_edit import HOLDER_NAME_MAX_LENGTH
from tilaapp.sources.detect import open_readers, supported_formats_text
from tilaapp.sources.records import FileRejected
from tilaapp.ui.app import qt_locale
from tilaapp.ui.errors import user_message
from tilaapp.ui.import_report import ImportReportWidget, comfortable_size
from tilaapp.ui.import_run import ImportRun, import_error_message
from tilaapp.ui.tasks import Worker

log = logging.getLogger(__name__)

# A business ID has nine characters. A message about a shorter text waits until the
# field loses focus, so that typing is not interrupted.
BUSINESS_ID_LENGTH = 9


class PageId(enum.IntEnum):
    MUNICIPALITY = 0
    ENTITIES = 1
    FILE = 2
    IMPORT = 3
    REPORT = 4


class ProblemLabel(QWidget):
    """A warning icon and a wrapped sentence, hidden while there is no problem."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QLabel(self)
        size = self.fontMetrics().height()
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.icon.setPixmap(warning.pixmap(size, size))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.hide()

    def set_problem(self, text: str | None) -> None:
        self.text.setText(text or "")
        self.setVisible(bool(text))


def _home_code(page: QWizardPage) -> str | None:
    """Return the home municipality chosen on the wizard's first page, or None."""
    wizard = page.wizard()
    if isinstance(wizard, FirstRunWizard):
        return wizard.municipality_page.selected_code()
    return None


def _wrapped_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


# ---------------------------------------------------------------- home municipality


def municipality_label(found: Municipality, language: str) -> str:
    """Return "Parainen – Pargas (445)", the name of ``language`` first."""
    if language == "sv":
        first, second = found.name_sv, found.name_fi
    else:
        first, second = found.name_fi, found.name_sv
    names = first if first == second else f"{first} – {second}"
    return f"{names} ({found.code})"


def find_municipalities(text: str, language: str) -> list[Municipality]:
    """Return the municipalities that match ``text`` by name or code, in display order.

    Digits match codes and keep code order. Names that start with the text come first,
    then names that contain it, each group in ``QCollator`` order of the labels.
    """
    found = search_municipalities(text, language)
    query = fold_for_search(text)
    if query.isascii() and query.isdigit():
        return found

    collator = QCollator(qt_locale(language))
    label_key = functools.cmp_to_key(collator.compare)
    ordered = sorted(found, key=lambda item: label_key(municipality_label(item, language)))
    return sorted(ordered, key=lambda item: not _name_starts_with(item, query))


def _name_starts_with(found: Municipality, folded_query: str) -> bool:
    names = (found.name_fi, found.name_sv, *found.search_names)
    return any(fold_for_search(name).startswith(folded_query) for name in names)


class MunicipalityPage(QWizardPage):
    """Chooses the home municipality from a list filtered by name or code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Home municipality"))
        self._code: str | None = None

        intro = _wrapped_label(
            _(
                "Choose the municipality whose buildings this inventory covers. Search by "
                "the Finnish or Swedish name or by the three-digit municipality code."
            ),
            self,
        )
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Name or code, such as Hartola or 081"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._fill_results)
        self.results = QListWidget(self)
        self.results.currentItemChanged.connect(self._on_current_item_changed)
        self.chosen = _wrapped_label("", self)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.chosen)
        self._fill_results("")

    def selected_code(self) -> str | None:
        return self._code

    def result_codes(self) -> list[str]:
        """Return the codes in the list, in the order shown."""
        return [
            str(self.results.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.results.count())
        ]

    def select_code(self, code: str) -> None:
        """Make ``code`` the chosen municipality, whether or not the list shows it."""
        if municipality(code) is None:
            raise ValueError(f"unknown municipality code {code!r}")
        self._set_code(code)

    def isComplete(self) -> bool:
        return self._code is not None

    def _fill_results(self, text: str) -> None:
        language = current_language()
        self.results.blockSignals(True)
        self.results.clear()
        for found in find_municipalities(text, language):
            item = QListWidgetItem(municipality_label(found, language), self.results)
            item.setData(Qt.ItemDataRole.UserRole, found.code)
            if found.code == self._code:
                self.results.setCurrentItem(item)
        self.results.blockSignals(False)
        if self.results.count() == 1 and text.strip():
            self.results.setCurrentRow(0)

    def _on_current_item_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self._set_code(str(current.data(Qt.ItemDataRole.UserRole)))

    def _set_code(self, code: str) -> None:
        self._code = code
        found = municipality(code)
        label = municipality_label(found, current_language()) if found else code
        self.chosen.setText(_("Home municipality: {municipality}").format(municipality=label))
        self.completeChanged.emit()


# ---------------------------------------------------------------- group entities


def business_id_problem(text: str, earlier: Sequence[str] = ()) -> str | None:
    """Return why ``text`` is not a usable business ID, or None when it is one.

    ``earlier`` are the business IDs given above it, which it must not repeat.
    """
    try:
        normalised = normalise_business_id(text)
    except ValueError:
        normalised = None
    if normalised is None or not check_business_id(normalised):
        return _(
            "{value} is not a valid business ID. Enter seven digits, a hyphen and the "
            "check digit, such as 1234567-1."
        ).format(value=text.strip())
    if normalised in earlier:
        return _("Business ID {business_id} is already on the list.").format(business_id=normalised)
    return None


class EntityRow:
    """The widgets of one entity: business ID, optional name and the inline problem."""

    def __init__(self, page: EntityPage, *, is_municipality: bool) -> None:
        self.is_municipality = is_municipality
        if is_municipality:
            label = pgettext("group entity", "Municipality")
        else:
            label = pgettext("group entity", "Other entity")
        self.label = QLabel(label, page)
        self.business_id = QLineEdit(page)
        self.business_id.setPlaceholderText(_("Business ID, such as 1234567-1"))
        self.name = QLineEdit(page)
        self.name.setMaxLength(HOLDER_NAME_MAX_LENGTH)
        self.problem = ProblemLabel(page)
        self.remove_button: QPushButton | None = None
        if not is_municipality:
            self.remove_button = QPushButton(_("Remove"), page)

    def widgets(self) -> list[QWidget]:
        items: list[QWidget] = [self.label, self.business_id, self.name, self.problem]
        if self.remove_button is not None:
            items.append(self.remove_button)
        return items

    def text(self) -> str:
        return self.business_id.text().strip()


class EntityPage(QWizardPage):
    """The business IDs of the municipal group's entities, the municipality's own first.

    Buildings owned by these entities join the portfolio when the register file is
    imported.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Municipal group"))
        self.rows: list[EntityRow] = []
        self._shown_problems: set[int] = set()

        intro = _wrapped_label(
            _(
                "Enter the business ID of the municipality and of each joint municipal "
                "authority and subsidiary whose buildings belong to the inventory. "
                "Buildings that these entities own join the portfolio when the register "
                "file is imported. The Business Information System (ytj.fi) lists the "
                "business IDs."
            ),
            self,
        )
        self.grid = QGridLayout()
        self.grid.setColumnStretch(1, 2)
        self.grid.setColumnStretch(2, 3)
        self.grid.addWidget(QLabel(_("Business ID"), self), 0, 1)
        self.grid.addWidget(QLabel(_("Name (optional)"), self), 0, 2)
        grid_widget = QWidget(self)
        grid_widget.setLayout(self.grid)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(grid_widget)
        self.add_button = QPushButton(_("Add an entity"), self)
        self.add_button.clicked.connect(lambda: self.add_row())

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.add_row()

    def initializePage(self) -> None:
        code = _home_code(self)
        if code is not None:
            self.rows[0].name.setPlaceholderText(municipality_name(code))

    def add_row(self, business_id: str = "", name: str = "") -> EntityRow:
        row = EntityRow(self, is_municipality=not self.rows)
        row.business_id.setText(business_id)
        row.name.setText(name)
        row.business_id.textChanged.connect(self._on_changed)
        row.business_id.editingFinished.connect(lambda: self._show_problem(row))
        if row.remove_button is not None:
            row.remove_button.clicked.connect(lambda: self.remove_row(row))
        self.rows.append(row)
        self._place_rows()
        self._on_changed()
        if business_id:
            self._show_problem(row)
        return row

    def remove_row(self, row: EntityRow) -> None:
        if row.is_municipality:
            raise ValueError("the municipality's own row cannot be removed")
        self.rows.remove(row)
        for widget in row.widgets():
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self._shown_problems.discard(id(row))
        self._place_rows()
        self._on_changed()

    def business_ids(self) -> tuple[str, ...]:
        """Return the valid business IDs in the order given, skipping empty rows."""
        return tuple(row.text() for row in self.rows if row.text() and self._problem(row) is None)

    def entity_names(self) -> dict[str, str]:
        return {row.text(): row.name.text().strip() for row in self.rows if row.name.text().strip()}

    def problem_text(self, row: EntityRow) -> str | None:
        """Return the problem shown under ``row``, or None."""
        return row.problem.text.text() if row.problem.isVisibleTo(self) else None

    def isComplete(self) -> bool:
        if not self.rows[0].text():
            return False
        return all(self._problem(row) is None for row in self.rows if row.text())

    def _place_rows(self) -> None:
        for index, row in enumerate(self.rows):
            line = 1 + index * 2
            self.grid.addWidget(row.label, line, 0)
            self.grid.addWidget(row.business_id, line, 1)
            self.grid.addWidget(row.name, line, 2)
            if row.remove_button is not None:
                self.grid.addWidget(row.remove_button, line, 3)
            self.grid.addWidget(row.problem, line + 1, 1, 1, 3)
        self.grid.setRowStretch(1 + len(self.rows) * 2, 1)

    def _problem(self, row: EntityRow) -> str | None:
        position = self.rows.index(row)
        earlier = [other.text() for other in self.rows[:position] if other.text()]
        return business_id_problem(row.text(), earlier) if row.text() else None

    def _on_changed(self) -> None:
        for row in self.rows:
            if len(row.text()) >= BUSINESS_ID_LENGTH or id(row) in self._shown_problems:
                self._show_problem(row)
        self.completeChanged.emit()

    def _show_problem(self, row: EntityRow) -> None:
        if row not in self.rows:
            return
        problem = self._problem(row)
        row.problem.set_problem(problem)
        if problem:
            self._shown_problems.add(id(row))
        else:
            self._shown_problems.discard(id(row))


# ---------------------------------------------------------------- register file


@dataclass(frozen=True)
class FileCheck:
    """The outcome of checking one file: its format, or why it cannot be imported."""

    path: Path
    source: Source | None
    problem: str | None


def check_register_file(path: Path) -> FileCheck:
    """Detect the format of ``path`` and run the reader's file checks, as the import does.

    Reads the file, so it runs on the worker thread.
    """
    try:
        groups, rejections = open_readers([path], municipalities=None)
        if rejections:
            raise rejections[0]
        (group,) = groups
        group.reader.check()
    except FileRejected as rejection:
        return FileCheck(path, None, rejection.message())
    except OSError as error:
        return FileCheck(path, None, user_message(error))
    return FileCheck(path, group.source, None)


def format_name(source: Source) -> str:
    names = {
        Source.DVV_EXTRACT: _("DVV building extract workbook"),
        Source.DVV_OPEN: _("DVV open address file"),
        Source.RYHTI: _("Ryhti open building data"),
    }
    return names[source]


def local_file(mime: QMimeData) -> Path | None:
    """Return the one local file that ``mime`` carries, or None."""
    if not mime.hasUrls():
        return None
    urls = mime.urls()
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    return Path(urls[0].toLocalFile())


class FilePage(QWizardPage):
    """Chooses the register file by a file dialog or by dropping it on the window.

    The file is checked on the worker as soon as it is chosen, and ``file_checked`` follows.
    """

    file_checked = Signal()

    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Register file"))
        self.setAcceptDrops(True)
        self._worker = worker
        self.path: Path | None = None
        self.check: FileCheck | None = None

        intro = _wrapped_label(
            _(
                "Choose the building register file to import, or drag it onto this window. "
                "Supported formats: {formats}."
            ).format(formats=supported_formats_text()),
            self,
        )
        self.choose_button = QPushButton(_("Choose a file…"), self)
        self.choose_button.clicked.connect(self.choose_file)
        self.file_label = _wrapped_label(_("No file chosen."), self)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.format_label = _wrapped_label("", self)
        self.problem = ProblemLabel(self)
        self.only_home = QCheckBox(self)
        self.only_home.setChecked(True)
        self.only_home.toggled.connect(self.completeChanged)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        chooser = QHBoxLayout()
        chooser.addWidget(self.choose_button)
        chooser.addWidget(self.file_label, 1)
        layout.addLayout(chooser)
        layout.addWidget(self.format_label)
        layout.addWidget(self.problem)
        layout.addSpacing(self.fontMetrics().height())
        layout.addWidget(self.only_home)
        layout.addStretch(1)

    def initializePage(self) -> None:
        code = _home_code(self)
        name = municipality_name(code) if code else _("the home municipality")
        self.only_home.setText(
            _("Import only the buildings located in {municipality}").format(municipality=name)
        )

    def isComplete(self) -> bool:
        return self.check is not None and self.check.source is not None

    def choose_file(self) -> None:
        start = str(self.path.parent if self.path else Path.home())
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose a register file"), start)
        if path:
            self.set_file(Path(path))

    def set_file(self, path: Path) -> None:
        """Show ``path`` and check it on the worker."""
        self.path = path
        self.check = None
        self.file_label.setText(str(path))
        self.format_label.setText(_("Checking the file…"))
        self.problem.set_problem(None)
        self.completeChanged.emit()
        self._worker.submit(
            "check register file",
            lambda _context: check_register_file(path),
            done=self._on_checked,
            failed=self._on_check_failed,
        )

    def accepts_mime(self, mime: QMimeData) -> bool:
        return local_file(mime) is not None

    def drop_mime(self, mime: QMimeData) -> bool:
        """Take the file that ``mime`` carries, or return False when it carries none."""
        path = local_file(mime)
        if path is None:
            return False
        self.set_file(path)
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.accepts_mime(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.accepts_mime(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.drop_mime(event.mimeData()):
            event.acceptProposedAction()

    def _on_checked(self, check: FileCheck) -> None:
        if check.path != self.path:
            return
        self.check = check
        if check.source is not None:
            self.format_label.setText(
                _("Format: {format}.").format(format=format_name(check.source))
            )
        else:
            self.format_label.setText(_("This file cannot be imported."))
        self.problem.set_problem(check.problem)
        self.completeChanged.emit()
        self.file_checked.emit()

    def _on_check_failed(self, error: BaseException) -> None:
        self.format_label.setText(_("This file cannot be imported."))
        self.problem.set_problem(import_error_message(error))
        self.completeChanged.emit()
        self.file_checked.emit()


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportRequest:
    paths: tuple[Path, ...]
    options: ImportOptions
    entity_names: dict[str, str]


class ImportPage(QWizardPage):
    """Runs the import with a progress bar and a Cancel button.

    Signals, on the GUI thread:
        import_progressed(text, count): as ``ImportRun.progressed``.
        import_finished(report), import_cancelled(), import_failed(error): how it ended.
        running_changed(running): an import started or ended.
    """

    import_progressed = Signal(str, int)
    import_finished = Signal(object)
    import_cancelled = Signal()
    import_failed = Signal(object)
    running_changed = Signal(bool)

    def __init__(
        self,
        database_path: Path,
        worker: Worker,
        request: Callable[[], ImportRequest],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setTitle(_("Import"))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Show the report"))
        self.database_path = database_path
        self._worker = worker
        self._request = request
        self.run: ImportRun | None = None
        self.report: ImportReport | None = None

        self.stage = _wrapped_label("", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton(_("Cancel the import"), self)
        self.cancel_button.clicked.connect(self.cancel_import)
        self.outcome = _wrapped_label("", self)
        self.problem = ProblemLabel(self)
        self.retry_button = QPushButton(_("Try again"), self)
        self.retry_button.clicked.connect(self.start_import)
        self.retry_button.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(self.stage)
        layout.addWidget(self.progress)
        layout.addWidget(self.problem)
        layout.addWidget(self.outcome)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)

    @property
    def running(self) -> bool:
        return self.run is not None

    def initializePage(self) -> None:
        self.start_import()

    def isComplete(self) -> bool:
        return self.report is not None

    def start_import(self) -> None:
        if self.run is not None or self.report is not None:
            return
        request = self._request()
        names = ", ".join(path.name for path in request.paths)
        self.stage.setText(_("Starting the import of {file}…").format(file=names))
        self.outcome.clear()
        self.problem.set_problem(None)
        self._show_running(True)

        self.run = ImportRun(
            self._worker,
            self.database_path,
            request.paths,
            request.options,
            entity_names=request.entity_names,
            parent=self,
        )
        self.run.progressed.connect(self._on_progressed)
        self.run.finished.connect(self._on_finished)
        self.run.cancelled.connect(self._on_cancelled)
        self.run.failed.connect(self._on_failed)
        self.run.start()
        self.running_changed.emit(True)

    def cancel_import(self) -> None:
        """Ask the running import to stop. ``import_cancelled`` follows when it has stopped."""
        if self.run is None:
            return
        self.cancel_button.setEnabled(False)
        self.stage.setText(_("Cancelling the import…"))
        self.run.cancel()

    def _show_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.retry_button.setVisible(not running and self.report is None)

    def _on_progressed(self, text: str, count: int) -> None:
        if self.run is None or not self.cancel_button.isEnabled():
            return
        self.stage.setText(
            ngettext(
                "Reading {file}: {count} building so far.",
                "Reading {file}: {count} buildings so far.",
                count,
            ).format(file=text, count=format_decimal(count))
        )
        self.import_progressed.emit(text, count)

    def _on_finished(self, report: ImportReport) -> None:
        self.report = report
        self._stopped()
        self.stage.setText(_("The import is complete."))
        self.completeChanged.emit()
        self.import_finished.emit(report)

    def _on_cancelled(self) -> None:
        self._stopped()
        self.stage.setText(_("The import was cancelled. The database was not changed."))
        self.outcome.setText(_("You can try again, or go back and change your choices."))
        self.import_cancelled.emit()

    def _on_failed(self, error: BaseException) -> None:
        self._stopped()
        self.stage.setText(_("The import failed. The database was not changed."))
        self.problem.set_problem(import_error_message(error))
        self.outcome.setText(_("You can try again, or go back and choose another file."))
        self.import_failed.emit(error)

    def _stopped(self) -> None:
        if self.run is not None:
            self.run.deleteLater()
        self.run = None
        self._show_running(False)
        self.running_changed.emit(False)


# ---------------------------------------------------------------- report


class ReportPage(QWizardPage):
    """Shows the ``ImportReportWidget`` of the finished import."""

    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Import report"))
        self._worker = worker
        self.report_widget: ImportReportWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def initializePage(self) -> None:
        wizard = self.wizard()
        report = wizard.report if isinstance(wizard, FirstRunWizard) else None
        if report is None or self.report_widget is not None:
            return
        self.report_widget = ImportReportWidget(report, self._worker, self)
        self._layout.addWidget(self.report_widget)
        wizard.resize(wizard.size().expandedTo(comfortable_size(wizard, 140, 40)))


# ---------------------------------------------------------------- wizard


class FirstRunWizard(QWizard):
    """Sets up a new database: home municipality, group entities and the first import.

    ``report`` is the ``ImportReport`` once the import has finished, and then the database
    at ``database_path`` exists. The wizard ends with ``Accepted`` exactly when it does:
    Finish on the report page, or closing during an import that completed before it
    could stop. Closing during an import cancels it and waits for the worker to report
    that it stopped.
    """

    def __init__(self, database_path: Path, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database_path = database_path
        self._worker = worker
        self._closing = False
        self.setWindowTitle(_("Set up tilaapp"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setAcceptDrops(True)

        self.municipality_page = MunicipalityPage(self)
        self.entity_page = EntityPage(self)
        self.file_page = FilePage(worker, self)
        self.import_page = ImportPage(database_path, worker, self.import_request, self)
        self.report_page = ReportPage(worker, self)
        self.setPage(PageId.MUNICIPALITY, self.municipality_page)
        self.setPage(PageId.ENTITIES, self.entity_page)
        self.setPage(PageId.FILE, self.file_page)
        self.setPage(PageId.IMPORT, self.import_page)
        self.setPage(PageId.REPORT, self.report_page)
        self.setStartId(PageId.MUNICIPALITY)

        self.import_page.running_changed.connect(self._on_running_changed)
        self.import_page.import_finished.connect(self._on_import_finished)
        self.import_page.import_cancelled.connect(self._on_import_stopped)
        self.import_page.import_failed.connect(self._on_import_stopped)
        self.resize(self.sizeHint().expandedTo(comfortable_size(self, 100, 32)))

    @property
    def report(self) -> ImportReport | None:
        return self.import_page.report

    def import_request(self) -> ImportRequest:
        """Return the import that the pages describe."""
        code = self.municipality_page.selected_code()
        path = self.file_page.path
        if code is None or path is None:
            raise RuntimeError("the import page was reached without a municipality or a file")
        only_home = self.file_page.only_home.isChecked()
        options = ImportOptions(
            home_municipality=code,
            municipalities=frozenset({code}) if only_home else None,
            owner_business_ids=self.entity_page.business_ids(),
        )
        return ImportRequest((path,), options, self.entity_page.entity_names())

    def reject(self) -> None:
        """Close the wizard. While an import runs, cancel it first and close when it has stopped."""
        if self.import_page.running:
            log.info("Wizard closed during the import: cancelling it first")
            self._closing = True
            self.button(QWizard.WizardButton.CancelButton).setEnabled(False)
            self.import_page.cancel_import()
            return
        super().reject()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.currentPage() is self.file_page:
            self.file_page.dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.currentPage() is self.file_page:
            self.file_page.dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if self.currentPage() is self.file_page:
            self.file_page.dropEvent(event)

    def _on_running_changed(self, running: bool) -> None:
        # Back from the import page leads to the file page. Making that page a commit
        # page while the import runs is how QWizard itself disables Back.
        self.file_page.setCommitPage(running)
        self.import_page.completeChanged.emit()

    def _on_import_finished(self, _report: ImportReport) -> None:
        if self._closing:
            QDialog.done(self, QDialog.DialogCode.Accepted)
            return
        if self.currentId() == PageId.IMPORT:
            self.next()

    def _on_import_stopped(self, _outcome: object = None) -> None:
        if self._closing:
            QDialog.reject(self)

"""Importing register files into the open database from the main window."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tilaapp.domain.codelists import code_name
from tilaapp.domain.formatting import format_decimal
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext, pgettext
from tilaapp.services.importing import ImportOptions, ImportReport
from tilaapp.storage.models import DatabaseInfo
from tilaapp.ui.import_report import ImportReportWidget
from tilaapp.ui.import_run import ImportRun, import_error_message
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)


class ImportDialog(QDialog):
    """Import files into the workspace's database on its worker, then show the report.

    The import runs after any edit queued before it, as one transaction: Cancel leaves
    the database as it was.
    """

    def __init__(
        self, workspace: Workspace, paths: list[Path], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.paths = paths
        self.report: ImportReport | None = None
        self.run: ImportRun | None = None
        self.setWindowTitle(_("Import a register file"))
        self._home = self._home_municipality()
        self._set_up_widgets()
        self._set_up_layout()

    def _home_municipality(self) -> str | None:
        with self.workspace.read_session() as session:
            info = session.get(DatabaseInfo, 1)
        return info.home_municipality_code if info is not None else None

    def _set_up_widgets(self) -> None:
        names = ", ".join(path.name for path in self.paths)
        self.files_label = QLabel(_("File: {names}").format(names=names), self)
        self.files_label.setWordWrap(True)
        self.only_home = QCheckBox(self)
        if self._home is not None:
            self.only_home.setText(
                _("Import only the buildings located in {municipality}").format(
                    municipality=code_name("municipality", self._home)
                )
            )
            self.only_home.setToolTip(
                _("A national file holds millions of buildings; this keeps your own.")
            )
        else:
            self.only_home.hide()
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0") * 70)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.buttons = QDialogButtonBox(self)
        self.start_button = QPushButton(pgettext("button", "Import"), self)
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)

    def _set_up_layout(self) -> None:
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.files_label)
        self.layout_.addWidget(self.only_home)
        self.layout_.addWidget(self.progress)
        self.layout_.addWidget(self.status_label)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.buttons)

    def _set_status(self, text: str) -> None:
        """Show ``text`` under the progress bar, growing the dialog to fit it."""
        self.status_label.setText(text)
        self.status_label.show()
        self.adjustSize()

    def options(self) -> ImportOptions:
        if self._home is not None and self.only_home.isChecked():
            return ImportOptions(municipalities=frozenset({self._home}))
        return ImportOptions()

    def start(self) -> None:
        self.run = ImportRun(
            self.workspace.worker,
            self.workspace.database_path,
            self.paths,
            self.options(),
            parent=self,
        )
        self.run.progressed.connect(self._on_run_progressed)
        self.run.finished.connect(self._on_run_finished)
        self.run.cancelled.connect(self._on_run_cancelled)
        self.run.failed.connect(self._on_run_failed)
        self.start_button.setEnabled(False)
        self.only_home.setEnabled(False)
        self.progress.show()
        self._set_status(_("Importing…"))
        self.run.start()

    def _on_run_progressed(self, text: str, count: int) -> None:
        message = ngettext("{file}: {count} building read", "{file}: {count} buildings read", count)
        self._set_status(message.format(file=text, count=format_decimal(count)))

    def _on_run_finished(self, report: ImportReport) -> None:
        self.report = report
        self.progress.hide()
        self.status_label.hide()
        self.only_home.hide()
        self.start_button.hide()
        self.cancel_button.setText(_("Close"))
        self.layout_.insertWidget(2, ImportReportWidget(report, self.workspace.worker, self), 1)
        self.resize(self.sizeHint().expandedTo(self.size()))
        self.workspace.workspace_reloaded()

    def _on_run_cancelled(self) -> None:
        self.progress.hide()
        self._set_status(_("The import was cancelled. The database was not changed."))
        self.start_button.setEnabled(True)
        self.only_home.setEnabled(True)
        self.cancel_button.setEnabled(True)

    def _on_run_failed(self, error: object) -> None:
        self.progress.hide()
        message = import_error_message(error) if isinstance(error, BaseException) else str(error)
        self._set_status(message)
        self.start_button.setEnabled(True)
        self.only_home.setEnabled(True)
        self.cancel_button.setEnabled(True)

    def _on_cancel_clicked(self) -> None:
        if self.run is not None and self.run.running:
            self.cancel_button.setEnabled(False)
            self._set_status(_("Cancelling…"))
            self.run.cancel()
            return
        self.accept() if self.report is not None else self.reject()

    def reject(self) -> None:
        # Closing while the import runs cancels it first; the dialog closes on cancelled().
        if self.run is not None and self.run.running:
            self._on_cancel_clicked()
            self.run.cancelled.connect(super().reject)
            return
        super().reject()

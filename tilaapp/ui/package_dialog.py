"""The dialog that checks the portfolio and writes an update package.

The checks run on the worker as soon as the dialog opens. Errors block the export and
warnings do not; double-clicking a finding opens its building in the main window. The
export runs on the worker too, with delayed progress and Cancel. Afterwards the dialog
shows the package's path and its identity (the SHA-256 of ``manifest.json``) in groups
of four, to read over the phone.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.services.package_export import PackageResult, export_package
from tilaapp.services.package_format import format_hash
from tilaapp.services.package_validation import Finding, validate_portfolio
from tilaapp.ui.errors import show_error
from tilaapp.ui.settings import Settings
from tilaapp.ui.tasks import DelayedProgress, TaskContext
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

FOLDER_KEY = "package/folder"
_BUILDING_ROLE = Qt.ItemDataRole.UserRole


class PackageExportDialog(QDialog):
    """Checks the portfolio, then writes the next update package into a chosen folder.

    Signals:
        building_activated(id): the user double-clicked, or pressed Enter on, a finding.
        exported(result): a package was written; ``result`` is its ``PackageResult``.
    """

    building_activated = Signal(int)
    exported = Signal(object)

    def __init__(self, workspace: Workspace, settings: Settings, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings
        self.findings: list[Finding] = []
        self.checked = False
        self.result_package: PackageResult | None = None
        self.setWindowTitle(_("Export an update package"))
        self._set_up_findings()
        self._set_up_folder()
        self._set_up_result()
        self._set_up_buttons()
        self._lay_out()
        self._update_export_button()
        self.resize(760, 520)
        self._start_checks()

    # Set-up.

    def _set_up_findings(self) -> None:
        self.status_label = QLabel(_("Checking the portfolio…"), self)
        self.status_label.setWordWrap(True)
        self.findings_tree = QTreeWidget(self)
        self.findings_tree.setRootIsDecorated(False)
        self.findings_tree.setHeaderLabels([_("Severity"), _("Building"), _("Finding")])
        self.findings_tree.setAlternatingRowColors(True)
        self.findings_tree.itemActivated.connect(self._on_findings_tree_item_activated)

    def _set_up_folder(self) -> None:
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setText(self.settings.text(FOLDER_KEY) or str(Path.home()))
        self.folder_edit.textChanged.connect(self._update_export_button)
        self.folder_button = QPushButton(_("Choose…"), self)
        self.folder_button.clicked.connect(self._on_folder_button_clicked)

    def _set_up_result(self) -> None:
        self.result_box = QGroupBox(_("Package written"), self)
        self.path_label = QLabel(self.result_box)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setWordWrap(True)
        explanation = QLabel(
            _(
                "Identity of the package (SHA-256 of manifest.json). Read it to the "
                "national premises centre over the phone, so they can compare it with theirs:"
            ),
            self.result_box,
        )
        explanation.setWordWrap(True)
        self.hash_label = QLabel(self.result_box)
        self.hash_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.hash_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hash_label.setWordWrap(True)
        self.copy_button = QPushButton(_("Copy"), self.result_box)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        hash_row = QHBoxLayout()
        hash_row.addWidget(self.hash_label, 1)
        hash_row.addWidget(self.copy_button)
        layout = QVBoxLayout(self.result_box)
        layout.addWidget(self.path_label)
        layout.addWidget(explanation)
        layout.addLayout(hash_row)
        self.result_box.hide()

    def _set_up_buttons(self) -> None:
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = self.buttons.addButton(
            _("Export"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.buttons.rejected.connect(self.reject)

    def _lay_out(self) -> None:
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel(_("Folder:"), self))
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(self.findings_tree, 1)
        layout.addLayout(folder_row)
        layout.addWidget(self.result_box)
        layout.addWidget(self.buttons)

    # Checks.

    def _start_checks(self) -> None:
        database = self.workspace.database

        def job(context: TaskContext) -> list[Finding]:
            with database.read_session() as session:
                return validate_portfolio(session, progress=context.report)

        task = self.workspace.worker.submit(
            "check the portfolio", job, done=self._show_findings, failed=self._on_failed
        )
        task.progressed.connect(self._on_check_progressed)

    def _on_check_progressed(self, done: int, total: int) -> None:
        self.status_label.setText(
            _("Checking the portfolio… {done} / {total}").format(done=done, total=total)
        )

    def _show_findings(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.checked = True
        self.findings_tree.clear()
        for finding in findings:
            self.findings_tree.addTopLevelItem(_finding_item(finding))
        for column in range(2):
            self.findings_tree.resizeColumnToContents(column)
        self.status_label.setText(_findings_summary(findings))
        self._update_export_button()

    @property
    def error_count(self) -> int:
        return sum(1 for finding in self.findings if finding.is_error)

    # Export.

    def _update_export_button(self) -> None:
        folder = self.folder_edit.text().strip()
        self.export_button.setEnabled(
            self.checked and self.error_count == 0 and bool(folder) and self.result_package is None
        )

    def _on_folder_button_clicked(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, _("Folder for the update package"), self.folder_edit.text()
        )
        if chosen:
            self.folder_edit.setText(chosen)

    def _on_export_button_clicked(self) -> None:
        self.export_to(Path(self.folder_edit.text().strip()))

    def export_to(self, folder: Path) -> None:
        """Write the package into ``folder`` on the worker, with progress and Cancel."""
        database = self.workspace.database
        self.settings.set_text(FOLDER_KEY, str(folder))
        self.export_button.setEnabled(False)

        def job(context: TaskContext) -> PackageResult:
            return export_package(
                database, folder, progress=context.report, is_cancelled=context.is_cancelled
            )

        task = self.workspace.worker.submit(
            "export package", job, done=self._show_result, failed=self._on_failed
        )
        self.progress = DelayedProgress(task, _("Writing the update package…"), self)

    def _show_result(self, result: PackageResult) -> None:
        self.result_package = result
        self.path_label.setText(
            ngettext(
                "Package number {sequence}, {count} building: {path}",
                "Package number {sequence}, {count} buildings: {path}",
                result.buildings,
            ).format(sequence=result.sequence, count=result.buildings, path=result.path)
        )
        self.hash_label.setText(format_hash(result.manifest_sha256))
        self.result_box.show()
        self._update_export_button()
        log.info("Package %s exported from the dialog", result.path)
        self.exported.emit(result)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.hash_label.text())

    def _on_failed(self, error: BaseException) -> None:
        self._update_export_button()
        show_error(self, error)

    def _on_findings_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        building_id = item.data(0, _BUILDING_ROLE)
        if isinstance(building_id, int):
            self.building_activated.emit(building_id)


def _finding_item(finding: Finding) -> QTreeWidgetItem:
    severity = _("Error") if finding.is_error else _("Warning")
    building = finding.permanent_building_identifier or _("id {id}").format(id=finding.building_id)
    item = QTreeWidgetItem([severity, building, finding.message])
    item.setData(0, _BUILDING_ROLE, finding.building_id)
    return item


def _findings_summary(findings: list[Finding]) -> str:
    errors = sum(1 for finding in findings if finding.is_error)
    warnings = len(findings) - errors
    if errors:
        return ngettext(
            "{count} error blocks the export. Double-click a line to open the building.",
            "{count} errors block the export. Double-click a line to open the building.",
            errors,
        ).format(count=errors)
    if warnings:
        return ngettext(
            "No errors. {count} warning does not block the export; double-click a line to "
            "open the building.",
            "No errors. {count} warnings do not block the export; double-click a line to "
            "open the building.",
            warnings,
        ).format(count=warnings)
    return _("No errors or warnings. The package can be exported.")

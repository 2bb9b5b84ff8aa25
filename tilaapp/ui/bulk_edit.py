"""Setting or clearing one field's own value for many buildings at once, as one undo step.

The dialog counts how many of the selected buildings the change would change, with
``EditService.preview_many``, and states that count again in a confirmation before it
writes. A few thousand buildings are counted on the GUI thread, where the count takes
well under 100 ms. Larger selections are counted on the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from tilaapp.domain.fields import FIELDS_BY_NAME
from tilaapp.domain.validation import EDITABLE_FIELDS
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.services.editing import EditService, EditStep, unique_ids
from tilaapp.services.queries import BuildingNotFound
from tilaapp.ui.editor import READ_ONLY_FIELDS
from tilaapp.ui.errors import user_message
from tilaapp.ui.field_widgets import (
    FieldInput,
    display_value,
    field_label,
    message_line,
    sorted_by_text,
)
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

# Selections up to this size are counted on the GUI thread; larger ones on the worker.
PREVIEW_ON_GUI_THREAD_MAX = 3000
# Room for about this many characters on a line of the dialog.
DIALOG_WIDTH_CHARACTERS = 64
# The count waits for a pause in typing.
PREVIEW_DELAY_MS = 250


class BulkEditDialog(QDialog):
    """Choose a field, enter one value (or clear the own value) and apply it to many buildings.

    Signals:
        preview_changed(count): the number of buildings that the change would change;
            -1 when no change can be counted (no field, invalid or missing value).
        applied(step): the change was written as one undoable ``EditStep``.
    """

    preview_changed = Signal(int)
    applied = Signal(object)

    def __init__(
        self, workspace: Workspace, building_ids: Sequence[int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.building_ids = unique_ids(building_ids)
        self.value_input: FieldInput | None = None
        self.preview_count: int | None = None
        self._preview_round = 0
        self._running = False

        self.setWindowTitle(_("Set a field for the selected buildings"))
        self._build()
        self.confirmation = self._make_confirmation()
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.update_preview()

    # Construction

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        # The dialog grows when a message appears under the value, so nothing is cut off.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * DIALOG_WIDTH_CHARACTERS)
        count = len(self.building_ids)
        intro = QLabel(
            ngettext(
                "Set one field of the {count} selected building.",
                "Set one field of the {count} selected buildings.",
                count,
            ).format(count=count),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.field_combo = self._make_field_combo()
        form.addRow(_("&Field:"), self.field_combo)
        layout.addLayout(form)

        self.set_radio = QRadioButton(_("&Set this own value:"), self)
        self.clear_radio = QRadioButton(
            _("&Remove the own value, so that the register value is in use again"), self
        )
        self.set_radio.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.set_radio)
        modes.addButton(self.clear_radio)
        self.set_radio.toggled.connect(self._on_mode_toggled)
        layout.addWidget(self.set_radio)

        self.input_area = QVBoxLayout()
        self.input_area.setContentsMargins(24, 0, 0, 0)
        layout.addLayout(self.input_area)
        self.message_widget, self.message_label = message_line(self)
        message_area = QVBoxLayout()
        message_area.setContentsMargins(24, 0, 0, 0)
        message_area.addWidget(self.message_widget)
        layout.addLayout(message_area)
        layout.addWidget(self.clear_radio)

        self.preview_label = QLabel(self)
        self.preview_label.setWordWrap(True)
        font = self.preview_label.font()
        font.setBold(True)
        self.preview_label.setFont(font)
        layout.addSpacing(self.fontMetrics().height())
        layout.addWidget(self.preview_label)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.apply_button = QPushButton(_("&Change…"), self)
        self.apply_button.setDefault(False)
        self.apply_button.setAutoDefault(False)
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        # Enter in the value's input ends the edit; it must not press a button.
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_("Cancel"))
        cancel.setAutoDefault(False)
        cancel.setDefault(False)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _make_field_combo(self) -> QComboBox:
        combo = QComboBox(self)
        items = sorted_by_text(
            [
                (field_label(FIELDS_BY_NAME[name]), name)
                for name in EDITABLE_FIELDS
                if name not in READ_ONLY_FIELDS
            ]
        )
        for text, name in items:
            combo.addItem(text, name)
        combo.setPlaceholderText(_("Choose a field"))
        combo.setCurrentIndex(-1)
        combo.setMaxVisibleItems(20)
        combo.currentIndexChanged.connect(self._on_field_changed)
        return combo

    def _make_confirmation(self) -> QMessageBox:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.windowTitle())
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(_("Change"))
        box.button(QMessageBox.StandardButton.Cancel).setText(_("Cancel"))
        return box

    # The field and its value

    @property
    def field(self) -> str | None:
        """The name of the chosen field, or None."""
        name = self.field_combo.currentData()
        return str(name) if name is not None else None

    def set_field(self, field: str) -> None:
        """Choose ``field``, as choosing it from the list does. Raises KeyError if not listed."""
        index = self.field_combo.findData(field)
        if index < 0:
            raise KeyError(field)
        self.field_combo.setCurrentIndex(index)

    @property
    def clears(self) -> bool:
        """Whether the dialog removes own values instead of setting one."""
        return self.clear_radio.isChecked()

    def _on_field_changed(self, _index: int) -> None:
        if self.value_input is not None:
            self.input_area.removeWidget(self.value_input)
            self.value_input.deleteLater()
            self.value_input = None

        field = self.field
        if field is not None:
            self.value_input = FieldInput(FIELDS_BY_NAME[field], self)
            self.value_input.show_value(None)
            self.value_input.edited.connect(self._on_value_edited)
            self.value_input.committed.connect(self._on_value_edited)
            self.value_input.setEnabled(self.set_radio.isChecked())
            self.input_area.addWidget(self.value_input)
        self.update_preview()

    def _on_mode_toggled(self, setting: bool) -> None:
        if self.value_input is not None:
            self.value_input.setEnabled(setting)
        self.update_preview()

    def _on_value_edited(self, *_args: Any) -> None:
        self.preview_count = None
        self.apply_button.setEnabled(False)
        self._preview_timer.start()

    def _value(self) -> tuple[bool, Any]:
        """Return whether a change can be made, and the value to store (None clears).

        Shows why no change can be made yet in the message line and the preview line.
        """
        self._hide_message()
        if self.field is None:
            self._show_preview_text(_("Choose the field to change."))
            return False, None
        if self.clears:
            return True, None

        assert self.value_input is not None
        result = self.value_input.current_result()
        if not result.ok:
            assert result.message is not None
            self._show_message(result.message)
            self._show_preview_text("")
            return False, None
        if result.value is None:
            self._show_preview_text(_("Enter the new value."))
            return False, None
        return True, result.value

    # The count of buildings that change

    def update_preview(self) -> None:
        """Count the buildings that the change would change, and show the count."""
        self._preview_timer.stop()
        self._preview_round += 1
        self.preview_count = None
        self.apply_button.setEnabled(False)

        ready, value = self._value()
        field = self.field
        if not ready or field is None:
            self.preview_changed.emit(-1)
            return

        edits = self.workspace.edits
        ids = self.building_ids
        preview_round = self._preview_round
        if len(ids) <= PREVIEW_ON_GUI_THREAD_MAX:
            try:
                count = edits.preview_many(ids, field, value)
            except BuildingNotFound as error:
                self._on_preview_failed(preview_round, error)
                return
            self._on_preview_counted(preview_round, count)
            return

        self._show_preview_text(_("Counting the buildings that would change…"))
        self.workspace.worker.submit(
            "preview bulk edit",
            lambda _context: _count_changes(edits, ids, field, value),
            done=lambda count: self._on_preview_counted(preview_round, count),
            failed=lambda error: self._on_preview_failed(preview_round, error),
        )

    def _on_preview_counted(self, preview_round: int, count: int) -> None:
        if preview_round != self._preview_round:
            return
        self.preview_count = count
        self._show_preview_text(self.preview_text(count))
        self.apply_button.setEnabled(count > 0 and not self._running)
        self.preview_changed.emit(count)

    def _on_preview_failed(self, preview_round: int, error: BaseException) -> None:
        if preview_round != self._preview_round:
            return
        log.info("Counting the buildings of a bulk edit failed: %r", error)
        self._show_message(user_message(error) or _("The buildings could not be counted."))
        self.preview_changed.emit(-1)

    def preview_text(self, count: int) -> str:
        """Return the line that states how many of the selected buildings would change."""
        total = len(self.building_ids)
        if count == 0 and self.clears:
            return ngettext(
                "Nothing to change: the selected building has no own value of this field.",
                "Nothing to change: none of the {total} selected buildings has an own value "
                "of this field.",
                total,
            ).format(total=total)
        if count == 0:
            return ngettext(
                "Nothing to change: the selected building already has this value.",
                "Nothing to change: all {total} selected buildings already have this value.",
                total,
            ).format(total=total)
        return ngettext(
            "{count} of the {total} selected building will change.",
            "{count} of the {total} selected buildings will change.",
            total,
        ).format(count=count, total=total)

    def _show_preview_text(self, text: str) -> None:
        self.preview_label.setText(text)

    def _show_message(self, message: str) -> None:
        self.message_label.setText(message)
        self.message_widget.setVisible(True)
        if self.value_input is not None:
            self.value_input.set_message(message)
        # After the event loop has laid out the new text.
        QTimer.singleShot(0, self._grow_to_fit)

    def _grow_to_fit(self) -> None:
        """Grow the dialog when a wrapped message needs more lines than it has room for."""
        layout = self.layout()
        assert layout is not None
        layout.activate()
        needed = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        if needed > self.height():
            self.resize(self.width(), needed)

    def _hide_message(self) -> None:
        self.message_label.clear()
        self.message_widget.setVisible(False)
        if self.value_input is not None and self.value_input.message is not None:
            self.value_input.set_message(None)

    @property
    def message(self) -> str | None:
        """The message shown under the value, or None."""
        return None if self.message_widget.isHidden() else self.message_label.text()

    # Applying the change

    def confirmation_text(self, count: int) -> str:
        """Return the question that states what changes in how many buildings."""
        field = self.field
        assert field is not None
        spec = FIELDS_BY_NAME[field]
        if self.clears:
            question = ngettext(
                "Remove the own value from {count} building?",
                "Remove the own value from {count} buildings?",
                count,
            ).format(count=count)
            change = _("{field}: the register value is in use again.").format(
                field=field_label(spec)
            )
        else:
            assert self.value_input is not None
            question = ngettext(
                "Change {count} building?", "Change {count} buildings?", count
            ).format(count=count)
            value = display_value(spec, self.value_input.current_result().value)
            change = _("{field}: {value}").format(field=field_label(spec), value=value)
        undo = _("Undo reverts the whole change in one step.")
        return f"{question}\n\n{change}\n\n{undo}"

    def apply(self) -> None:
        """Ask for confirmation with the count of buildings, then write the change."""
        if self.preview_count is None:
            self.update_preview()
        count = self.preview_count
        field = self.field
        if count is None or count == 0 or field is None or self._running:
            return
        ready, value = self._value()
        if not ready:
            return

        self.confirmation.setText(self.confirmation_text(count))
        if self.confirmation.exec() != QMessageBox.StandardButton.Yes:
            return
        self._write(field, value)

    def _write(self, field: str, value: Any) -> None:
        edits = self.workspace.edits
        ids = self.building_ids
        self._set_running(True)
        log.info("Bulk edit of field %s for %d buildings", field, len(ids))
        self.workspace.write_step(
            "bulk edit",
            lambda: edits.set_value_for_many(ids, field, value),
            done=self._on_written,
            failed=self._on_write_failed,
        )

    def _set_running(self, running: bool) -> None:
        self._running = running
        for widget in (self.field_combo, self.set_radio, self.clear_radio, self.apply_button):
            widget.setEnabled(not running)
        if self.value_input is not None:
            self.value_input.setEnabled(not running and self.set_radio.isChecked())
        if running:
            self._show_preview_text(_("Saving…"))

    def _on_written(self, step: EditStep | None) -> None:
        self._set_running(False)
        self.applied.emit(step)
        self.accept()

    def _on_write_failed(self, error: BaseException) -> None:
        self._set_running(False)
        message = user_message(error)
        if message is None:
            log.error("Bulk edit failed", exc_info=error)
            message = _("The change could not be saved. Try again; the log file tells more.")
        self._show_message(message)
        self.update_preview()


def _count_changes(edits: EditService, ids: Sequence[int], field: str, value: Any) -> int:
    return edits.preview_many(ids, field, value)

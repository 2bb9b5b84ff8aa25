"""One editor row per field: the input, the register value, which value is in use, and checks.

``FieldInput`` is the input alone, suited to the kind of field: a text line, a
multi-line box for notes, or a choice for codes, yes/no and the condition class. Numbers
and dates are typed as the chosen language writes them and read with
``tilaapp.domain.validation.parse_local_input``. The input reports a finished edit with
``committed`` only when the text is valid and differs from the value shown. Invalid
text stays in the input with its message.

``FieldRow`` adds the label, the register value with its source, and the message of a
rejected input. Its marker shows whether the register value or the municipality's own
value is in use, and its button returns to the register value.
"""

from __future__ import annotations

import functools
import logging
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QCollator, QLocale, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)

from tilaapp.domain.codelists import (
    LISTS_WITHOUT_PUBLISHED_CODES,
    MUNICIPALITY,
    STRATEGY,
    code_name,
    list_codes,
    lookup_code,
    map_dvv_to_ryhti,
)
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import LOCAL, FieldKind, FieldSpec
from tilaapp.domain.formatting import (
    format_date,
    format_decimal,
    format_money,
    format_partial_date,
    format_timestamp,
)
from tilaapp.domain.identifiers import format_property_identifier
from tilaapp.domain.indicators import CONDITION_CLASS_NAMES
from tilaapp.domain.validation import (
    DECIMAL_RANGES,
    INTEGER_RANGES,
    NOTES_FIELD,
    YEAR_FIELDS,
    ValidationResult,
    is_editable,
    parse_local_input,
)
from tilaapp.i18n import current_language, pgettext
from tilaapp.i18n import gettext as _
from tilaapp.services.building_view import FieldState, RegisterSourceValue

log = logging.getLogger(__name__)

QT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}

# Integer fields with at most this many allowed values get a choice instead of a text line.
CHOICE_INTEGER_VALUES_MAX = 10

EMPTY_TEXT = "–"

# Lists whose codes are English words (``keep``), not numbers: only their names are shown.
CODE_LISTS_SHOWN_BY_NAME = frozenset({STRATEGY})

# Columns of the grid that FieldRow.add_to_grid fills.
GRID_COLUMNS = 3

# Values of FieldRow.marker_kind.
MARKER_REGISTER = "register"
MARKER_LOCAL = "local"
MARKER_NONE = "none"

# The marker's colours are translucent, so they read on light and dark palettes alike.
_MARKER_STYLES = {
    MARKER_REGISTER: (
        "QLabel { background: rgba(128, 128, 128, 0.16); border: 1px solid rgba(128, 128, "
        "128, 0.55); border-radius: 4px; padding: 1px 6px; }"
    ),
    MARKER_LOCAL: (
        "QLabel { background: rgba(30, 136, 229, 0.18); border: 1px solid rgba(30, 136, "
        "229, 0.75); border-radius: 4px; padding: 1px 6px; font-weight: bold; }"
    ),
    MARKER_NONE: "",
}
ERROR_COLOUR = "#c62828"
# A style sheet applies to its widget and the widget's children, and an input has no
# children of these classes, so the rule marks the input alone.
_INVALID_STYLE = (
    f"QLineEdit, QPlainTextEdit, QComboBox {{ border: 2px solid {ERROR_COLOUR}; "
    "border-radius: 3px; }"
)


# Text of values, as the chosen language writes them


def language_collator(language: str | None = None) -> QCollator:
    """Return a case-insensitive collator for the chosen language (å, ä, ö last in Finnish)."""
    locale = QLocale(QT_LOCALES.get(language or current_language(), "en_GB"))
    collator = QCollator(locale)
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return collator


def sorted_by_text(items: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Return ``(text, data)`` pairs in the chosen language's order of their texts."""
    collator = language_collator()
    key = functools.cmp_to_key(collator.compare)
    return sorted(items, key=lambda item: key(item[0]))


def source_name(source: str) -> str:
    """Return the translated name of a register source, or of the local value."""
    names = {
        "dvv_extract": _("DVV building extract"),
        "ryhti": _("Ryhti open data"),
        "dvv_open": _("DVV open address file"),
        LOCAL: _("local value"),
    }
    return names.get(source, source)


def field_label(spec: FieldSpec) -> str:
    return _(spec.label)


def field_unit(spec: FieldSpec) -> str:
    """Return the unit of a number field (``m²``, ``€``), or an empty text."""
    if spec.kind is FieldKind.MONEY:
        return "€"
    allowed = DECIMAL_RANGES.get(spec.name)
    return allowed.unit if allowed is not None else ""


def local_code_list(spec: FieldSpec) -> str | None:
    return spec.code_lists.get(LOCAL)


def code_text(list_id: str | None, code: str) -> str:
    """Return a code and its name in the chosen language, such as ``0110 Omakotitalot``."""
    if list_id is None:
        return code
    try:
        known = lookup_code(list_id, code) is not None
        name = code_name(list_id, code)
    except KeyError:
        log.warning("Code list %s is not known; showing code %s without a name", list_id, code)
        return code
    # code_name already names an unknown code: "code 20, no name".
    if not known or list_id in CODE_LISTS_SHOWN_BY_NAME:
        return name
    return f"{code} {name}"


def yes_no_text(value: bool) -> str:
    return _("Yes") if value else _("No")


def display_value(spec: FieldSpec, value: Any, code_list: str | None = None) -> str:
    """Return a typed value as the user reads it, with its unit; ``–`` for no value.

    ``code_list`` names the list of a code; by default the field's local list.
    """
    if value is None:
        return EMPTY_TEXT
    if isinstance(value, bool):
        return yes_no_text(value)
    if spec.kind is FieldKind.CODE:
        return code_text(code_list or local_code_list(spec), str(value))
    if spec.kind is FieldKind.MONEY:
        return format_money(value)

    text = input_text(spec, value)
    unit = field_unit(spec)
    return f"{text}\u00a0{unit}" if unit else text


def input_text(spec: FieldSpec, value: Any) -> str:
    """Return a typed value as the user would type it, so that it reads back the same."""
    if value is None:
        return ""
    if spec.kind is FieldKind.MONEY:
        return money_number_text(value)
    if spec.kind is FieldKind.DECIMAL:
        allowed = DECIMAL_RANGES.get(spec.name)
        digits = allowed.fraction_digits if allowed is not None else 3
        return format_decimal(value, max_fraction_digits=digits)
    if spec.kind is FieldKind.INTEGER:
        # Years are written without a thousands separator.
        return str(value) if spec.name in YEAR_FIELDS else format_decimal(value)
    if spec.kind is FieldKind.DATE and isinstance(value, PartialDate):
        return format_partial_date(value)
    if spec.kind is FieldKind.BOOLEAN and isinstance(value, bool):
        return yes_no_text(value)
    if spec.name == "property_identifier" and isinstance(value, str):
        return format_property_identifier(value)
    return str(value)


def money_number_text(value: Decimal) -> str:
    """Return euros with cents as the language writes them, without the € sign."""
    return format_money(value).replace("€", "").strip(" \u00a0")


def register_source_text(spec: FieldSpec, entry: RegisterSourceValue) -> str:
    """Return one source's value with the source and extraction date, for a tooltip."""
    text = _("{source}, extraction date {date}: {value}").format(
        source=source_name(entry.source),
        date=format_date(entry.extraction_date),
        value=display_value(spec, entry.value, entry.code_list),
    )
    if not entry.is_present:
        text += " " + _("(no longer in the source)")
    return text


def local_setting_text(state: FieldState) -> str:
    """Return who set the own value and when, for the marker's tooltip."""
    local = state.local
    if local is None or local.changed_at is None:
        text = _("Own value.")
    else:
        text = _("Own value, set by {user} on {time}.").format(
            user=local.os_user or EMPTY_TEXT, time=format_timestamp(local.changed_at)
        )
    if state.spec.register:
        text += " " + _("It is in use instead of the register value.")
    return text


def uses_choice(spec: FieldSpec) -> bool:
    """Return whether the field is edited by choosing from a list instead of typing."""
    if spec.kind in (FieldKind.CODE, FieldKind.BOOLEAN):
        return True
    allowed = INTEGER_RANGES.get(spec.name)
    if spec.kind is FieldKind.INTEGER and allowed is not None:
        minimum, maximum = allowed
        return maximum - minimum + 1 <= CHOICE_INTEGER_VALUES_MAX
    return False


def choices(spec: FieldSpec) -> list[tuple[str, Any]]:
    """Return the ``(text, value)`` items of a choice, without the empty item."""
    if spec.kind is FieldKind.BOOLEAN:
        return [(yes_no_text(True), True), (yes_no_text(False), False)]
    if spec.name == "condition_class":
        return [
            (_("{number} {name}").format(number=number, name=_(name)), number)
            for number, name in CONDITION_CLASS_NAMES.items()
        ]
    if spec.kind is FieldKind.INTEGER:
        minimum, maximum = INTEGER_RANGES[spec.name]
        return [(format_decimal(number), number) for number in range(minimum, maximum + 1)]

    list_id = local_code_list(spec)
    if list_id is None or list_id in LISTS_WITHOUT_PUBLISHED_CODES:
        return []
    # Codes keep the order of their list, which groups the classes of a classification.
    return [(code_text(list_id, entry.code), entry.code) for entry in list_codes(list_id)]


def code_in_local_list(spec: FieldSpec, code: str, code_list: str | None) -> str | None:
    """Return the code of the field's local list that means ``code`` of ``code_list``.

    None when the local list has no counterpart, so a DVV code is shown as it is.
    """
    local_list = local_code_list(spec)
    if local_list is None or code_list is None or code_list == local_list:
        return code
    if code_list == MUNICIPALITY or not code_list.startswith("dvv_"):
        return None
    try:
        mapped = map_dvv_to_ryhti(code_list, code)
    except KeyError:
        return None
    if mapped is None or mapped[0] != local_list:
        return None
    return mapped[1]


# Inputs


class _LineEdit(QLineEdit):
    """A text line whose Escape key discards what the user typed."""

    escape_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.invalid = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and (self.isModified() or self.invalid):
            self.escape_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class _NotesEdit(QPlainTextEdit):
    """A multi-line box that reports the end of an edit when it loses focus or on Ctrl+Enter."""

    editing_finished = Signal()
    escape_pressed = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # A context menu takes the focus for a moment; the edit goes on after it.
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.editing_finished.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.editing_finished.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.document().isModified():
            self.escape_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class FieldInput(QWidget):
    """The input of one field, suited to its kind.

    Signals:
        committed(value): the user finished an edit with a valid value that differs from
            the value shown; None means "no own value".
        invalid(message): the user finished an edit with text that breaks the field's
            rules. The translated message states what is allowed.
        edited(): the user changed the input, finished or not.
        discarded(): the user dropped the text typed (Escape), so the value shown
            before is back.
    """

    committed = Signal(object)
    invalid = Signal(str)
    edited = Signal()
    discarded = Signal()

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._shown: Any = None
        self._message: str | None = None
        self._line: _LineEdit | None = None
        self._notes: _NotesEdit | None = None
        self._combo: QComboBox | None = None

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        editor = self._make_editor()
        layout.addWidget(editor, 1)
        self.setFocusProxy(editor)

        unit = field_unit(spec)
        if unit and self._line is not None:
            unit_label = QLabel(unit, self)
            unit_label.setAccessibleName(unit)
            layout.addWidget(unit_label)

    # Construction

    def _make_editor(self) -> QWidget:
        if uses_choice(self.spec):
            return self._make_combo()
        if self.spec.name == NOTES_FIELD:
            return self._make_notes()
        return self._make_line()

    def _make_line(self) -> QWidget:
        line = _LineEdit(self)
        line.setAccessibleName(field_label(self.spec))
        line.setPlaceholderText(self._placeholder())
        line.editingFinished.connect(self._on_line_finished)
        line.textEdited.connect(lambda _text: self.edited.emit())
        line.escape_pressed.connect(self._on_escape)
        self._line = line
        return line

    def _make_notes(self) -> QWidget:
        notes = _NotesEdit(self)
        notes.setAccessibleName(field_label(self.spec))
        notes.setTabChangesFocus(True)
        notes.setPlaceholderText(_("Ctrl+Enter or leaving the box saves the notes."))
        notes.editing_finished.connect(self._on_notes_finished)
        notes.textChanged.connect(self._on_notes_changed)
        notes.escape_pressed.connect(self._on_escape)
        self._notes = notes
        return notes

    def _make_combo(self) -> QWidget:
        combo = QComboBox(self)
        combo.setAccessibleName(field_label(self.spec))
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        combo.addItem(EMPTY_TEXT, None)
        for text, value in choices(self.spec):
            combo.addItem(text, value)
        combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
        combo.setCurrentIndex(0)
        combo.activated.connect(self._on_choice)
        self._combo = combo
        return combo

    def _placeholder(self) -> str:
        """Return an example of the form the field takes, in the chosen language."""
        if self.spec.kind is FieldKind.DATE:
            return _("such as {day}, {month} or {year}").format(
                day=format_partial_date(PartialDate(2020, 2, 1)),
                month=format_partial_date(PartialDate(1962, 8)),
                year="1962",
            )
        return ""

    # The value shown

    @property
    def editor(self) -> QWidget:
        """The inner widget that takes the user's input."""
        focus = self.focusProxy()
        assert focus is not None
        return focus

    @property
    def shown_value(self) -> Any:
        return self._shown

    @property
    def message(self) -> str | None:
        """The message of the rejected input, or None."""
        return self._message

    def is_dirty(self) -> bool:
        """Return whether the input contains text the user typed and has not committed."""
        if self._message is not None:
            return True
        if self._line is not None:
            return self._line.isModified()
        if self._notes is not None:
            return self._notes.document().isModified()
        return False

    def show_value(self, value: Any, *, code_list: str | None = None) -> None:
        """Show ``value`` and forget what the user typed. ``code_list`` names a code's list."""
        self._set_message(None)
        if self._combo is not None:
            self._show_choice(value, code_list)
            return

        self._shown = value
        text = input_text(self.spec, value)
        if self._line is not None:
            self._line.setText(text)
            self._line.setModified(False)
            self._line.setCursorPosition(0)
        elif self._notes is not None:
            self._notes.blockSignals(True)
            self._notes.setPlainText(text)
            self._notes.blockSignals(False)
            self._notes.document().setModified(False)

    def _show_choice(self, value: Any, code_list: str | None) -> None:
        assert self._combo is not None
        shown = value
        if value is not None and self.spec.kind is FieldKind.CODE:
            shown = code_in_local_list(self.spec, str(value), code_list)

        self._shown = shown
        index = self._combo.findData(shown) if shown is not None else 0
        if value is not None and shown is None:
            index = -1
        if index < 0:
            # A register code without a counterpart in the local list: shown, not offered.
            self._combo.setPlaceholderText(display_value(self.spec, value, code_list))
        self._combo.setCurrentIndex(index)

    def discard(self) -> None:
        """Forget the user's text and show the value shown before again."""
        if self._combo is None:
            self.show_value(self._shown)
        else:
            self._set_message(None)

    def _on_escape(self) -> None:
        self.discard()
        self.discarded.emit()

    def set_read_only(self, read_only: bool) -> None:
        if self._line is not None:
            self._line.setReadOnly(read_only)
        elif self._notes is not None:
            self._notes.setReadOnly(read_only)
        elif self._combo is not None:
            self._combo.setEnabled(not read_only)

    def current_result(self) -> ValidationResult:
        """Read and check the input as it is now, without committing it."""
        if self._combo is not None:
            data = self._combo.currentData() if self._combo.currentIndex() >= 0 else self._shown
            return ValidationResult(self.spec.name, data)
        return parse_local_input(self.spec.name, self.text(), current_language())

    def text(self) -> str:
        if self._line is not None:
            return self._line.text()
        if self._notes is not None:
            return self._notes.toPlainText()
        assert self._combo is not None
        return self._combo.currentText()

    def set_text(self, text: str) -> None:
        """Put ``text`` into the input as if the user had typed it (for line and notes)."""
        if self._line is not None:
            self._line.setText(text)
            self._line.setModified(True)
        elif self._notes is not None:
            self._notes.setPlainText(text)
            self._notes.document().setModified(True)

    def choose(self, value: Any) -> None:
        """Choose ``value`` from the list as the user would, committing it."""
        assert self._combo is not None
        index = self._combo.findData(value) if value is not None else 0
        if index < 0:
            raise ValueError(f"{value!r} is not a choice of field {self.spec.name}")
        self._combo.setCurrentIndex(index)
        self._on_choice(index)

    def finish(self) -> None:
        """Finish the edit as leaving the input does: check it and commit a valid change."""
        if self._combo is not None:
            self._on_choice(self._combo.currentIndex())
            return
        self._check_and_commit()

    # Finishing an edit

    def _on_line_finished(self) -> None:
        assert self._line is not None
        if self._line.isModified() or self._message is not None:
            self._check_and_commit()

    def _on_notes_finished(self) -> None:
        assert self._notes is not None
        if self._notes.document().isModified() or self._message is not None:
            self._check_and_commit()

    def _on_notes_changed(self) -> None:
        self.edited.emit()

    def _on_choice(self, index: int) -> None:
        self.edited.emit()
        if index < 0:
            return
        assert self._combo is not None
        value = self._combo.itemData(index)
        if value != self._shown:
            self._shown = value
            self.committed.emit(value)

    def _check_and_commit(self) -> None:
        result = parse_local_input(self.spec.name, self.text(), current_language())
        if not result.ok:
            assert result.message is not None
            self._set_message(result.message)
            self.invalid.emit(result.message)
            return

        self._set_message(None)
        if result.value == self._shown:
            # The same value in another form, such as 1234,5 for 1 234,5: show it as stored.
            self.show_value(self._shown)
            return

        self._mark_unmodified()
        self.committed.emit(result.value)

    def _mark_unmodified(self) -> None:
        if self._line is not None:
            self._line.setModified(False)
        elif self._notes is not None:
            self._notes.document().setModified(False)

    def set_message(self, message: str | None) -> None:
        """Mark the input as rejected with ``message``, or as valid with None."""
        self._set_message(message)

    def _set_message(self, message: str | None) -> None:
        self._message = message
        editor = self.editor
        if self._line is not None:
            self._line.invalid = message is not None
        editor.setStyleSheet(_INVALID_STYLE if message is not None else "")
        editor.setAccessibleDescription(message or "")


# Rows


class FieldRow(QObject):
    """The widgets of one field in a grid: label, input, marker, return button, messages.

    Signals:
        commit_requested(field, value): store ``value`` as the own value of the field;
            None clears the own value.
    """

    commit_requested = Signal(str, object)

    def __init__(self, spec: FieldSpec, parent: QWidget, *, read_only: bool = False) -> None:
        super().__init__(parent)
        self.spec = spec
        self.read_only = read_only or not is_editable(spec.name)
        self._state: FieldState | None = None
        self.marker_kind = MARKER_NONE
        self.input_row = -1

        self.label = QLabel(field_label(spec), parent)
        self.label.setWordWrap(True)
        self.input: FieldInput | None = None
        self.value_label: QLabel | None = None
        if self.read_only:
            self.value_label = _selectable_label(parent)
            self.label.setBuddy(self.value_label)
        else:
            self.input = FieldInput(spec, parent)
            self.label.setBuddy(self.input)
            self.input.committed.connect(self._on_committed)
            self.input.invalid.connect(self.show_error)
            self.input.discarded.connect(self.hide_error)

        self.marker = QLabel(parent)
        self.marker.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _retain_size_when_hidden(self.marker)
        self.revert_button = self._make_revert_button(parent)
        self.register_label = self._make_register_label(parent)
        self.message_widget, self.message_label = message_line(parent)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def value_widget(self) -> QWidget:
        """The input, or the label of a read-only field."""
        widget = self.input if self.input is not None else self.value_label
        assert widget is not None
        return widget

    @property
    def state(self) -> FieldState | None:
        return self._state

    def _make_revert_button(self, parent: QWidget) -> QToolButton:
        button = QToolButton(parent)
        button.setText(pgettext("return to the register value", "Restore"))
        button.setIcon(parent.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setToolTip(_("Return to the register value: removes the own value of this field."))
        button.setAccessibleName(
            _("Return to the register value: {field}").format(field=field_label(self.spec))
        )
        button.setAutoRaise(True)
        button.clicked.connect(self.revert)
        button.setEnabled(False)
        button.setVisible(False)
        # The button shows only while an own value exists; its room stays, so rows keep
        # their height when it appears.
        _retain_size_when_hidden(button)
        return button

    def _make_register_label(self, parent: QWidget) -> QLabel | None:
        if not self.spec.register or self.read_only:
            return None
        label = _selectable_label(parent)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        label.setFont(font)
        return label

    def add_to_grid(self, grid: QGridLayout, row: int) -> int:
        """Place the row's widgets from grid row ``row`` on; return the next free row.

        The grid has ``GRID_COLUMNS`` columns: the label, the input with the register
        value below it, and the marker with the return button below it. The notes box
        takes the whole width below its label; ``input_row`` is the grid row of the input.
        """
        if self.spec.name == NOTES_FIELD:
            grid.addWidget(self.label, row, 0, 1, 2)
            grid.addWidget(self.marker, row, 2, Qt.AlignmentFlag.AlignVCenter)
            self.input_row = row + 1
            grid.addWidget(self.value_widget, self.input_row, 0, 1, GRID_COLUMNS)
            grid.addWidget(self.message_widget, row + 2, 0, 1, GRID_COLUMNS)
            return row + 3

        grid.addWidget(self.label, row, 0, Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.value_widget, row, 1)
        grid.addWidget(self.marker, row, 2, Qt.AlignmentFlag.AlignVCenter)
        self.input_row = row
        row += 1
        if self.register_label is not None:
            grid.addWidget(self.register_label, row, 1)
            grid.addWidget(self.revert_button, row, 2)
            row += 1
        grid.addWidget(self.message_widget, row, 1, 1, 2)
        return row + 1

    # Showing a state

    def show_state(self, state: FieldState) -> None:
        """Show the field's values; an input with uncommitted text keeps it."""
        self._state = state
        self._show_value(state)
        self._show_register(state)
        self._show_marker(state)
        can_revert = state.has_local and self.register_label is not None
        self.revert_button.setEnabled(can_revert)
        self.revert_button.setVisible(can_revert)

    def _show_value(self, state: FieldState) -> None:
        code_list = _code_list_in_use(state)
        if self.value_label is not None:
            self.value_label.setText(display_value(self.spec, state.value, code_list))
            self.value_label.setToolTip(_register_tooltip(state))
            return

        assert self.input is not None
        if not self.input.is_dirty():
            self.input.show_value(state.value, code_list=code_list)
            self.hide_error()

    def _show_register(self, state: FieldState) -> None:
        if self.register_label is None:
            return
        register = state.register
        value = (
            display_value(self.spec, register.value, register.code_list)
            if register is not None
            else EMPTY_TEXT
        )
        text = _("Register value: {value}").format(value=value)
        if state.sources_disagree:
            text += " " + _("(sources disagree)")
        self.register_label.setText(text)
        self.register_label.setToolTip(_register_tooltip(state))

    def _show_marker(self, state: FieldState) -> None:
        if state.has_local:
            kind, text, tooltip = MARKER_LOCAL, _("Own value"), local_setting_text(state)
        elif state.register is not None:
            kind, text = MARKER_REGISTER, _("Register value")
            tooltip = _("The register value is in use: {source}.").format(
                source=register_source_text(self.spec, state.register)
            )
        else:
            kind, text, tooltip = MARKER_NONE, "", ""

        self.marker_kind = kind
        self.marker.setText(text)
        self.marker.setToolTip(tooltip)
        self.marker.setAccessibleName(tooltip or text)
        self.marker.setStyleSheet(_MARKER_STYLES[kind])
        self.marker.setVisible(kind != MARKER_NONE)

    # Messages

    def show_error(self, message: str) -> None:
        """Show why the input was rejected, next to the field."""
        self.message_label.setText(message)
        self.message_widget.setVisible(True)
        if self.input is not None:
            self.input.set_message(message)

    def hide_error(self) -> None:
        self.message_label.clear()
        self.message_widget.setVisible(False)
        if self.input is not None and self.input.message is not None:
            self.input.set_message(None)

    @property
    def error(self) -> str | None:
        """The message shown next to the field, or None."""
        return None if self.message_widget.isHidden() else self.message_label.text()

    # Edits

    def revert(self) -> None:
        """Clear the own value, so that the register value is in use again."""
        if self._state is not None and self._state.has_local:
            self.commit_requested.emit(self.spec.name, None)

    def _on_committed(self, value: Any) -> None:
        self.hide_error()
        state = self._state
        if value is None and (state is None or not state.has_local):
            # Nothing to clear: show the register value again.
            if state is not None and self.input is not None:
                self.input.show_value(state.value, code_list=_code_list_in_use(state))
            return
        self.commit_requested.emit(self.spec.name, value)


def marker_width(widget: QWidget) -> int:
    """Return the width of the widest marker, so that a grid can keep room for it."""
    widths = []
    for kind, text in ((MARKER_REGISTER, _("Register value")), (MARKER_LOCAL, _("Own value"))):
        # A label without a parent is never shown: it only measures.
        label = QLabel(text)
        label.setFont(widget.font())
        label.setStyleSheet(_MARKER_STYLES[kind])
        widths.append(label.sizeHint().width())
        label.deleteLater()
    return max(widths)


def _code_list_in_use(state: FieldState) -> str | None:
    if state.has_local or state.register is None:
        return local_code_list(state.spec)
    return state.register.code_list


def _register_tooltip(state: FieldState) -> str:
    lines = [register_source_text(state.spec, entry) for entry in state.register_values]
    if not lines:
        return _("No register source has this field for the building.")
    return "\n".join(lines)


def _selectable_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    return label


def message_line(parent: QWidget) -> tuple[QWidget, QLabel]:
    """Return a hidden line with a warning icon and a message label in the error colour."""
    widget = QWidget(parent)
    layout = QHBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    icon = QLabel(widget)
    size = widget.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
    pixmap = widget.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
    icon.setPixmap(pixmap)
    icon.setAlignment(Qt.AlignmentFlag.AlignTop)
    label = QLabel(widget)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOUR};")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
    layout.addWidget(label, 1)
    widget.setVisible(False)
    return widget, label


def _retain_size_when_hidden(widget: QWidget) -> None:
    policy = widget.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    widget.setSizePolicy(policy)

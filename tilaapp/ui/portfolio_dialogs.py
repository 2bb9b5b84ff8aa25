"""Dialogs of the portfolio (tilasalkku): its buildings, and the holder entities of the group.

``PortfolioDialog`` adds the selected buildings to the portfolio, changes their holder
and tenure, or removes them. Each change is an undoable step of
``tilaapp.services.portfolio_edit.PortfolioService``, run on the worker.
``HolderEntitiesDialog`` lists, adds and renames the entities of the municipal group.
"""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCollator, QLocale, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from tilaapp.i18n import current_language, ngettext, pgettext
from tilaapp.i18n import gettext as _
from tilaapp.services.editing import ID_CHUNK_SIZE, EditStep, unique_ids
from tilaapp.services.portfolio_edit import HOLDER_NAME_MAX_LENGTH, HolderEntityInfo
from tilaapp.storage.database import Database
from tilaapp.storage.models import HolderKind, PortfolioEntry, Tenure
from tilaapp.ui.errors import show_unexpected_error, user_message
from tilaapp.ui.tasks import TaskContext
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

REMOVE_CONFIRMATION_COUNT = 10
"""Removing this many buildings or more needs a confirmation. Fewer are easy to check in
the dialog's sentence, and every removal can be undone."""

_QT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


# Texts


def holder_kind_label(kind: HolderKind | None) -> str:
    """Return the translated name of a kind of holder entity."""
    labels = {
        HolderKind.MUNICIPALITY: pgettext("holder kind", "Municipality"),
        HolderKind.JOINT_MUNICIPAL_AUTHORITY: pgettext("holder kind", "Joint municipal authority"),
        HolderKind.MUNICIPAL_COMPANY: pgettext("holder kind", "Municipal company"),
    }
    return labels[kind] if kind is not None else pgettext("holder kind", "Not given")


def tenure_label(tenure: Tenure) -> str:
    labels = {
        Tenure.OWNED: pgettext("tenure", "owned"),
        Tenure.LEASED_IN: pgettext("tenure", "leased in"),
    }
    return labels[tenure]


def holder_text(holder: HolderEntityInfo) -> str:
    """Return a holder entity as a list shows it: ``Hartola (9810001-7)``, or the business ID."""
    if holder.name is None:
        return holder.business_id
    return f"{holder.name} ({holder.business_id})"


def sorted_holders(holders: Sequence[HolderEntityInfo]) -> list[HolderEntityInfo]:
    """Return the named holder entities in the chosen language's alphabetical order, then
    the unnamed ones by business ID."""
    collator = QCollator(QLocale(_QT_LOCALES.get(current_language(), "en_GB")))
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    key = functools.cmp_to_key(collator.compare)
    return sorted(holders, key=lambda holder: (holder.name is None, key(holder_text(holder))))


def confirm_removal(parent: QWidget, count: int) -> bool:
    """Ask whether to remove ``count`` buildings from the portfolio. Returns True for yes."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("Remove from the portfolio"))
    box.setText(
        ngettext(
            "Remove {count} building from the portfolio? You can undo this with Undo.",
            "Remove {count} buildings from the portfolio? You can undo this with Undo.",
            count,
        ).format(count=count)
    )
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Yes).setText(pgettext("portfolio action", "Remove"))
    box.button(QMessageBox.StandardButton.Cancel).setText(_("Cancel"))
    return box.exec() == QMessageBox.StandardButton.Yes


class MessageLine(QWidget):
    """A warning icon and a sentence under a form, hidden while there is no message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        size = self.fontMetrics().height()
        self._icon = QLabel(self)
        self._icon.setPixmap(icon.pixmap(size, size))
        self._icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._text = QLabel(self)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        self.hide()

    @property
    def text(self) -> str:
        return self._text.text() if not self.isHidden() else ""

    def show_message(self, text: str) -> None:
        self._text.setText(text)
        self.show()

    def clear(self) -> None:
        self._text.clear()
        self.hide()


def _error_text(parent: QWidget, error: BaseException) -> str | None:
    """Return the translated sentences of a typed error; show any other error as unexpected."""
    message = user_message(error)
    if message is None:
        show_unexpected_error(parent, error)
    return message


# The portfolio places of the selected buildings


class PortfolioAction(enum.Enum):
    ADD = "add"
    CHANGE = "change"
    """Set the holder and tenure of the selected buildings that are in the portfolio."""
    REMOVE = "remove"


@dataclass(frozen=True)
class PortfolioPlace:
    holder_entity_id: int | None
    tenure: Tenure


@dataclass(frozen=True)
class PortfolioSelection:
    """The selected buildings and the places of those in the portfolio, when last read."""

    building_ids: tuple[int, ...]
    places: dict[int, PortfolioPlace]

    @property
    def in_portfolio(self) -> list[int]:
        return [building_id for building_id in self.building_ids if building_id in self.places]

    @property
    def not_in_portfolio(self) -> list[int]:
        return [building_id for building_id in self.building_ids if building_id not in self.places]

    def holder_changes(self, holder_entity_id: int | None) -> list[int]:
        """Return the buildings of the portfolio whose holder differs from this one."""
        return [
            building_id
            for building_id, place in self.places.items()
            if place.holder_entity_id != holder_entity_id
        ]

    def tenure_changes(self, tenure: Tenure) -> list[int]:
        return [building_id for building_id, place in self.places.items() if place.tenure != tenure]

    def common_place(self) -> PortfolioPlace | None:
        """Return the place shared by every selected building of the portfolio, if any."""
        places = set(self.places.values())
        return places.pop() if len(places) == 1 else None


def read_selection(database: Database, building_ids: Sequence[int]) -> PortfolioSelection:
    """Read the portfolio places of the buildings, ``ID_CHUNK_SIZE`` ids per query."""
    ids = tuple(unique_ids(building_ids))
    places: dict[int, PortfolioPlace] = {}
    with database.read_session() as session:
        for start in range(0, len(ids), ID_CHUNK_SIZE):
            chunk = ids[start : start + ID_CHUNK_SIZE]
            query = select(
                PortfolioEntry.building_id, PortfolioEntry.holder_entity_id, PortfolioEntry.tenure
            ).where(PortfolioEntry.building_id.in_(chunk))
            for building_id, holder_entity_id, tenure in session.execute(query):
                places[building_id] = PortfolioPlace(holder_entity_id, Tenure(tenure))
    return PortfolioSelection(ids, places)


# Widths of the dialogs, in average characters of their font.
PORTFOLIO_DIALOG_CHARACTERS = 64
HOLDERS_DIALOG_CHARACTERS = 72


def _width_for(widget: QWidget, characters: int) -> int:
    return widget.fontMetrics().averageCharWidth() * characters


# The portfolio dialog


class PortfolioDialog(QDialog):
    """Adds the selected buildings to the portfolio, changes their holder and tenure, or
    removes them.

    The dialog reads the portfolio places of the buildings on the worker, then shows in
    a sentence how many buildings the chosen action changes. Apply runs the action on the worker
    and closes the dialog when it is stored, or shows why it failed.
    """

    def __init__(
        self, workspace: Workspace, building_ids: Sequence[int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._building_ids = tuple(unique_ids(building_ids))
        self._selection: PortfolioSelection | None = None
        self._holders: list[HolderEntityInfo] = []
        self._reading = True
        self._storing = False

        self.setWindowTitle(_("Portfolio"))
        self._summary = QLabel(_("Reading the selected buildings…"), self)
        self._summary.setWordWrap(True)
        self._action_buttons = self._create_action_buttons()
        self._holder_combo = QComboBox(self)
        self._holder_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._tenure_combo = QComboBox(self)
        for tenure in Tenure:
            self._tenure_combo.addItem(tenure_label(tenure), tenure)
        self._holders_button = QPushButton(_("Holder entities…"), self)
        self._outcome = QLabel(self)
        self._outcome.setWordWrap(True)
        self._error = MessageLine(self)
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))

        self._lay_out()
        self._connect()
        self._load_holders(None)
        self._update()
        self._read_selection()

    # State, for the main window and tests

    @property
    def is_ready(self) -> bool:
        """Whether the selection has been read and no change is being stored."""
        return self._selection is not None and not self._reading and not self._storing

    @property
    def selection(self) -> PortfolioSelection | None:
        return self._selection

    @property
    def action(self) -> PortfolioAction:
        return list(PortfolioAction)[self._action_buttons.checkedId()]

    def set_action(self, action: PortfolioAction) -> None:
        self._action_button(action).setChecked(True)

    def action_button(self, action: PortfolioAction) -> QRadioButton:
        return self._action_button(action)

    @property
    def holder_combo(self) -> QComboBox:
        return self._holder_combo

    @property
    def tenure_combo(self) -> QComboBox:
        return self._tenure_combo

    @property
    def apply_button(self) -> QPushButton:
        return self._buttons.button(QDialogButtonBox.StandardButton.Apply)

    @property
    def summary_text(self) -> str:
        return self._summary.text()

    @property
    def outcome_text(self) -> str:
        return self._outcome.text()

    @property
    def error_text(self) -> str:
        return self._error.text

    def select_holder(self, holder_entity_id: int | None) -> None:
        index = self._holder_combo.findData(holder_entity_id)
        if index >= 0:
            self._holder_combo.setCurrentIndex(index)

    def select_tenure(self, tenure: Tenure) -> None:
        self._tenure_combo.setCurrentIndex(self._tenure_combo.findData(tenure))

    def apply(self) -> None:
        """Store the chosen action, after confirmation when it removes many buildings."""
        if not self.is_ready or self._change_count() == 0:
            return
        action = self.action
        if action is PortfolioAction.REMOVE:
            count = self._change_count()
            if count >= REMOVE_CONFIRMATION_COUNT and not confirm_removal(self, count):
                return
        self._run(self._job(action))

    # Layout

    def _action_button(self, action: PortfolioAction) -> QRadioButton:
        button = self._action_buttons.button(list(PortfolioAction).index(action))
        assert isinstance(button, QRadioButton)
        return button

    def _create_action_buttons(self) -> QButtonGroup:
        group = QButtonGroup(self)
        texts = {
            PortfolioAction.ADD: _("&Add to the portfolio"),
            PortfolioAction.CHANGE: _("&Change the holder and tenure"),
            PortfolioAction.REMOVE: _("&Remove from the portfolio"),
        }
        for number, action in enumerate(PortfolioAction):
            group.addButton(QRadioButton(texts[action], self), number)
        group.button(0).setChecked(True)
        return group

    def _lay_out(self) -> None:
        actions = QVBoxLayout()
        for button in self._action_buttons.buttons():
            actions.addWidget(button)

        holder_row = QHBoxLayout()
        holder_row.addWidget(self._holder_combo, 1)
        holder_row.addWidget(self._holders_button)
        form = QFormLayout()
        form.addRow(_("&Holder:"), holder_row)
        form.addRow(_("&Tenure:"), self._tenure_combo)
        # The form's labels need buddies for their shortcuts: the row layout has none.
        holder_label = form.labelForField(holder_row)
        if isinstance(holder_label, QLabel):
            holder_label.setBuddy(self._holder_combo)

        layout = QVBoxLayout(self)
        layout.addWidget(self._summary)
        layout.addLayout(actions)
        layout.addLayout(form)
        layout.addSpacing(self.fontMetrics().height() // 2)
        layout.addWidget(self._outcome)
        layout.addWidget(self._error)
        layout.addStretch(1)
        layout.addWidget(self._buttons)
        self.setMinimumWidth(_width_for(self, PORTFOLIO_DIALOG_CHARACTERS))

    def _connect(self) -> None:
        self._action_buttons.idToggled.connect(self._on_action_toggled)
        self._holder_combo.currentIndexChanged.connect(self._update)
        self._tenure_combo.currentIndexChanged.connect(self._update)
        self._holders_button.clicked.connect(self._edit_holders)
        self.apply_button.clicked.connect(self.apply)
        self._buttons.rejected.connect(self.reject)

    # Reading

    def _read_selection(self) -> None:
        self._reading = True
        database = self._workspace.database
        ids = self._building_ids
        self._workspace.worker.submit(
            "read portfolio places",
            lambda _context: read_selection(database, ids),
            done=self._on_selection_read,
            failed=self._on_read_failed,
        )

    def _on_selection_read(self, selection: PortfolioSelection) -> None:
        first_read = self._selection is None
        self._selection = selection
        self._reading = False
        if first_read:
            self._choose_defaults(selection)
        self._summary.setText(self._summary_sentence(selection))
        self._update()

    def _on_read_failed(self, error: BaseException) -> None:
        self._summary.setText(_("The selected buildings could not be read."))
        message = _error_text(self, error)
        if message is not None:
            self._error.show_message(message)

    def _load_holders(self, keep: int | None) -> None:
        self._holders = sorted_holders(self._workspace.portfolio.list_holder_entities())
        self._holder_combo.blockSignals(True)
        self._holder_combo.clear()
        self._holder_combo.addItem(_("Holder not named"), None)
        for holder in self._holders:
            self._holder_combo.addItem(holder_text(holder), holder.id)
        self._holder_combo.blockSignals(False)
        self.select_holder(keep)

    def _choose_defaults(self, selection: PortfolioSelection) -> None:
        """Choose the action, holder and tenure that the selection suggests."""
        if not selection.places:
            self.set_action(PortfolioAction.ADD)
        elif not selection.not_in_portfolio:
            self.set_action(PortfolioAction.CHANGE)
        else:
            self.set_action(PortfolioAction.ADD)

        common = selection.common_place()
        if common is not None:
            self.select_holder(common.holder_entity_id)
            self.select_tenure(common.tenure)
            return
        municipality = [h for h in self._holders if h.kind is HolderKind.MUNICIPALITY]
        if municipality:
            self.select_holder(municipality[0].id)
        self.select_tenure(Tenure.OWNED)

    # Sentences

    def _summary_sentence(self, selection: PortfolioSelection) -> str:
        total = len(selection.building_ids)
        if total == 1 and selection.places:
            return _("The selected building is in the portfolio.")
        if total == 1:
            return _("The selected building is not in the portfolio.")
        selected = ngettext(
            "{count} building selected.", "{count} buildings selected.", total
        ).format(count=total)
        within = ngettext(
            "{count} of them is in the portfolio.",
            "{count} of them are in the portfolio.",
            len(selection.places),
        ).format(count=len(selection.places))
        return f"{selected} {within}"

    def _outcome_sentence(self, selection: PortfolioSelection) -> str:
        action = self.action
        if action is PortfolioAction.ADD:
            return self._add_sentence(selection)
        if action is PortfolioAction.CHANGE:
            return self._change_sentence(selection)
        return self._remove_sentence(selection)

    def _add_sentence(self, selection: PortfolioSelection) -> str:
        added = len(selection.not_in_portfolio)
        already_in = len(selection.places)
        if added == 0:
            return _("Every selected building is in the portfolio already.")
        sentence = ngettext(
            "{count} building will be added to the portfolio.",
            "{count} buildings will be added to the portfolio.",
            added,
        ).format(count=added)
        if already_in:
            sentence += " " + ngettext(
                "The {count} building already in it keeps its holder and tenure.",
                "The {count} buildings already in it keep their holder and tenure.",
                already_in,
            ).format(count=already_in)
        return sentence

    def _change_sentence(self, selection: PortfolioSelection) -> str:
        if not selection.places:
            return _("None of the selected buildings is in the portfolio.")
        changed = self._change_count()
        if changed == 0:
            sentence = _(
                "The selected buildings in the portfolio already have this holder and tenure."
            )
        else:
            sentence = ngettext(
                "The holder or tenure of {count} building will change.",
                "The holder or tenure of {count} buildings will change.",
                changed,
            ).format(count=changed)
        outside = len(selection.not_in_portfolio)
        if outside:
            sentence += " " + ngettext(
                "{count} selected building is not in the portfolio and stays out of it.",
                "{count} selected buildings are not in the portfolio and stay out of it.",
                outside,
            ).format(count=outside)
        return sentence

    def _remove_sentence(self, selection: PortfolioSelection) -> str:
        removed = len(selection.places)
        if removed == 0:
            return _("None of the selected buildings is in the portfolio.")
        return ngettext(
            "{count} building will be removed from the portfolio.",
            "{count} buildings will be removed from the portfolio.",
            removed,
        ).format(count=removed)

    def _apply_text(self) -> str:
        texts = {
            PortfolioAction.ADD: pgettext("portfolio action", "Add"),
            PortfolioAction.CHANGE: pgettext("portfolio action", "Change"),
            PortfolioAction.REMOVE: pgettext("portfolio action", "Remove"),
        }
        return texts[self.action]

    def _change_count(self) -> int:
        """Return how many buildings the chosen action changes."""
        selection = self._selection
        if selection is None:
            return 0
        action = self.action
        if action is PortfolioAction.ADD:
            return len(selection.not_in_portfolio)
        if action is PortfolioAction.REMOVE:
            return len(selection.places)
        holder_changes = selection.holder_changes(self._holder_combo.currentData())
        tenure_changes = selection.tenure_changes(self._tenure_combo.currentData())
        return len(set(holder_changes) | set(tenure_changes))

    def _update(self) -> None:
        selection = self._selection
        choosing = self.is_ready
        for button in self._action_buttons.buttons():
            button.setEnabled(choosing)
        # Change and Remove act only on buildings that are in the portfolio.
        any_in_portfolio = selection is not None and bool(selection.places)
        self._action_button(PortfolioAction.CHANGE).setEnabled(choosing and any_in_portfolio)
        self._action_button(PortfolioAction.REMOVE).setEnabled(choosing and any_in_portfolio)

        places_chosen = self.action is not PortfolioAction.REMOVE
        self._holder_combo.setEnabled(choosing and places_chosen)
        self._tenure_combo.setEnabled(choosing and places_chosen)
        self._holders_button.setEnabled(not self._storing)
        # A change being stored cannot be stopped, so the dialog stays until it is stored.
        cancel = self._buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setEnabled(not self._storing)
        self._outcome.setText(self._outcome_sentence(selection) if selection is not None else "")
        self.apply_button.setText(self._apply_text())
        self.apply_button.setEnabled(choosing and self._change_count() > 0)
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        """Grow the dialog when a longer sentence needs more lines than it has room for."""
        needed = self.heightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    # Storing

    def _job(self, action: PortfolioAction) -> Callable[[], EditStep | None]:
        """Return the service call of ``action``, with every value it needs bound now."""
        portfolio = self._workspace.portfolio
        ids = list(self._building_ids)
        holder: int | None = self._holder_combo.currentData()
        tenure: Tenure = self._tenure_combo.currentData()
        if action is PortfolioAction.ADD:
            return lambda: portfolio.add_to_portfolio(ids, holder, tenure)
        if action is PortfolioAction.REMOVE:
            return lambda: portfolio.remove_from_portfolio(ids)

        assert self._selection is not None
        changed = sorted(
            set(self._selection.holder_changes(holder))
            | set(self._selection.tenure_changes(tenure))
        )
        return lambda: portfolio.set_holder_and_tenure(changed, holder, tenure)

    def _run(self, job: Callable[[], EditStep | None]) -> None:
        self._storing = True
        self._error.clear()
        self._update()
        self._workspace.write_step(
            "portfolio " + self.action.value, job, done=self._on_stored, failed=self._on_failed
        )

    def _on_stored(self, _step: EditStep | None) -> None:
        self._storing = False
        self.accept()

    def reject(self) -> None:
        """Close without a change, unless a change is being stored."""
        if not self._storing:
            super().reject()

    def _on_failed(self, error: BaseException) -> None:
        self._storing = False
        message = _error_text(self, error)
        if message is not None:
            self._error.show_message(message)
        self._read_selection()

    # Holder entities

    def _on_action_toggled(self, _number: int, checked: bool) -> None:
        if checked:
            self._update()

    def _edit_holders(self) -> None:
        dialog = HolderEntitiesDialog(self._workspace, self)
        dialog.entities_changed.connect(self._on_holders_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _on_holders_changed(self) -> None:
        self._load_holders(self._holder_combo.currentData())
        self._update()


# The holder entities dialog


class HolderEntitiesDialog(QDialog):
    """Lists the entities of the municipal group that hold buildings, and adds and renames them.

    An entity is identified by its business ID (Y-tunnus), which cannot change once
    added. Errors of the service are shown under the form as sentences.

    Signals:
        entities_changed(): an entity was added or changed and is stored.
    """

    entities_changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._holders: list[HolderEntityInfo] = []
        self._busy = False

        self.setWindowTitle(_("Holder entities"))
        self._list = self._create_list()
        self._business_id = QLineEdit(self)
        self._business_id.setPlaceholderText("1234567-1")
        self._name = QLineEdit(self)
        self._name.setMaxLength(HOLDER_NAME_MAX_LENGTH)
        self._kind = QComboBox(self)
        for kind in (None, *HolderKind):
            self._kind.addItem(holder_kind_label(kind), kind)
        self._new_button = QPushButton(_("&New entity"), self)
        self._add_button = QPushButton(_("&Add"), self)
        self._save_button = QPushButton(_("&Save changes"), self)
        self._error = MessageLine(self)
        self._buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self._buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))

        self._lay_out()
        self._connect()
        self._reload(select_id=None)

    # State, for the main window and tests

    @property
    def holders(self) -> list[HolderEntityInfo]:
        """The entities as listed, in the list's order."""
        return list(self._holders)

    @property
    def is_ready(self) -> bool:
        """Whether no change is being stored."""
        return not self._busy

    @property
    def error_text(self) -> str:
        return self._error.text

    @property
    def business_id_edit(self) -> QLineEdit:
        return self._business_id

    @property
    def name_edit(self) -> QLineEdit:
        return self._name

    @property
    def kind_combo(self) -> QComboBox:
        return self._kind

    @property
    def add_button(self) -> QPushButton:
        return self._add_button

    @property
    def save_button(self) -> QPushButton:
        return self._save_button

    @property
    def list_widget(self) -> QTreeWidget:
        return self._list

    def selected_holder(self) -> HolderEntityInfo | None:
        item = self._list.currentItem()
        if item is None or not item.isSelected():
            return None
        holder_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((holder for holder in self._holders if holder.id == holder_id), None)

    def select_holder(self, holder_entity_id: int | None) -> None:
        """Select an entity for editing, or none to add a new one."""
        self._list.clearSelection()
        self._list.setCurrentIndex(QModelIndex())
        for row in range(self._list.topLevelItemCount()):
            item = self._list.topLevelItem(row)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == holder_entity_id:
                self._list.setCurrentItem(item)
                item.setSelected(True)
        self._fill_form()

    def add(self) -> None:
        """Add the entity of the form."""
        business_id = self._business_id.text().strip()
        if not business_id:
            self._error.show_message(
                _("Enter the business ID of the holder entity, such as 1234567-1.")
            )
            return
        name = self._name.text()
        kind: HolderKind | None = self._kind.currentData()
        portfolio = self._workspace.portfolio
        self._store(
            "add holder entity",
            lambda _context: portfolio.add_holder_entity(name, business_id, kind),
        )

    def save(self) -> None:
        """Store the name and kind of the form for the selected entity."""
        holder = self.selected_holder()
        if holder is None:
            return
        name = self._name.text()
        kind: HolderKind | None = self._kind.currentData()
        portfolio = self._workspace.portfolio
        holder_id = holder.id
        self._store(
            "update holder entity",
            lambda _context: portfolio.update_holder_entity(holder_id, name=name, kind=kind),
        )

    # Layout

    def _create_list(self) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setHeaderLabels([_("Name"), _("Business ID"), _("Kind"), _("Buildings")])
        tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree.header().setStretchLastSection(False)
        return tree

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow(_("&Business ID:"), self._business_id)
        form.addRow(_("Na&me:"), self._name)
        form.addRow(_("&Kind:"), self._kind)

        actions = QHBoxLayout()
        actions.addWidget(self._new_button)
        actions.addStretch(1)
        actions.addWidget(self._add_button)
        actions.addWidget(self._save_button)

        box = QGroupBox(_("Holder entity"), self)
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(form)
        box_layout.addWidget(self._error)
        box_layout.addLayout(actions)

        layout = QVBoxLayout(self)
        layout.addWidget(self._list, 1)
        layout.addWidget(box)
        layout.addWidget(self._buttons)
        self.resize(_width_for(self, HOLDERS_DIALOG_CHARACTERS), self.sizeHint().height())

    def _connect(self) -> None:
        self._list.itemSelectionChanged.connect(self._fill_form)
        self._new_button.clicked.connect(lambda: self.select_holder(None))
        self._add_button.clicked.connect(self.add)
        self._save_button.clicked.connect(self.save)
        self._business_id.returnPressed.connect(self._on_return_pressed)
        self._name.returnPressed.connect(self._on_return_pressed)
        self._buttons.rejected.connect(self.reject)

    # Reading and showing

    def _reload(self, select_id: int | None) -> None:
        self._holders = sorted_holders(self._workspace.portfolio.list_holder_entities())
        self._list.blockSignals(True)
        self._list.clear()
        for holder in self._holders:
            self._list.addTopLevelItem(self._item(holder))
        self._list.blockSignals(False)
        self.select_holder(select_id)

    def _item(self, holder: HolderEntityInfo) -> QTreeWidgetItem:
        item = QTreeWidgetItem(
            [
                holder.name or "",
                holder.business_id,
                holder_kind_label(holder.kind) if holder.kind is not None else "",
                str(holder.building_count),
            ]
        )
        item.setData(0, Qt.ItemDataRole.UserRole, holder.id)
        item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _fill_form(self) -> None:
        holder = self.selected_holder()
        self._error.clear()
        self._business_id.setText(holder.business_id if holder is not None else "")
        self._business_id.setReadOnly(holder is not None)
        name = holder.name if holder is not None else None
        self._name.setText(name or "")
        kind = holder.kind if holder is not None else None
        self._kind.setCurrentIndex(self._kind.findData(kind))
        self._update_buttons()

    def _update_buttons(self) -> None:
        editing = self.selected_holder() is not None
        self._add_button.setVisible(not editing)
        self._save_button.setVisible(editing)
        for widget in (self._add_button, self._save_button, self._new_button, self._list):
            widget.setEnabled(not self._busy)

    # Storing

    def _on_return_pressed(self) -> None:
        if self.selected_holder() is None:
            self.add()
        else:
            self.save()

    def _store(self, name: str, job: Callable[[TaskContext], HolderEntityInfo]) -> None:
        self._busy = True
        self._error.clear()
        self._update_buttons()
        self._workspace.write(
            name, job, changed=lambda _info: [], done=self._on_stored, failed=self._on_failed
        )

    def _on_stored(self, holder: HolderEntityInfo) -> None:
        self._busy = False
        self._reload(select_id=holder.id)
        self.entities_changed.emit()

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        self._update_buttons()
        message = _error_text(self, error)
        if message is not None:
            self._error.show_message(message)

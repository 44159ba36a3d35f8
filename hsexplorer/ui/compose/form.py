"""The composer's form: one typed editor per field of the send body, built from the event's definition.

Editors are built once per definition (never per keystroke) and only show values; every edit
goes out as `value_edited(key, value)` for the page to hand to the controller. Properties the
definition does not declare get free-form editors under "Not in the definition".
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.attribution_form import attribution_properties
from hsexplorer.domain.composer import (
    EVENT_FIELD,
    OCCURRED_AT_FIELD,
    PAYLOAD_FIELD,
    PROPERTIES_FIELD,
    UUID_FIELD,
    ComposerState,
    can_add_properties_by_hand,
    identifier_kinds,
)
from hsexplorer.domain.findings import Finding, Severity
from hsexplorer.ui.compose.attribution_section import AttributionSection, attribution_editor
from hsexplorer.ui.compose.finding_line import FindingLine
from hsexplorer.ui.compose.identifier_editor import IdentifierEditor
from hsexplorer.ui.compose.property_editors import (
    DateTimeEditor,
    FieldEditor,
    FreeFormEditor,
    TextEditor,
    editor_for,
)
from hsexplorer.ui.icons import icon
from hsexplorer.ui.theme import SEVERITY_KINDS
from hsexplorer.ui.widgets.focus_order import chain_in_reading_order


class CollapsibleGroup(QWidget):
    """A titled group whose body folds away (HubSpot's default properties are many and rarely used)."""

    def __init__(self, title: str, tooltip: str, expanded: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(2)
        self.header = QToolButton()
        self.header.setObjectName("groupHeader")
        self.header.setCheckable(True)
        self.header.setChecked(expanded)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setStyleSheet("QToolButton { border: none; font-weight: 600; }")
        self.header.setAccessibleName(title)
        self.header.setToolTip(tooltip)
        self.header.toggled.connect(self.set_expanded)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(12, 0, 0, 0)
        self.body_layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self._title = title
        self.set_expanded(expanded)

    def set_title(self, title: str) -> None:
        self._title = title
        self._update_header()

    def _update_header(self) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if self.header.isChecked() else Qt.ArrowType.RightArrow)
        self.header.setText(self._title)

    def set_expanded(self, expanded: bool) -> None:
        if self.header.isChecked() != expanded:
            self.header.setChecked(expanded)
            return
        self.body.setVisible(expanded)
        self._update_header()

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()


class ComposeForm(QScrollArea):
    """The scrolling form of one occurrence; `state_of` returns the controller's current state."""

    value_edited = Signal(str, object)  # field key, new value
    identifier_kind_changed = Signal(object, object)  # old kind, new kind
    new_uuid_requested = Signal()
    property_added = Signal(str, str)  # name, value (a property added by hand)
    property_removed = Signal(str)  # field key of a free-form property

    def __init__(self, state_of: Callable[[], ComposerState], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state_of = state_of
        self.editors: dict[str, FieldEditor] = {}
        self._property_editors: dict[str, FieldEditor] = {}
        self._free_editors: dict[str, FreeFormEditor] = {}
        self._built_for: object = object()
        self.form = QWidget()
        self.form.setObjectName("composerForm")
        layout = QVBoxLayout(self.form)
        layout.setContentsMargins(8, 4, 12, 8)
        layout.setSpacing(4)
        # Reserved lines (see FindingLine): findings about the whole payload never push the fields down.
        self.payload_message = FindingLine(hint="Findings about the payload as a whole; all of them are in the list")
        self.payload_message.setAccessibleName("Findings about the whole payload")
        layout.addWidget(self.payload_message)
        self.event_editor = TextEditor(EVENT_FIELD, "Event name (eventName)",
                                       "The fully qualified event name (pe{portalId}_{name}); choose an event on the left "
                                       "or type any name, e.g. one the token cannot list",
                                       placeholder="pe1234567_event_name")
        self.identifier_editor = IdentifierEditor()
        self.identifier_editor.kind_changed.connect(self.identifier_kind_changed)
        self.occurred_editor = DateTimeEditor(OCCURRED_AT_FIELD, "Occurred at (occurredAt)",
                                              "When the event happened; empty means when HubSpot receives it")
        self.uuid_editor = TextEditor(UUID_FIELD, "Occurrence ID (uuid)",
                                      "A fresh uuid is filled in for every send so a retry is never counted twice; "
                                      "clear it to send without one", placeholder="no uuid: HubSpot makes one up")
        self.new_uuid = QToolButton()
        self.new_uuid.setIcon(icon("refresh"))
        self.new_uuid.setAccessibleName("New uuid")
        self.new_uuid.setToolTip("Fill in a fresh uuid")
        self.new_uuid.clicked.connect(self.new_uuid_requested)
        self.uuid_editor.input_layout.addWidget(self.new_uuid)
        for editor in (self.event_editor, self.identifier_editor, self.occurred_editor, self.uuid_editor):
            self._register(editor)
            layout.addWidget(editor)
        self.attribution = AttributionSection()
        self.attribution_note = self.attribution.precedence
        layout.addWidget(self.attribution)

        heading = QHBoxLayout()
        title = QLabel("Properties")
        title.setStyleSheet("font-weight: 600; font-size: 13px;")
        heading.addWidget(title)
        self.property_count = QLabel("")
        self.property_count.setObjectName("mutedText")
        self.property_count.setAccessibleName("Properties set")
        heading.addWidget(self.property_count, 1)
        layout.addLayout(heading)
        filters = QHBoxLayout()
        self.property_search = QLineEdit()
        self.property_search.setPlaceholderText("Search properties")
        self.property_search.setClearButtonEnabled(True)
        self.property_search.setAccessibleName("Search properties")
        self.property_search.setToolTip("Show only properties whose name or label contains this text")
        self.property_search.textChanged.connect(self.apply_filter)
        self.only_set = QCheckBox("Only set")
        self.only_set.setAccessibleName("Only set properties")
        self.only_set.setToolTip("Show only the properties that have a value")
        self.only_set.toggled.connect(self.apply_filter)
        filters.addWidget(self.property_search, 1)
        filters.addWidget(self.only_set)
        layout.addLayout(filters)
        self.properties_message = FindingLine(hint="Findings about the properties as a whole")
        self.properties_message.setAccessibleName("Findings about the properties")
        layout.addWidget(self.properties_message)
        self.custom_group = CollapsibleGroup("Event properties", "The properties this event defines")
        self.default_group = CollapsibleGroup("HubSpot default properties", "Properties HubSpot adds to every event "
                                              "(page, device, location, attribution)", expanded=False)
        self.free_group = CollapsibleGroup("Not in the definition", "Properties added by hand; HubSpot refuses "
                                           "properties the event does not define")
        layout.addWidget(self.custom_group)
        layout.addWidget(self.default_group)
        layout.addWidget(self.free_group)
        self.add_row = QWidget()
        add_row = QHBoxLayout(self.add_row)
        add_row.setContentsMargins(0, 0, 0, 0)
        self.add_name = QLineEdit()
        self.add_name.setPlaceholderText("property name")
        self.add_name.setAccessibleName("New property name")
        self.add_name.setToolTip("The internal name of a property to add by hand")
        self.add_value = QLineEdit()
        self.add_value.setPlaceholderText("value")
        self.add_value.setAccessibleName("New property value")
        self.add_value.setToolTip("Its value, sent as typed")
        self.add_button = QPushButton(icon("add"), "Add")
        self.add_button.setAccessibleName("Add property")
        self.add_button.setToolTip("Add this property to the payload")
        self.add_button.clicked.connect(self._add_free_property)
        self.add_value.returnPressed.connect(self._add_free_property)
        add_row.addWidget(self.add_name, 2)
        add_row.addWidget(self.add_value, 3)
        add_row.addWidget(self.add_button)
        self.free_group.body_layout.addWidget(self.add_row)
        layout.addStretch(1)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the form wraps instead
        self.setWidget(self.form)
        self.setAccessibleName("Occurrence form")
        self.setToolTip("")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the editors; focusing one scrolls to it

    def _register(self, editor: FieldEditor) -> None:
        self.editors[editor.key] = editor
        editor.value_edited.connect(self.value_edited)

    # --- the editors, for callers that drive the form (the page, tests, benchmarks) -------------
    def property_editor(self, name: str) -> FieldEditor:
        """The editor of a property the definition declares (KeyError if it has none)."""
        return self._property_editors[name]

    def property_editors(self) -> dict[str, FieldEditor]:
        """The definition's property editors by name, in the form's order."""
        return dict(self._property_editors)

    def free_editor(self, name: str) -> FreeFormEditor:
        """The editor of a property the payload has but the definition does not declare."""
        return self._free_editors[name]

    def rebuild(self) -> None:
        """Editors for the definition's properties: built once per definition, never per keystroke."""
        definition = self._state_of().definition
        if definition is self._built_for:
            return
        self._built_for = definition
        for editor in self._property_editors.values():
            self.editors.pop(editor.key, None)
            editor.hide()  # a removed editor must not linger as a window of its own until it is deleted
            editor.setParent(None)
            editor.deleteLater()
        self._property_editors.clear()
        kinds = identifier_kinds(definition)
        self.identifier_editor.set_kinds(kinds, self._state_of().matching_property_name)
        attribution = attribution_properties(definition)
        self.add_row.setVisible(can_add_properties_by_hand(definition))
        if definition is None:
            self.attribution.set_editors({})
            self.custom_group.set_title("Event properties (choose an event to see its properties)")
            self.default_group.hide()
            chain_in_reading_order(self.form)
            return
        self.form.setUpdatesEnabled(False)
        try:
            # The attribution properties first, in the section's order; they are not repeated below.
            section = {prop.name: attribution_editor(prop) for prop in attribution}
            self.attribution.set_editors(section)
            for name, editor in section.items():
                self._property_editors[name] = editor
                self._register(editor)
            for prop in definition.properties:
                if prop.name in section:
                    continue
                editor = editor_for(prop)
                self._property_editors[prop.name] = editor
                self._register(editor)
                group = self.default_group if prop.hubspot_defined else self.custom_group
                group.body_layout.addWidget(editor)
        finally:
            self.form.setUpdatesEnabled(True)
        custom = len(definition.custom_properties)
        other_defaults = [p for p in definition.default_properties if p.name not in section]
        self.custom_group.set_title(f"Event properties ({custom})")
        self.default_group.set_title(f"HubSpot default properties ({len(other_defaults)} more)" if section
                                     else f"HubSpot default properties ({len(other_defaults)})")
        self.default_group.setVisible(bool(other_defaults))
        chain_in_reading_order(self.form)  # the new editors are reached where they sit, not after Send

    def _sync_free_form(self) -> None:
        state = self._state_of()
        shown = self.attribution.editors  # hs_asset_title is not in the definition but has its editor there
        names = [n for n in (state.extra_property_names() if state.definition is not None else state.property_names())
                 if n not in shown]
        added = [n for n in names if n not in self._free_editors]
        for name in [n for n in self._free_editors if n not in names]:
            editor = self._free_editors.pop(name)
            self.editors.pop(editor.key, None)
            editor.hide()  # a removed editor must not linger as a window of its own until it is deleted
            editor.setParent(None)
            editor.deleteLater()
        for name in names:
            if name not in self._free_editors:
                editor = FreeFormEditor("properties." + name, name)
                editor.remove_requested.connect(self.property_removed)
                self._free_editors[name] = editor
                self._register(editor)
                self.free_group.body_layout.addWidget(editor)
        self.free_group.set_title(f"Not in the definition ({len(names)})" if names else "Add a property by hand")
        # With a definition HubSpot accepts only its properties: no group at all unless the payload has strays.
        self.free_group.setVisible(bool(names) or can_add_properties_by_hand(state.definition))
        if added:
            chain_in_reading_order(self.form)

    def show_values(self) -> None:
        """Every editor shows the state's value (no signals: this is the state → form direction)."""
        state = self._state_of()
        self.event_editor.set_value(state.get("eventName"))
        kind = state.identifier_kind(self.identifier_editor.current_kind)
        self.identifier_editor.show_identifier(kind, state.identifier_text(kind))
        self.occurred_editor.set_value(state.get("occurredAt"))
        self.uuid_editor.set_value(state.get("uuid"))
        self._sync_free_form()
        for name, editor in self._property_editors.items():
            editor.set_value(state.property_value(name) if state.is_property_set(name) else None)
        for name, editor in self._free_editors.items():
            editor.set_value(state.property_value(name))
        self.apply_filter()

    def apply_filter(self) -> None:
        needle = self.property_search.text().strip().lower()
        only_set = self.only_set.isChecked()
        for name, editor in (*self._property_editors.items(), *self._free_editors.items()):
            visible = (not needle or needle in name.lower() or needle in editor.caption_text.lower()) and (
                not only_set or self._state_of().is_property_set(name)
            )
            if editor.isHidden() == visible:
                editor.setVisible(visible)
        if needle or only_set:
            self.default_group.set_expanded(True)

    def _add_free_property(self) -> None:
        name = self.add_name.text().strip()
        if not name:
            self.add_name.setFocus()
            return
        value = self.add_value.text()
        self.add_name.clear()
        self.add_value.clear()
        self.property_added.emit(name, value)

    # --- findings -------------------------------------------------------------------------------
    def show_findings(self, grouped: dict[str, list[Finding]]) -> None:
        for key, editor in self.editors.items():
            editor.show_findings(grouped.get(key, ()))
        for label, key in ((self.payload_message, PAYLOAD_FIELD), (self.properties_message, PROPERTIES_FIELD)):
            items = grouped.get(key, [])
            if not items:
                label.clear()
                continue
            label.setText("\n".join(f"{'✖' if f.severity is Severity.ERROR else '▲' if f.severity is Severity.WARNING else 'ℹ'} "
                                    f"{f.message}" for f in items))
            worst = min(items, key=lambda f: f.severity.rank).severity
            label.set_colour(SEVERITY_KINDS[worst])

    def focus(self, key: str) -> bool:
        """Show and focus the editor of `key`; False when the form has none (the JSON shows it)."""
        editor = self.editors.get(key)
        if editor is None or key in (PAYLOAD_FIELD, PROPERTIES_FIELD):
            return False
        if editor.isHidden():
            self.property_search.clear()
            self.only_set.setChecked(False)
        for group in (self.custom_group, self.default_group, self.free_group):  # the attribution section never folds
            if group.isAncestorOf(editor):
                group.set_expanded(True)
        self.ensureWidgetVisible(editor, 0, 40)
        editor.focus_input()
        return True

"""The composer's Attribution section: asset type, asset title, page id and touchpoint source,
at the top of the form rather than inside the folded "HubSpot default properties" group.

Which properties appear, their vocabularies and the precedence sentence are decided in
`domain.attribution_form`; this widget lays them out and shows the precedence between the
two asset-type fields (always said; a warning once both are set).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from hsexplorer.domain.attribution import PAGE_CONTENT_TYPE_PROPERTY
from hsexplorer.domain.attribution_form import (
    ASSET_TITLE_PRECEDENCE,
    ASSET_TITLE_PROPERTY,
    ASSET_TYPE_PRECEDENCE,
    PAGE_TITLE_PROPERTY,
    precedence_note,
    vocabulary_terms,
)
from hsexplorer.domain.definitions import PropertyDefinition
from hsexplorer.domain.findings import Severity
from hsexplorer.ui.compose.finding_line import FindingLine
from hsexplorer.ui.compose.property_editors import FieldEditor, editor_for
from hsexplorer.ui.compose.vocabulary_combo import VocabularyEditor
from hsexplorer.ui.theme import SEVERITY_KINDS

MUTED = "muted"  # the theme's hint colour (ui/theme.py)


def _tooltip(prop: PropertyDefinition) -> str:
    if prop.name == ASSET_TITLE_PROPERTY:
        return ("hs_asset_title (string)\nThe asset's title for attribution reports. HubSpot's attribution docs "
                "name it beside hs_page_title, though the default-properties table does not list it.")
    return f"{prop.name} ({prop.type.value})\nA default property HubSpot defines for every event; used for attribution."


def attribution_editor(prop: PropertyDefinition) -> FieldEditor:
    """A searchable vocabulary dropdown for asset types and touchpoint sources, else the usual editor."""
    terms = vocabulary_terms(prop.name, prop)
    caption = f"{prop.label}  ·  {prop.name}" if prop.label and prop.label != prop.name else prop.name
    if terms is not None:
        return VocabularyEditor("properties." + prop.name, caption, _tooltip(prop), terms)
    editor = editor_for(prop)
    editor.setToolTip(_tooltip(prop))
    return editor


class AttributionSection(QFrame):
    """A titled section; `set_editors` places the editors the form built for this event."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attributionSection")
        self.setAccessibleName("Attribution")
        self.setToolTip("How HubSpot credits this occurrence in attribution reports")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(2)
        self.title = QLabel("Attribution")
        self.title.setStyleSheet("font-weight: 600; font-size: 13px;")
        self.title.setAccessibleName("Attribution section")
        self.title.setToolTip("Asset type, asset title, page and touchpoint source: what attribution reports read")
        layout.addWidget(self.title)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(2)
        layout.addLayout(self.body)
        # Two reserved rows, said whether or not a value is set: the precedence never appears
        # out of nowhere, so the fields below it never move.
        self.precedence = FindingLine(lines=2, hint="HubSpot's documented rule for the two asset-type properties")
        self.precedence.setAccessibleName("Asset type precedence")
        self.precedence.setText(ASSET_TYPE_PRECEDENCE)
        self.precedence.set_colour(MUTED)
        self.title_note = FindingLine(hint="Either property carries the asset's title")
        self.title_note.setAccessibleName("Asset title properties")
        self.title_note.setText(ASSET_TITLE_PRECEDENCE)
        self.title_note.set_colour(MUTED)
        self.editors: dict[str, FieldEditor] = {}

    def set_editors(self, editors: dict[str, FieldEditor]) -> None:
        """Lay out this event's attribution editors (by property name, in the section's order)."""
        for editor in self.editors.values():
            self.body.removeWidget(editor)
        for note in (self.precedence, self.title_note):
            self.body.removeWidget(note)
            note.setParent(None)
        self.editors = dict(editors)
        for name, editor in editors.items():
            if name == PAGE_TITLE_PROPERTY and ASSET_TITLE_PROPERTY in editors:
                self.body.addWidget(self.title_note)
            self.body.addWidget(editor)
            if name == PAGE_CONTENT_TYPE_PROPERTY:
                self.body.addWidget(self.precedence)
        self.setVisible(bool(editors))

    def show_precedence(self, content_type: object, asset_type: object) -> None:
        text, warning = precedence_note(content_type, asset_type)
        if text != self.precedence.text():
            self.precedence.setText(text)
        self.precedence.set_colour(SEVERITY_KINDS[Severity.WARNING] if warning else MUTED)

    @property
    def warns(self) -> bool:
        return self.precedence.text() != ASSET_TYPE_PRECEDENCE

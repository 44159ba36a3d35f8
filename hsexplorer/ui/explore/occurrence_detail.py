"""One occurrence, readable: its properties as a list (labels from the definition), its JSON,
and the two ways onward — send a similar event, or show everything this record did."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hsexplorer.domain.definitions import EventDefinition
from hsexplorer.domain.occurrence_table import UNKNOWN_TIME, similar_send_payload
from hsexplorer.domain.values import read_time
from hsexplorer.ui.buttons import push_button
from hsexplorer.ui.explore.results_model import local_time_text, utc_time_text


class OccurrenceDetail(QWidget):
    open_in_composer = Signal(dict)  # a send body like the shown occurrence
    show_record_requested = Signal(str, str)  # object type, object id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Occurrence details")
        self.occurrence: dict[str, Any] | None = None
        self._definition: EventDefinition | None = None
        # (object type, id) -> the record as people know it ("name <email>"), "" when unknown
        self.record_namer: Callable[[str, str], str] = lambda _type, _id: ""
        # (object type, id) -> the record's page in HubSpot; ValueError says why there is none
        self.record_url_for: Callable[[str, str], str] = _no_url
        self.record_url = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.heading = QLabel("Select an occurrence to see its details.")
        self.heading.setObjectName("detailHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.heading.setAccessibleName("Selected occurrence")
        # Beside the heading, not in the button row below: that row already sets the pane's width.
        self.open_record_button = push_button("HubSpot", "Open the record's page in HubSpot", self._open_record,
                                              icon_name="explore", name="Open in HubSpot")
        heading_row = QHBoxLayout()
        heading_row.addWidget(self.heading, 1)
        heading_row.addWidget(self.open_record_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(heading_row)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Occurrence views")
        self.tabs.setToolTip("The occurrence as a property list or as the JSON HubSpot returned")
        self.properties = QTreeWidget()
        self.properties.setColumnCount(2)
        self.properties.setHeaderLabels(["Property", "Value"])
        self.properties.setRootIsDecorated(False)
        self.properties.setAlternatingRowColors(True)
        self.properties.setAccessibleName("Occurrence properties")
        self.properties.setToolTip("Every field and property of the occurrence; hover a name for its internal name")
        self.json_view = QPlainTextEdit()
        self.json_view.setReadOnly(True)
        self.json_view.setAccessibleName("Occurrence JSON")
        self.json_view.setToolTip("The occurrence exactly as HubSpot returned it")
        self.json_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.tabs.addTab(self.properties, "Properties")
        self.tabs.addTab(self.json_view, "JSON")
        layout.addWidget(self.tabs, 1)

        buttons = QHBoxLayout()
        self.similar_button = self._button("Send a similar event", "compose",
                                           "Open this event, record and properties in the composer, to send another like it")
        self.record_button = self._button("Show all events for this record", "explore",
                                          "Search every event of this occurrence's record")
        self.copy_button = self._button("Copy JSON", "copy", "Copy the occurrence's JSON to the clipboard")
        self.similar_button.clicked.connect(self._send_similar)
        self.record_button.clicked.connect(self._show_record)
        self.copy_button.clicked.connect(self._copy_json)
        for button in (self.similar_button, self.record_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.show_event(None)

    def _button(self, text: str, icon_name: str, tip: str) -> QPushButton:
        return push_button(text, tip, icon_name=icon_name)

    def add_header_widget(self, widget: QWidget) -> None:
        """Above the occurrence (e.g. the contact card)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, widget)

    def refresh(self) -> None:
        """Show the occurrence again (its record's name became known)."""
        if self.occurrence is not None:
            self.show_event(self.occurrence, self._definition)

    def show_event(self, event: Mapping[str, Any] | None, definition: EventDefinition | None = None) -> None:
        self.occurrence = dict(event) if event is not None else None
        self._definition = definition
        self.properties.clear()
        for button in (self.similar_button, self.record_button, self.copy_button):
            button.setEnabled(event is not None)
        self._show_record_url(event)
        if event is None:
            self.heading.setText("Select an occurrence to see its details.")
            self.json_view.setPlainText("")
            return
        reading = read_time(event.get("occurredAt"))
        ms = reading.epoch_ms if reading.epoch_ms is not None else UNKNOWN_TIME
        label = definition.label if definition is not None and definition.label else str(event.get("eventType"))
        object_type, object_id = str(event.get("objectType")), str(event.get("objectId"))
        record = self.record_namer(object_type, object_id)
        record = f"{record} · {object_type.title()} {object_id}" if record else f"{object_type} {object_id}"
        self.heading.setText(f"<b>{_escape(label)}</b> · {local_time_text(ms)} · {_escape(record)}")
        self.heading.setToolTip(utc_time_text(ms))
        rows: list[tuple[str, str, str]] = [
            ("Event", str(event.get("eventType", "")), "eventType"),
            ("Occurred (local)", local_time_text(ms), "occurredAt"),
            ("Occurred (UTC)", utc_time_text(ms), "occurredAt"),
            ("Object type", str(event.get("objectType", "")), "objectType"),
            ("Record ID", str(event.get("objectId", "")), "objectId"),
            *([("Contact", name, "the contact's name and email (CRM)")] if (name := self.record_namer(object_type, object_id)) else []),
            ("Occurrence id", str(event.get("id", "")), "id"),
        ]
        raw_props = event.get("properties")
        props: Mapping[str, Any] = raw_props if isinstance(raw_props, Mapping) else {}
        for name in sorted(props, key=lambda n: (n.startswith("hs_"), n)):
            prop = definition.find_property(name) if definition is not None else None
            shown = str(props[name])
            if prop is not None and prop.options:
                option = next((o for o in prop.options if o.value == shown), None)
                if option is not None and option.label and option.label != shown:
                    shown = f"{option.label} ({shown})"
            rows.append((prop.label if prop is not None and prop.label else name, shown, f"property {name}"))
        for title, value, internal in rows:
            item = QTreeWidgetItem([title, value])
            item.setToolTip(0, internal)
            item.setToolTip(1, value)
            self.properties.addTopLevelItem(item)
        self.properties.resizeColumnToContents(0)
        self.json_view.setPlainText(json.dumps(event, indent=2, ensure_ascii=False))

    def _show_record_url(self, event: Mapping[str, Any] | None) -> None:
        self.record_url, why = "", "Select an occurrence to open its record in HubSpot"
        if event is not None:
            try:
                self.record_url = self.record_url_for(str(event.get("objectType", "")), str(event.get("objectId", "")))
            except ValueError as exc:
                why = str(exc)
        self.open_record_button.setEnabled(bool(self.record_url))
        self.open_record_button.setToolTip(f"Open {self.record_url}" if self.record_url else why)

    def _open_record(self) -> None:
        if self.record_url:
            QDesktopServices.openUrl(QUrl(self.record_url))

    def _send_similar(self) -> None:
        if self.occurrence is not None:
            self.open_in_composer.emit(similar_send_payload(self.occurrence))

    def _show_record(self) -> None:
        if self.occurrence is not None:
            self.show_record_requested.emit(str(self.occurrence.get("objectType", "")), str(self.occurrence.get("objectId", "")))

    def _copy_json(self) -> None:
        if self.occurrence is not None:
            QGuiApplication.clipboard().setText(json.dumps(self.occurrence, indent=2, ensure_ascii=False))


def _no_url(_object_type: str, _object_id: str) -> str:
    raise ValueError("The account's portal is not known yet.")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""Icons drawn from the SVG sources in resources/icons, sharp at any scale and in any theme.

The UI icons use `currentColor`; the engine paints them with the palette's text colour at
paint time (dimmed when disabled), so one SVG serves the light and the dark theme and is
rendered at the screen's device pixel ratio instead of being scaled from a bitmap.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from hsexplorer import assets

log = logging.getLogger(__name__)

APP_ICON_PNG_SIZES = (16, 32, 48, 64, 128, 256)


class _SvgIconEngine(QIconEngine):
    def __init__(self, svg: str) -> None:
        super().__init__()
        self._svg = svg
        # Rendered pixmaps by (size, mode, scale, colour): a repaint must not parse the SVG again.
        self._cache: dict[tuple[int, int, int, float, str], QPixmap] = {}

    def _colour(self, mode: QIcon.Mode) -> str:
        palette = QGuiApplication.palette()
        group = QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled else QPalette.ColorGroup.Normal
        role = QPalette.ColorRole.HighlightedText if mode == QIcon.Mode.Selected else QPalette.ColorRole.WindowText
        return palette.color(group, role).name()

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        data = QByteArray(self._svg.replace("currentColor", self._colour(mode)).encode("utf-8"))
        QSvgRenderer(data).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        key = (size.width(), size.height(), int(mode.value), scale, self._colour(mode))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        pixmap = self._render(size, mode, state, scale)
        if len(self._cache) > 32:
            self._cache.clear()
        self._cache[key] = pixmap
        return pixmap

    def _render(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        pixmap = QPixmap(size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(0, 0, pixmap.width(), pixmap.height()), mode, state)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._svg)


@functools.cache
def _svg_source(name: str) -> str | None:
    try:
        return assets.read_text(f"icons/{name}.svg")
    except (FileNotFoundError, OSError):
        log.warning("icon %s.svg is missing", name)
        return None


def icon(name: str) -> QIcon:
    """The named UI icon (`resources/icons/<name>.svg`); an empty icon if the file is missing."""
    svg = _svg_source(name)
    return QIcon(_SvgIconEngine(svg)) if svg else QIcon()


def app_icon() -> QIcon:
    """The application icon made by packaging, if present: PNG renderings, else the SVG."""
    result = QIcon()
    for size in APP_ICON_PNG_SIZES:
        source = assets.asset(f"icons/app-{size}.png")
        if isinstance(source, Path):
            # A file on disk is decoded when a size is first drawn (often never: the window
            # system may not show it), not at every start.
            if source.is_file():
                result.addFile(str(source), QSize(size, size))
            continue
        try:
            data = source.read_bytes()
        except (FileNotFoundError, OSError):
            continue
        pixmap = QPixmap()
        if pixmap.loadFromData(data, "PNG"):
            result.addPixmap(pixmap)
    if result.isNull():
        svg = _svg_source("app")
        if svg:
            result = QIcon(_SvgIconEngine(svg))
    return result

"""Render the app icon (resources/icons/app.svg) into the files each platform wants.

    python packaging/render_icons.py

writes resources/icons/app-{16,...,512}.png (Linux hicolor theme, window icons),
app.ico (Windows: executable and installer) and app.icns (macOS bundle). The results
are committed, so building the app never needs this script; run it after editing the SVG.

Qt draws the SVG (QSvgRenderer); the ICO and ICNS containers are written here because
Qt's image plugins store only one image per file. Both formats are simple: a directory
of PNG streams (ICO: little-endian header and entries; ICNS: big-endian typed chunks).
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
SOURCE_SVG = ICON_DIR / "app.svg"

PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
# Windows Explorer picks from these; 256 is the largest an ICO entry can declare.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS chunk types that hold PNG data, with their pixel sizes (the @2x types are Retina).
ICNS_TYPES = (
    ("icp4", 16),
    ("icp5", 32),
    ("ic11", 32),  # 16@2x
    ("icp6", 64),
    ("ic12", 64),  # 32@2x
    ("ic07", 128),
    ("ic08", 256),
    ("ic13", 256),  # 128@2x
    ("ic09", 512),
    ("ic14", 512),  # 256@2x
    ("ic10", 1024),  # 512@2x
)


def ico_container(pngs: Mapping[int, bytes]) -> bytes:
    """An ICO file holding one PNG per square size (Windows Vista and later read PNG entries)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, image count
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        if not 1 <= size <= 256:
            raise ValueError(f"an ICO entry is 1 to 256 pixels wide, not {size}")
        data = pngs[size]
        dimension = size % 256  # 0 means 256
        # width, height, palette colours, reserved, colour planes, bits per pixel, data size, data offset
        entries.append(struct.pack("<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(data), offset))
        blobs.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(blobs)


def icns_container(chunks: Iterable[tuple[str, bytes]]) -> bytes:
    """An ICNS file: the magic, the total length, then (type, length, data) chunks, big-endian."""
    body = b""
    for ostype, data in chunks:
        code = ostype.encode("ascii")
        if len(code) != 4:
            raise ValueError(f"an ICNS chunk type is four characters, not {ostype!r}")
        body += code + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


class SvgRasterizer:
    """Draws one SVG at any square size into PNG bytes (needs a Qt GUI application)."""

    def __init__(self, svg_path: Path) -> None:
        from PySide6.QtSvg import QSvgRenderer

        self._renderer = QSvgRenderer(str(svg_path))
        if not self._renderer.isValid():
            raise SystemExit(f"{svg_path}: Qt could not read this SVG")
        self._cache: dict[int, bytes] = {}

    def png(self, size: int) -> bytes:
        if size not in self._cache:
            self._cache[size] = self._render(size)
        return self._cache[size]

    def _render(self, size: int) -> bytes:
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
        from PySide6.QtGui import QImage, QPainter

        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self._renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise SystemExit(f"Qt could not encode the {size}px rendering as PNG")
        buffer.close()
        return bytes(data.data())


def render_all(svg_path: Path = SOURCE_SVG, out_dir: Path = ICON_DIR) -> list[Path]:
    """Write every rendering next to the SVG; returns the files written."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 (keeps Qt alive)
    rasterizer = SvgRasterizer(svg_path)
    written = []
    for size in PNG_SIZES:
        written.append(_write(out_dir / f"app-{size}.png", rasterizer.png(size)))
    written.append(_write(out_dir / "app.ico", ico_container({s: rasterizer.png(s) for s in ICO_SIZES})))
    icns = icns_container((ostype, rasterizer.png(size)) for ostype, size in ICNS_TYPES)
    written.append(_write(out_dir / "app.icns", icns))
    return written


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def main() -> int:
    # Rendering needs no display; keep an explicit choice if the caller made one.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in render_all():
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per-platform build settings derived from hsexplorer.appinfo, shared by the spec and build.py.

Kept apart from both so the tests can check them without running PyInstaller or a
Windows/macOS tool chain. Qt-free and PyInstaller-free.
"""

from __future__ import annotations

import plistlib
import string
from importlib import resources
from pathlib import Path
from types import ModuleType

PACKAGING_DIR = Path(__file__).resolve().parent
ROOT = PACKAGING_DIR.parent
ICONS = ROOT / "resources" / "icons"
HOMEPAGE = "https://github.com/hsexplorer/hsexplorer"
RESOURCE_PACKAGE = "hsexplorer.resources"


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """'0.1.0' -> (0, 1, 0, 0); pre-release suffixes ('1.2.0rc1') keep only their number part."""
    numbers = []
    for part in version.split(".")[:4]:
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        numbers.append(int(digits or 0))
    return tuple([*numbers, 0, 0, 0, 0][:4])  # type: ignore[return-value]


def windows_version_text(appinfo: ModuleType) -> str:
    """packaging/windows/version_info.txt with its placeholders filled (PyInstaller's format)."""
    template = string.Template((PACKAGING_DIR / "windows" / "version_info.txt").read_text(encoding="utf-8"))
    return template.substitute(
        version_tuple=repr(version_tuple(appinfo.VERSION)),
        version=appinfo.VERSION,
        app_name=appinfo.APP_NAME,
        app_id=appinfo.APP_ID,
        display_name=appinfo.DISPLAY_NAME,
        organization=appinfo.ORGANIZATION,
    )


def macos_info_plist(appinfo: ModuleType) -> dict:
    """packaging/macos/Info.plist merged with the names and versions from appinfo."""
    with open(PACKAGING_DIR / "macos" / "Info.plist", "rb") as handle:
        values = plistlib.load(handle)
    values.update(
        CFBundleIdentifier=appinfo.APP_ID,
        CFBundleName=appinfo.DISPLAY_NAME,
        CFBundleDisplayName=appinfo.DISPLAY_NAME,
        CFBundleExecutable=appinfo.APP_NAME,
        CFBundleShortVersionString=appinfo.VERSION,
        CFBundleVersion=appinfo.VERSION,
    )
    return values


def inno_setup_defines(appinfo: ModuleType, bundle: Path, output_dir: Path) -> dict[str, str]:
    """The /D values packaging/windows/hsexplorer.iss expects."""
    return {
        "AppId": appinfo.APP_ID,
        "AppName": appinfo.DISPLAY_NAME,
        "AppVersion": appinfo.VERSION,
        "AppPublisher": appinfo.ORGANIZATION,
        "AppUrl": HOMEPAGE,
        "AppExeName": appinfo.APP_NAME,
        "SourceDir": str(bundle),
        "OutputDir": str(output_dir),
        "IconFile": str(ICONS / "app.ico"),
    }


def resource_package_dir() -> Path:
    """Where `hsexplorer.resources` is found by the running Python (a checkout or site-packages)."""
    return Path(str(resources.files(RESOURCE_PACKAGE)))


def resource_datas() -> list[tuple[str, str]]:
    """(source file, bundle folder) for every data file of `hsexplorer.resources`.

    pyproject.toml maps the top-level resources/ folder onto that package, so PyInstaller's
    collect_data_files (which derives destinations from the folder layout) cannot place it.
    """
    package_dir = resource_package_dir()
    datas = []
    for path in sorted(package_dir.rglob("*")):
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts:
            target = Path(*RESOURCE_PACKAGE.split("."), *path.relative_to(package_dir).parent.parts)
            datas.append((str(path), str(target)))
    return datas

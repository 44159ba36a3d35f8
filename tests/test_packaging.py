"""The app as users install it: desktop metadata the distributions' own validators accept,
icons in every platform's format, complete wheel and sdist, and (marker `packaging`, left
out of the default run) a wheel installed in a fresh venv and the frozen app, each started
for real with --smoke-test.

Run the slow part with:  QT_QPA_PLATFORM=offscreen python -m pytest -m packaging tests/test_packaging.py
"""

from __future__ import annotations

import configparser
import importlib.metadata
import importlib.util
import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import venv
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from hsexplorer import __version__, appinfo

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"
ICONS = RESOURCES / "icons"
DESKTOP_FILE = PACKAGING / "linux" / f"{appinfo.APP_ID}.desktop"
METAINFO = PACKAGING / "linux" / f"{appinfo.APP_ID}.metainfo.xml"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
HOMEPAGE = PYPROJECT["project"]["urls"]["Homepage"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_packaging_module(name: str) -> ModuleType:
    """A script from packaging/ (not a package: `packaging` is also a PyPI project's name)."""
    if str(PACKAGING) not in sys.path:
        sys.path.insert(0, str(PACKAGING))
    spec = importlib.util.spec_from_file_location(f"_packaging_{name}", PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, "not a PNG stream"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def require_tool(name: str, debian_package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {debian_package})")
    return path


# --- Linux desktop entry and AppStream metadata -------------------------------------------
def test_desktop_file_passes_desktop_file_validate():
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    done = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in (done.stdout + done.stderr).lower()


def test_desktop_file_launches_the_console_script_with_the_app_id_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP_FILE, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Name"] == appinfo.DISPLAY_NAME
    assert section["Icon"] == appinfo.APP_ID
    assert section["Exec"].split()[0] in PYPROJECT["project"]["scripts"]
    assert section["Terminal"] == "false"


def test_metainfo_passes_appstreamcli_validate():
    tool = require_tool("appstreamcli", "appstream")
    done = subprocess.run([tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_metainfo_describes_this_app_and_this_release():
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == appinfo.APP_ID
    assert component.findtext("name") == appinfo.DISPLAY_NAME
    assert component.findtext("launchable[@type='desktop-id']") == DESKTOP_FILE.name
    assert component.findtext("provides/binary") == appinfo.APP_NAME
    assert component.findtext("url[@type='homepage']") == HOMEPAGE
    release = component.find(f"releases/release[@version='{__version__}']")
    assert release is not None, f"no release notes for {__version__}"
    assert release.findall("description/ul/li"), "the release has no notes"


def test_metainfo_screenshots_are_the_committed_files():
    images = [node.text for node in ET.parse(METAINFO).getroot().iterfind("screenshots/screenshot/image")]
    assert images
    raw_prefix = HOMEPAGE.replace("https://github.com/", "https://raw.githubusercontent.com/") + "/main/"
    for url in images:
        assert url.startswith(raw_prefix), url
        local = ROOT / url.removeprefix(raw_prefix)
        assert local.parent == RESOURCES / "screenshots", url
        assert local.is_file(), f"{url} points at {local}, which does not exist"
        assert local.read_bytes()[:8] == PNG_MAGIC


def test_one_app_id_names_the_keyring_service_and_the_profile_folders(monkeypatch):
    """What the OS shows (desktop file, bundle id, installer) and where the app keeps things agree."""
    from hsexplorer.storage.paths import DATA_DIR_ENV, resolve_paths
    from hsexplorer.storage.secrets import SecretStore

    assert SecretStore().service == appinfo.APP_ID
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    paths = resolve_paths()
    assert paths.config_dir.name == appinfo.APP_ID
    assert paths.data_dir.name == appinfo.APP_ID
    assert DESKTOP_FILE.stem == METAINFO.name.removesuffix(".metainfo.xml") == appinfo.APP_ID


# --- icons ---------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256, 512])
def test_png_renderings_have_the_size_in_their_name(size):
    assert png_size((ICONS / f"app-{size}.png").read_bytes()) == (size, size)


def test_ico_holds_a_png_for_every_windows_size():
    data = (ICONS / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        declared = width or 256
        assert (width, planes, bits) == (height, 1, 32)
        assert png_size(data[offset : offset + length]) == (declared, declared)
        sizes.append(declared)
    assert {16, 32, 48, 256} <= set(sizes)


def test_icns_holds_pngs_up_to_retina_1024():
    data = (ICONS / "app.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    chunks, offset = {}, 8
    while offset < len(data):
        ostype, length = (
            data[offset : offset + 4].decode("ascii"),
            struct.unpack_from(">I", data, offset + 4)[0],
        )
        chunks[ostype] = png_size(data[offset + 8 : offset + length])[0]
        offset += length
    assert offset == len(data)
    assert (
        chunks["ic07"] == 128 and chunks["ic08"] == 256 and chunks["ic09"] == 512 and chunks["ic10"] == 1024
    )


def test_renderings_are_up_to_date_with_the_svg(qapp):
    """Editing app.svg without re-running packaging/render_icons.py would ship a stale icon."""
    from PySide6.QtGui import QImage

    render_icons = load_packaging_module("render_icons")
    rasterizer = render_icons.SvgRasterizer(ICONS / "app.svg")
    for size in (16, 64):
        fresh = QImage.fromData(rasterizer.png(size)).convertToFormat(QImage.Format.Format_ARGB32)
        committed = QImage(str(ICONS / f"app-{size}.png")).convertToFormat(QImage.Format.Format_ARGB32)
        differing = sum(
            1
            for y in range(size)
            for x in range(size)
            if _channel_gap(fresh.pixel(x, y), committed.pixel(x, y))
            > 8  # anti-aliasing may vary by Qt version
        )
        assert differing <= size * size // 50, f"app-{size}.png differs from app.svg in {differing} pixels"


def _channel_gap(a: int, b: int) -> int:
    return max(abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) for shift in (0, 8, 16, 24))


def test_icon_at_16_px_shows_the_white_pulse_on_the_orange_tile(qapp):
    from PySide6.QtGui import QColor, QImage

    image = QImage(str(ICONS / "app-16.png"))
    colours = [QColor(image.pixelColor(x, y)) for y in range(16) for x in range(16)]
    opaque = [c for c in colours if c.alpha() == 255]
    orange = [c for c in opaque if c.red() > 220 and 80 < c.green() < 160 and c.blue() < 120]
    white = [c for c in opaque if min(c.red(), c.green(), c.blue()) > 235]
    assert len(orange) > 100, "the tile should fill most of the icon"
    assert len(white) >= 8, "the pulse line should survive at 16 px"


# --- Windows and macOS configuration --------------------------------------------------------
class _Recorder:
    """Stands in for PyInstaller's version-resource classes (they need pefile, a Windows-only extra)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, *args, **kwargs):
        return (self.kind, args, kwargs)


def test_windows_version_resource_is_filled_from_appinfo():
    bundle_config = load_packaging_module("bundle_config")
    text = bundle_config.windows_version_text(appinfo)
    names = [
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ]
    info = eval(text, {name: _Recorder(name) for name in names})  # PyInstaller loads it the same way
    strings = dict(struct_args for kind, struct_args, _ in _walk(info) if kind == "StringStruct")
    assert strings["ProductVersion"] == __version__
    assert strings["ProductName"] == appinfo.DISPLAY_NAME
    assert strings["OriginalFilename"] == f"{appinfo.APP_NAME}.exe"
    fixed = next(kwargs for kind, _, kwargs in _walk(info) if kind == "FixedFileInfo")
    assert fixed["filevers"] == bundle_config.version_tuple(__version__)


def _walk(node):
    if isinstance(node, tuple) and len(node) == 3 and isinstance(node[0], str):
        yield node
        for child in (*node[1], *node[2].values()):
            yield from _walk(child)
    elif isinstance(node, list | tuple):
        for child in node:
            yield from _walk(child)


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.1.0", (0, 1, 0, 0)), ("2.10.3.7", (2, 10, 3, 7)), ("1.2.0rc1", (1, 2, 0, 0))],
)
def test_version_tuple_for_windows(version, expected):
    assert load_packaging_module("bundle_config").version_tuple(version) == expected


def test_inno_setup_script_uses_only_the_defines_build_py_passes():
    bundle_config = load_packaging_module("bundle_config")
    script = (PACKAGING / "windows" / "hsexplorer.iss").read_text(encoding="utf-8")
    used = set(re.findall(r"\{#(\w+)\}", script)) | set(re.findall(r"StringChange\((\w+)", script))
    defines = bundle_config.inno_setup_defines(appinfo, Path("dist"), Path("out"))
    optional = {"SignTool"}  # only when a signing command is configured
    assert used - optional <= set(defines), f"undefined in build.py: {used - optional - set(defines)}"
    assert defines["AppId"] == appinfo.APP_ID


def test_macos_bundle_uses_the_app_id_and_hardened_runtime_entitlements():
    bundle_config = load_packaging_module("bundle_config")
    info = bundle_config.macos_info_plist(appinfo)
    assert info["CFBundleIdentifier"] == appinfo.APP_ID
    assert info["CFBundleShortVersionString"] == __version__
    assert info["NSHighResolutionCapable"] is True
    with open(PACKAGING / "macos" / "entitlements.plist", "rb") as handle:
        entitlements = plistlib.load(handle)
    assert entitlements and all(key.startswith("com.apple.security.") for key in entitlements)
    assert "com.apple.security.app-sandbox" not in entitlements


# --- the version: one source ------------------------------------------------------------------
def test_version_prints_the_one_version_the_distribution_carries():
    """`hsexplorer --version`, the installed metadata and the changelog all say hsexplorer.__version__."""
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "hsexplorer.__version__"}
    done = subprocess.run(
        [sys.executable, "-m", "hsexplorer", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"hsexplorer {importlib.metadata.version('hsexplorer')}"
    assert importlib.metadata.version("hsexplorer") == __version__ == appinfo.VERSION
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first_entry = re.search(r"^## \[(\d[^\]]*)\]", changelog, re.M)
    assert first_entry and first_entry.group(1) == __version__, "CHANGELOG.md has no entry for this version"


# --- wheel and sdist --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def python_dists(tmp_path_factory) -> tuple[Path, Path]:
    build = load_packaging_module("build")
    return build.python_dists(tmp_path_factory.mktemp("dists"))


def test_wheel_carries_every_package_and_resource_and_no_tests(python_dists):
    _, wheel = python_dists
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"hsexplorer-{__version__}.dist-info/entry_points.txt").decode()
    for init in (ROOT / "hsexplorer").rglob("__init__.py"):
        package_file = init.relative_to(ROOT).as_posix()
        assert package_file in names, f"{package_file} is missing: add its package to pyproject.toml"
    for resource in RESOURCES.rglob("*"):
        if resource.is_file() and resource.suffix != ".pyc" and "__pycache__" not in resource.parts:
            inside = "hsexplorer/resources/" + resource.relative_to(RESOURCES).as_posix()
            assert inside in names, f"{inside} is missing: extend [tool.setuptools.package-data]"
    assert not [name for name in names if name.startswith(("tests/", "packaging/")) or "/tests/" in name]
    assert "hsexplorer = hsexplorer.__main__:main" in entry_points
    # The pytest plugin is found through this entry point in a backend's environment.
    assert "[pytest11]\nhsexplorer = hsexplorer.testing" in entry_points


def test_sdist_carries_sources_tests_and_packaging_files(python_dists):
    import tarfile

    sdist, _ = python_dists
    top = f"hsexplorer-{__version__}/"
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(top) for name in archive.getnames()}
    expected = {
        "pyproject.toml",
        "resources/icons/app.svg",
        "tests/conftest.py",
        f"packaging/linux/{DESKTOP_FILE.name}",
        f"packaging/linux/{METAINFO.name}",
    }
    assert expected <= names, expected - names
    assert not [name for name in names if "__pycache__" in name or name.startswith("packaging/dist")]


# --- installed and frozen, started for real (minutes: -m packaging) ---------------------------
SMOKE_LINES = ("smoke-test: keyring=", "smoke-test: account=", "smoke-test: window shown", "smoke-test: ok")


def _assert_smoke_output(lines: list[str]) -> dict[str, str]:
    for prefix in SMOKE_LINES:
        assert any(line.startswith(prefix) for line in lines), f"no {prefix!r} line in {lines}"
    account = next(line for line in lines if line.startswith("smoke-test: account="))
    assert "sandbox=yes" in account, account
    assert re.search(r"definitions=[1-9]", account), f"the sandbox account showed no definitions: {account}"
    keyring_line = next(line for line in lines if line.startswith("smoke-test: keyring="))
    return {"keyring": keyring_line.removeprefix("smoke-test: keyring=")}


def _offscreen_env(profile: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "HSEXPLORER_"))}
    env.update(QT_QPA_PLATFORM="offscreen", HSEXPLORER_DATA_DIR=str(profile))
    return env


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_wheel_installs_into_a_fresh_venv_and_runs(python_dists, tmp_path):
    _, wheel = python_dists
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=800)
    check = "from hsexplorer.assets import asset; import sys; sys.exit(0 if asset('icons/app.svg').is_file() else 3)"
    subprocess.run([str(python), "-I", "-c", check], check=True, cwd=tmp_path, timeout=60)
    located = subprocess.run(
        [str(python), "-I", "-c", "import hsexplorer; print(hsexplorer.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert str(ROOT) not in located and str(env_dir) in located, located
    script = env_dir / ("Scripts/hsexplorer.exe" if os.name == "nt" else "bin/hsexplorer")
    profile = tmp_path / "profile"
    done = subprocess.run(
        [str(script), "--smoke-test", "--no-error-dialogs", "--data-dir", str(profile)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_offscreen_env(profile),
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    _assert_smoke_output(done.stdout.splitlines())


@pytest.fixture(scope="module")
def frozen_bundle(tmp_path_factory) -> Path:
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed: pip install -e '.[packaging]'")
    build = load_packaging_module("build")
    out = tmp_path_factory.mktemp("frozen")
    return build.freeze(dist_dir=out / "dist", work_dir=out / "work")


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_frozen_app_bundles_qt_plugins_keyring_backends_and_resources(frozen_bundle):
    internal = frozen_bundle / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in (
        "platforms/libqoffscreen",
        "platforms/libqxcb",
        "imageformats/libqsvg",
        "iconengines/libqsvgicon",
    ):
        folder, stem = plugin.split("/")
        assert list((plugins / folder).glob(stem + ".*")), f"Qt plugin {plugin} is missing"
    assert (internal / "hsexplorer" / "resources" / "icons" / "app.svg").is_file()
    metadata = next(internal.glob("keyring-*.dist-info"))
    assert "keyring.backends" in (metadata / "entry_points.txt").read_text()
    share = frozen_bundle / "share"
    assert (share / "applications" / DESKTOP_FILE.name).is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{appinfo.APP_ID}.svg").is_file()


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_frozen_app_passes_its_smoke_test_offscreen(frozen_bundle, tmp_path):
    build = load_packaging_module("build")
    profile = tmp_path / "profile"
    found = _assert_smoke_output(
        build.smoke_test(frozen_bundle, env=_offscreen_env(profile), profile=profile)
    )
    assert found["keyring"], "the keyring line names a backend or says none"
    # Icons and stylesheets reach the frozen app through hsexplorer.assets; a miss is logged.
    log_text = "\n".join(path.read_text(encoding="utf-8") for path in (profile / "logs").glob("*.log"))
    assert log_text.strip(), "the app wrote no log"
    assert "missing" not in log_text, log_text


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_frozen_app_finds_the_secret_service_keyring(frozen_bundle, tmp_path):
    """A frozen app loses keyring's backend discovery unless the spec collects it: prove it does."""
    dbus_run_session = require_tool("dbus-run-session", "dbus")
    require_tool("gnome-keyring-daemon", "gnome-keyring")
    env = _offscreen_env(tmp_path / "profile")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")  # a fresh login keyring
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    executable = frozen_bundle / appinfo.APP_NAME
    script = (
        "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "
        f'exec "{executable}" --smoke-test --no-error-dialogs --data-dir "{tmp_path / "profile"}"'
    )
    done = subprocess.run(
        [dbus_run_session, "--", "sh", "-c", script], capture_output=True, text=True, env=env, timeout=240
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    found = _assert_smoke_output(done.stdout.splitlines())
    assert "secretservice" in found["keyring"].replace(" ", "").lower(), found


# --- the Debian package (marker packaging; installing needs root on Debian/Ubuntu) ---------------
@pytest.fixture(scope="module")
def debian_package(frozen_bundle, tmp_path_factory) -> Path:
    require_tool("dpkg-deb", "dpkg")
    build = load_packaging_module("build")
    return build.debian_package(frozen_bundle, tmp_path_factory.mktemp("deb"))


def _dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["dpkg", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_deb_is_named_for_dpkg_and_declares_measured_depends(debian_package):
    arch = _dpkg("--print-architecture").stdout.strip()
    assert debian_package.name == f"hsexplorer_{__version__}_{arch}.deb"
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(debian_package), "Package", "Version", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Version: {__version__}" in fields
    depends = fields.split("Depends:", 1)[1]
    # What PyInstaller leaves to the system: the C library, OpenGL/EGL and libxcb (never bundled).
    for package in ("libc6", "libegl1", "libxcb1"):
        assert package in depends, depends
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(debian_package)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(
        r"^lrwxrwxrwx root/root .* \./usr/bin/hsexplorer -> /opt/hsexplorer/hsexplorer$", contents, re.M
    )
    for path in (
        f"./usr/share/applications/{appinfo.APP_ID}.desktop",
        f"./usr/share/metainfo/{appinfo.APP_ID}.metainfo.xml",
        f"./usr/share/icons/hicolor/scalable/apps/{appinfo.APP_ID}.svg",
        f"./usr/share/icons/hicolor/48x48/apps/{appinfo.APP_ID}.png",
        "./usr/share/doc/hsexplorer/copyright",
        "./usr/share/doc/hsexplorer/changelog.gz",
    ):
        assert re.search(rf"^-rw-r--r-- root/root .* {re.escape(path)}$", contents, re.M), path
    assert re.search(r"^-rwxr-xr-x root/root .* \./opt/hsexplorer/hsexplorer$", contents, re.M)


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_deb_passes_lintian_with_only_the_justified_overrides(debian_package):
    lintian = require_tool("lintian", "lintian")
    done = subprocess.run(
        [lintian, "--tag-display-limit", "0", str(debian_package)],
        capture_output=True,
        text=True,
        timeout=540,
    )
    findings = [line for line in done.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    assert done.returncode == 0 and not findings, done.stdout + done.stderr


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_deb_installs_runs_and_removes_every_file(debian_package, tmp_path):
    if shutil.which("dpkg") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("installing a .deb needs dpkg and root (CI runs as root on Debian 12)")
    if _dpkg("-s", "hsexplorer").returncode == 0:
        pytest.skip("hsexplorer is already installed on this machine: not touching that installation")
    owned: list[Path] = []
    installed = _dpkg("-i", str(debian_package))
    try:
        assert installed.returncode == 0, installed.stdout + installed.stderr
        files = [Path(line) for line in _dpkg("-L", "hsexplorer").stdout.splitlines() if line.strip()]
        owned = [path for path in files if path.is_symlink() or path.is_file()]
        assert Path("/usr/bin/hsexplorer") in owned and len(owned) > 100

        version = subprocess.run(
            ["/usr/bin/hsexplorer", "--version"], capture_output=True, text=True, timeout=120
        )
        assert version.stdout.strip() == f"hsexplorer {__version__}", version.stderr

        profile = tmp_path / "profile"
        smoke = subprocess.run(
            ["/usr/bin/hsexplorer", "--smoke-test", "--no-error-dialogs", "--data-dir", str(profile)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=_offscreen_env(profile),
            timeout=180,
        )
        assert smoke.returncode == 0, smoke.stdout + smoke.stderr[-3000:]
        _assert_smoke_output(smoke.stdout.splitlines())

        sample = tmp_path / "login.json"
        sample.write_text(
            '{"eventName": "pe1234567_login_event", "email": "bilbo@shire.com", "properties": {}}',
            encoding="utf-8",
        )
        validated = subprocess.run(
            ["/usr/bin/hsexplorer", "validate", str(sample), "--data-dir", str(profile)],
            capture_output=True,
            text=True,
            env=_offscreen_env(profile),
            timeout=120,
        )
        assert validated.returncode == 0, validated.stdout + validated.stderr
        assert "0 errors" in validated.stdout
    finally:
        removed = _dpkg("-r", "hsexplorer")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    left = [str(path) for path in owned if path.exists() or path.is_symlink()]
    assert not left, f"dpkg -r left {left[:10]}"
    assert not Path("/opt/hsexplorer").exists()

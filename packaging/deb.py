"""The Debian package of the frozen app: `python packaging/build.py deb`.

Layout: the one-folder bundle in /opt/hsexplorer (FHS: add-on application software, which a
frozen app with its own Python and Qt is), /usr/bin/hsexplorer a symlink to its executable (the
bootloader finds its folder through /proc/self/exe, so the whole command line works through it),
the desktop entry, AppStream metadata and hicolor icons under /usr/share, and the copyright and
changelog Debian policy asks for. Built with `dpkg-deb --root-owner-group --build`.

`Depends:` is measured on the build machine, never written by hand: every ELF file of the bundle
goes through `ldd` (with the bundle's own folders on LD_LIBRARY_PATH, as the bootloader sets them);
each library it resolves outside the bundle is one PyInstaller left to the system (libc, GL/EGL,
libxcb, wayland); `dpkg -S` names the package that owns it, and that package's shlibs file gives the
minimum version. A library found nowhere fails the build, unless every file needing it is an
optional plugin (OPTIONAL_PLUGINS) that Qt only loads where its library exists. Libraries the app
dlopens at run time without linking them are measured by starting the app with LD_DEBUG=files
(the smoke test, offscreen) and are added the same way.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

PACKAGE = "hsexplorer"
INSTALL_DIR = Path("opt") / PACKAGE
MAINTAINER = "hsexplorer developers <hsexplorer@users.noreply.github.com>"
SECTION = "devel"
# Plugins Qt loads only when their desktop has the library: they never make a dependency.
OPTIONAL_PLUGINS = {
    "platformthemes/libqgtk3.so": "GTK 3 look on GTK desktops, which have GTK 3 installed",
}
ELF_MAGIC = b"\x7fELF"


class DebError(RuntimeError):
    """A step of the .deb build failed; the message says which and why."""


# --- measuring Depends -----------------------------------------------------------------------
def elf_files(bundle: Path) -> list[Path]:
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == ELF_MAGIC:
                    found.append(path)
    return found


def _is_optional(path: Path) -> bool:
    return any(path.as_posix().endswith("/plugins/" + plugin) for plugin in OPTIONAL_PLUGINS)


def _library_path(bundle: Path) -> str:
    folders = sorted({str(p.parent) for p in bundle.rglob("*.so*")} | {str(bundle / "_internal")})
    return os.pathsep.join(folders)


def linked_system_libraries(bundle: Path) -> set[Path]:
    """Libraries outside the bundle that its ELF files link (ldd); fails on a library found nowhere."""
    env = dict(os.environ, LD_LIBRARY_PATH=_library_path(bundle))
    outside: set[Path] = set()
    missing: dict[str, list[str]] = {}
    for elf in elf_files(bundle):
        if _is_optional(elf):
            continue
        done = subprocess.run(["ldd", str(elf)], capture_output=True, text=True, env=env)
        for line in done.stdout.splitlines():
            name, _, target = line.strip().partition(" => ")
            if target.startswith("not found"):
                missing.setdefault(name, []).append(str(elf.relative_to(bundle)))
            elif target.startswith("/"):
                library = Path(target.split(" (")[0])
                if bundle.resolve() not in library.resolve().parents:
                    outside.add(library)
    if missing:
        lines = [f"  {name} (needed by {', '.join(users[:3])})" for name, users in sorted(missing.items())]
        raise DebError(
            "cannot measure Depends: these libraries are on no search path of the build machine; "
            "install their Debian packages and build again:\n" + "\n".join(lines)
        )
    return outside


def loaded_system_libraries(bundle: Path, executable: Path) -> set[Path]:
    """Libraries the app opens at run time (dlopen included): LD_DEBUG=files during the smoke test."""
    with tempfile.TemporaryDirectory(prefix="hsexplorer-deb-") as scratch:
        env = dict(os.environ, LD_DEBUG="files", QT_QPA_PLATFORM="offscreen", HSEXPLORER_DATA_DIR=scratch)
        done = subprocess.run(
            [str(executable), "--smoke-test", "--no-error-dialogs", "--data-dir", scratch],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )
    if done.returncode != 0:
        raise DebError(
            f"the app did not start for the measurement (exit {done.returncode}):\n{done.stderr[-2000:]}"
        )
    outside = set()
    for line in re.findall(r"calling init: (\S+)", done.stderr):
        library = Path(line)
        if library.is_absolute() and bundle.resolve() not in library.resolve().parents:
            outside.add(library)
    return outside


def owning_package(library: Path) -> str:
    """The Debian package that installed `library` (tries the path and its /usr-merged twin)."""
    candidates = [library, library.resolve()]
    for path in list(candidates):
        text = path.as_posix()
        if text.startswith("/usr/lib/"):
            candidates.append(Path(text.removeprefix("/usr")))
        elif text.startswith("/lib/"):
            candidates.append(Path("/usr" + text))
    for path in candidates:
        done = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":")[0].split(",")[0].strip()
    raise DebError(f"no Debian package owns {library} (dpkg -S): install it from a package and build again")


def minimum_version(package: str, library: Path) -> str | None:
    """`(>= X)` from the package's shlibs file for this library's soname, as dpkg-shlibdeps reads it."""
    soname = library.name
    match = re.match(r"(.+)\.so\.(.+)$", soname)
    if not match:
        return None
    name, version = match.group(1), match.group(2)
    for shlibs in Path("/var/lib/dpkg/info").glob(f"{package}*.shlibs"):
        for line in shlibs.read_text(encoding="utf-8").splitlines():
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[0] == name and parts[1] == version:
                found = re.search(r"\(>= ([^)]+)\)", parts[2])
                return found.group(1) if found else None
    return None


def measure_depends(libraries: Iterable[Path]) -> list[str]:
    versions: dict[str, str | None] = {}
    for library in libraries:
        package = owning_package(library)
        version = minimum_version(package, library)
        previous = versions.get(package)
        if package not in versions or (version and (previous is None or _newer(version, previous))):
            versions[package] = version
    return [f"{name} (>= {version})" if version else name for name, version in sorted(versions.items())]


def _newer(a: str, b: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0


# --- staging -----------------------------------------------------------------------------------
def stage(bundle: Path, root: Path, app_id: str) -> None:
    """The installed tree under `root`, with Debian's modes (lintian checks them)."""
    target = root / INSTALL_DIR
    shutil.copytree(bundle, target, symlinks=True, ignore=shutil.ignore_patterns("share"))
    shutil.copytree(bundle / "share", root / "usr" / "share", dirs_exist_ok=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / PACKAGE).symlink_to(Path("/") / INSTALL_DIR / PACKAGE)
    for path in root.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path == target / PACKAGE else 0o644)


def write_docs(root: Path, project_root: Path, version: str, homepage: str) -> None:
    docs = root / "usr" / "share" / "doc" / PACKAGE
    docs.mkdir(parents=True, exist_ok=True)
    license_text = (project_root / "LICENSE").read_text(encoding="utf-8")
    holder = re.search(r"^Copyright \(c\) (.+)$", license_text, re.M)
    body = "\n".join(f" {line}" if line.strip() else " ." for line in license_text.splitlines()[2:]).rstrip()
    (docs / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        f"Upstream-Name: {PACKAGE}\nSource: {homepage}\n\n"
        f"Files: *\nCopyright: {holder.group(1) if holder else 'hsexplorer developers'}\nLicense: Expat\n"
        f"{body}\n",
        encoding="utf-8",
    )
    _write_gzip(docs / "changelog.gz", debian_changelog(project_root / "CHANGELOG.md", version))


def debian_changelog(changelog_md: Path, version: str) -> str:
    """One Debian changelog entry per version of CHANGELOG.md, each line a bullet's headline."""
    text = changelog_md.read_text(encoding="utf-8")
    entries = []
    sections = re.split(r"^## \[([^\]]+)\] - (\d{4}-\d{2}-\d{2})\s*$", text, flags=re.M)
    for index in range(1, len(sections), 3):
        number, date, body = sections[index], sections[index + 1], sections[index + 2]
        items = []
        for bullet in re.findall(r"^- (.+(?:\n  .+)*)", body, re.M):
            line = re.sub(r"\s+", " ", bullet).replace("**", "").replace("`", "")
            items.append("  * " + (line if len(line) <= 76 else line[:73].rsplit(" ", 1)[0] + " ..."))
        when = format_datetime(datetime.fromisoformat(date).replace(hour=12, tzinfo=UTC))
        entries.append(
            f"{PACKAGE} ({number}) unstable; urgency=medium\n\n"
            + "\n".join(items)
            + f"\n\n -- {MAINTAINER}  {when}\n"
        )
    if not entries or f"({version})" not in entries[0]:
        raise DebError(f"CHANGELOG.md has no entry for {version} at the top")
    return "\n".join(entries)


def _write_gzip(path: Path, text: str) -> None:
    # mtime=0: the same input gives the same bytes (lintian wants no timestamp in gzip headers).
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as packed:
        packed.write(text.encode("utf-8"))


def write_control(
    root: Path, *, version: str, arch: str, depends: list[str], homepage: str, summary: str
) -> None:
    control_dir = root / "DEBIAN"
    control_dir.mkdir(mode=0o755)
    installed_kb = (
        sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    )
    description = (
        "HubSpot custom behavioral events: compose, validate, send, explore\n"
        + "".join(f" {line}\n" for line in textwrap.wrap(summary, 78))
        + " .\n"
        " It includes a local emulator of HubSpot's events APIs (the sandbox), a command\n"
        " line (hsexplorer validate, send, query, sandbox serve) and a desktop app. The\n"
        " app is a frozen build with its own Python and Qt under /opt/hsexplorer."
    )
    control = (
        f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kb}\nDepends: {', '.join(depends)}\nSection: {SECTION}\n"
        f"Priority: optional\nHomepage: {homepage}\nDescription: {description}\n"
    )
    (control_dir / "control").write_text(control, encoding="utf-8")
    sums = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and control_dir not in path.parents:
            digest = hashlib.md5(path.read_bytes()).hexdigest()  # dpkg's format, not a security use
            sums.append(f"{digest}  {path.relative_to(root).as_posix()}")
    (control_dir / "md5sums").write_text("\n".join(sums) + "\n", encoding="utf-8")
    for path in control_dir.iterdir():
        path.chmod(0o644)


def lintian_overrides(root: Path, source: Path) -> None:
    target = root / "usr" / "share" / "lintian" / "overrides" / PACKAGE
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    target.chmod(0o644)


def dpkg_architecture() -> str:
    try:
        return subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise DebError("dpkg is not available: build the .deb on Debian or Ubuntu") from exc


def build_deb(
    bundle: Path, out_dir: Path, *, project_root: Path, info, homepage: str, summary: str, overrides: Path
) -> Path:
    """The .deb for `bundle` in `out_dir`: hsexplorer_<version>_<arch>.deb."""
    executable = bundle / PACKAGE
    if not executable.is_file():
        raise DebError(f"{executable} does not exist: build the app first (python packaging/build.py app)")
    arch = dpkg_architecture()
    libraries = linked_system_libraries(bundle) | loaded_system_libraries(bundle, executable)
    depends = measure_depends(libraries)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE}_{info.VERSION}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="hsexplorer-deb-") as scratch:
        root = Path(scratch) / "root"
        root.mkdir(mode=0o755)
        stage(bundle, root, info.APP_ID)
        write_docs(root, project_root, info.VERSION, homepage)
        lintian_overrides(root, overrides)
        write_control(
            root, version=info.VERSION, arch=arch, depends=depends, homepage=homepage, summary=summary
        )
        done = subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(target)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise DebError(f"dpkg-deb failed: {done.stderr.strip()}")
    print(f"Depends: {', '.join(depends)}")
    print(f"built {target} ({target.stat().st_size / 1e6:.0f} MB)")
    return target

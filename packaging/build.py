"""Build hsexplorer for the platform this runs on.

    python packaging/build.py app [--clean] [--smoke-test] [--archive]   # frozen one-folder app
    python packaging/build.py smoke-test [--bundle DIR]                   # start the built app, check it
    python packaging/build.py installer                                   # Windows: Inno Setup; macOS: DMG
    python packaging/build.py deb [--bundle DIR] [--out DIR]              # Debian/Ubuntu: .deb of the built app
    python packaging/build.py dists [--out DIR]                           # sdist + wheel (wheel from the sdist)

Output goes to packaging/dist/ (work files to packaging/build/); both are git-ignored.
Names, ids and the version come from hsexplorer.appinfo. Signing inputs are environment
variables, described in packaging/README.md. Needs the project installed in the running
Python (pip install -e ".[packaging]").
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import bundle_config  # beside this script
import deb  # beside this script

PACKAGING_DIR = Path(__file__).resolve().parent
ROOT = PACKAGING_DIR.parent
DIST_DIR = PACKAGING_DIR / "dist"
WORK_DIR = PACKAGING_DIR / "build"
SPEC = PACKAGING_DIR / "hsexplorer.spec"
ICONS = bundle_config.ICONS
HICOLOR_SIZES = (16, 32, 48, 64, 128, 256, 512)
# Lines `hsexplorer --smoke-test` prints (see the shell's contract); the last one means success.
SMOKE_OK = "smoke-test: ok"
SMOKE_TIMEOUT_S = 120
# Folders never copied into a source distribution's staging copy.
SOURCE_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".*_cache", ".hypothesis"
)


class BuildError(RuntimeError):
    """A build step failed; the message says which and why."""


def appinfo():
    try:
        from hsexplorer import appinfo as info
    except ImportError as exc:
        raise BuildError(
            f"hsexplorer is not importable from {sys.executable}: pip install -e '.[packaging]'"
        ) from exc
    return info


def platform_tag() -> str:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64")
    return f"{system}-{machine}"


def bundle_dir() -> Path:
    return DIST_DIR / appinfo().APP_NAME


def bundle_executable(bundle: Path | None = None) -> Path:
    bundle = bundle or bundle_dir()
    name = appinfo().APP_NAME + (".exe" if sys.platform == "win32" else "")
    return bundle / name


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _run(command: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    print("$ " + " ".join(str(part) for part in command), flush=True)
    try:
        return subprocess.run([str(part) for part in command], check=True, **kwargs)
    except FileNotFoundError as exc:
        raise BuildError(f"{command[0]} is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise BuildError(f"{Path(str(command[0])).name} failed with exit code {exc.returncode}") from exc


# --- the frozen app ----------------------------------------------------------------------
def freeze(*, clean: bool = False, dist_dir: Path = DIST_DIR, work_dir: Path = WORK_DIR) -> Path:
    """Run PyInstaller on the spec; returns the one-folder bundle."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError as exc:
        raise BuildError("PyInstaller is missing: pip install -e '.[packaging]'") from exc
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        dist_dir,
        "--workpath",
        work_dir,
    ]
    if clean:
        command.append("--clean")
    started = time.monotonic()
    _run([*command, SPEC], cwd=ROOT)
    bundle = dist_dir / appinfo().APP_NAME
    if sys.platform.startswith("linux"):
        add_linux_desktop_files(bundle)
    print(f"built {bundle} in {time.monotonic() - started:.0f} s, {tree_size(bundle) / 1e6:.0f} MB")
    return bundle


def add_linux_desktop_files(bundle: Path) -> None:
    """share/ beside the executable: what a package or `install` copies into /usr or ~/.local."""
    app_id = appinfo().APP_ID
    share = bundle / "share"
    _copy(PACKAGING_DIR / "linux" / f"{app_id}.desktop", share / "applications" / f"{app_id}.desktop")
    _copy(PACKAGING_DIR / "linux" / f"{app_id}.metainfo.xml", share / "metainfo" / f"{app_id}.metainfo.xml")
    _copy(ICONS / "app.svg", share / "icons" / "hicolor" / "scalable" / "apps" / f"{app_id}.svg")
    for size in HICOLOR_SIZES:
        _copy(
            ICONS / f"app-{size}.png",
            share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{app_id}.png",
        )


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def archive(bundle: Path) -> Path:
    """A tar.gz (Linux) or zip (elsewhere) of the bundle, named with version and platform."""
    info = appinfo()
    base = bundle.parent / f"{info.APP_NAME}-{info.VERSION}-{platform_tag()}"
    if sys.platform.startswith("linux"):
        target = base.with_name(base.name + ".tar.gz")
        with tarfile.open(target, "w:gz") as tar:
            tar.add(bundle, arcname=base.name)
    else:
        target = Path(shutil.make_archive(str(base), "zip", bundle.parent, bundle.name))
    print(f"archived {target} ({target.stat().st_size / 1e6:.0f} MB)")
    return target


# --- smoke test --------------------------------------------------------------------------
def smoke_test(
    bundle: Path | None = None, *, env: dict[str, str] | None = None, profile: Path | None = None
) -> list[str]:
    """Start the built app with --smoke-test in `profile` (default: a throwaway one); returns its smoke-test lines."""
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        return _smoke_test(bundle, env, profile)
    with tempfile.TemporaryDirectory(prefix="hsexplorer-smoke-") as scratch:
        return _smoke_test(bundle, env, Path(scratch))


def _smoke_test(bundle: Path | None, env: dict[str, str] | None, profile: Path) -> list[str]:
    executable = bundle_executable(bundle)
    if not executable.is_file():
        raise BuildError(f"{executable} does not exist: build it first (python packaging/build.py app)")
    run_env = dict(os.environ if env is None else env)
    if sys.platform.startswith("linux"):
        run_env.setdefault("QT_QPA_PLATFORM", "offscreen")
    run_env["HSEXPLORER_DATA_DIR"] = str(profile)
    try:
        done = subprocess.run(
            [str(executable), "--smoke-test", "--no-error-dialogs", "--data-dir", str(profile)],
            capture_output=True,
            text=True,
            env=run_env,
            timeout=SMOKE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"the smoke test did not finish within {SMOKE_TIMEOUT_S} s") from exc
    lines = [line for line in done.stdout.splitlines() if line.startswith("smoke-test:")]
    for line in lines:
        print(line)
    if done.returncode != 0 or SMOKE_OK not in lines:
        raise BuildError(
            f"the smoke test failed (exit code {done.returncode})\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr[-4000:]}"
        )
    return lines


# --- installers --------------------------------------------------------------------------
def windows_installer(bundle: Path) -> Path:
    iscc = shutil.which("iscc") or shutil.which(r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe")
    if not iscc:
        raise BuildError("Inno Setup 6 (iscc) is not installed or not on PATH")
    defines = bundle_config.inno_setup_defines(appinfo(), bundle, DIST_DIR)
    command = [iscc, *(f"/D{key}={value}" for key, value in defines.items())]
    signtool = os.environ.get("HSEXPLORER_SIGNTOOL")
    if signtool:
        # The same command signs the app's executable now and, through Inno Setup, the installer.
        executable = bundle_executable(bundle)
        print(f"signing {executable}")
        if subprocess.run(signtool.replace("$f", f'"{executable}"'), shell=True).returncode != 0:
            raise BuildError(f"signing {executable} failed")
        command += ["/DSignTool=1", f"/Ssigntool={signtool}"]
    _run([*command, PACKAGING_DIR / "windows" / "hsexplorer.iss"])
    info = appinfo()
    return DIST_DIR / f"{info.APP_NAME}-{info.VERSION}-windows-x64-setup.exe"


def macos_disk_image() -> Path:
    info = appinfo()
    app = DIST_DIR / f"{info.DISPLAY_NAME}.app"
    if not app.is_dir():
        raise BuildError(f"{app} does not exist: build it first")
    image = DIST_DIR / f"{info.APP_NAME}-{info.VERSION}-{platform_tag()}.dmg"
    image.unlink(missing_ok=True)
    _run(
        [
            "hdiutil",
            "create",
            "-volname",
            info.DISPLAY_NAME,
            "-srcfolder",
            app,
            "-ov",
            "-format",
            "UDZO",
            image,
        ]
    )
    identity = os.environ.get("HSEXPLORER_CODESIGN_IDENTITY")
    if identity:
        _run(["codesign", "--sign", identity, "--timestamp", image])
    profile = os.environ.get("HSEXPLORER_NOTARY_PROFILE")
    if profile:
        if not identity:
            raise BuildError("notarization needs a signed app: set HSEXPLORER_CODESIGN_IDENTITY too")
        _run(["xcrun", "notarytool", "submit", image, "--keychain-profile", profile, "--wait"])
        _run(["xcrun", "stapler", "staple", image])
    return image


# --- Debian package ------------------------------------------------------------------------
def debian_package(bundle: Path, out_dir: Path = DIST_DIR) -> Path:
    """hsexplorer_<version>_<arch>.deb of a built bundle (packaging/deb.py says what goes where)."""
    if not sys.platform.startswith("linux"):
        raise BuildError("the .deb is built on Debian or Ubuntu")
    if not (bundle / "share").is_dir():
        add_linux_desktop_files(bundle)
    return deb.build_deb(
        bundle,
        out_dir,
        project_root=ROOT,
        info=appinfo(),
        homepage=_homepage(),
        summary=_project_description(),
        overrides=PACKAGING_DIR / "linux" / "hsexplorer.lintian-overrides",
    )


def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _homepage() -> str:
    return _pyproject()["project"]["urls"]["Homepage"]


def _project_description() -> str:
    return _pyproject()["project"]["description"]


# --- Python distributions ----------------------------------------------------------------
def python_dists(out_dir: Path) -> tuple[Path, Path]:
    """Build the sdist from a clean copy of the source, then the wheel from the sdist.

    Building the wheel from the unpacked sdist (as `python -m build` does) proves the sdist
    is complete, and a clean copy keeps stale build/ folders out of both.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hsexplorer-dists-") as scratch:
        source = Path(scratch) / "source"
        shutil.copytree(ROOT, source, ignore=SOURCE_IGNORE, symlinks=True)
        sdist = out_dir / _build_meta("build_sdist", source, out_dir)
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(sdist) as tar:
            tar.extractall(unpacked, filter="data")
        (sdist_root,) = unpacked.iterdir()
        wheel = out_dir / _build_meta("build_wheel", sdist_root, out_dir)
    print(f"built {sdist.name} and {wheel.name} in {out_dir}")
    return sdist, wheel


def _build_meta(hook: str, source: Path, out_dir: Path) -> str:
    """Call a PEP 517 hook of setuptools in a child process (the hooks work in the cwd)."""
    code = f"import sys; from setuptools import build_meta; print(build_meta.{hook}(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(out_dir.resolve())],
        cwd=source,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BuildError(f"setuptools {hook} failed:\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1]


# --- command line ------------------------------------------------------------------------
def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    app = commands.add_parser("app", help="freeze the desktop app with PyInstaller (the default)")
    app.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    app.add_argument("--smoke-test", action="store_true", help="start the built app with --smoke-test")
    app.add_argument("--archive", action="store_true", help="also pack the bundle into a .tar.gz or .zip")
    smoke = commands.add_parser("smoke-test", help="start an already built app with --smoke-test")
    smoke.add_argument(
        "--bundle", type=Path, help="the one-folder bundle (default: packaging/dist/hsexplorer)"
    )
    commands.add_parser(
        "installer", help="Windows: Inno Setup installer; macOS: disk image (signed if configured)"
    )
    deb = commands.add_parser("deb", help="Debian/Ubuntu: a .deb of the built app (dpkg-deb)")
    deb.add_argument("--bundle", type=Path, help="the one-folder bundle (default: packaging/dist/hsexplorer)")
    deb.add_argument("--out", type=Path, default=DIST_DIR, help="where to put it (default: packaging/dist)")
    dists = commands.add_parser("dists", help="build the sdist and the wheel")
    dists.add_argument(
        "--out", type=Path, default=DIST_DIR, help="where to put them (default: packaging/dist)"
    )
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["app", *(argv or [])])
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "app":
            bundle = freeze(clean=args.clean)
            if args.smoke_test:
                smoke_test(bundle)
            if args.archive:
                archive(bundle)
        elif args.command == "smoke-test":
            smoke_test(args.bundle)
        elif args.command == "installer":
            if sys.platform == "win32":
                print(windows_installer(bundle_dir()))
            elif sys.platform == "darwin":
                print(macos_disk_image())
            else:
                raise BuildError("Linux has no installer step: use `app --archive` (see packaging/README.md)")
        elif args.command == "dists":
            python_dists(args.out)
        elif args.command == "deb":
            debian_package(args.bundle or bundle_dir(), args.out)
    except (BuildError, deb.DebError) as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

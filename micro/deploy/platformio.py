"""Build firmware with PlatformIO, fully offline.

micro ships a local bare-metal dev-platform (``micro/deploy/platformio_platform/``: platform.json, platform.py,
boards/<board>.json, builder/main.py) that compiles with the system ``arm-none-eabi-gcc`` from PATH.
A generated project references it as ``platform = symlink://<abs path>``, so PlatformIO never
needs its registry: no platform, toolchain, framework or library is downloaded.

Public API (used by micro.deploy.firmware):

    generate_project(project_dir, board, sources, include_dirs=(), defines=(), linker_script=None,
                     build_flags=(), libs=None, opt="-O2", ...) -> Path       # platformio.ini
    build_project(project_dir, env_name="micro", jobs=None, verbose=False,
                  timeout=600, allow_network=False) -> Path                   # the firmware ELF
    section_sizes(elf) -> dict[str, int]                                      # arm-none-eabi-size -A
    platformio_unavailable() -> str | None                                    # why a build cannot run

Project layout written by generate_project::

    <project_dir>/platformio.ini    [platformio] core_dir = .pio-core; [env:micro] platform = symlink://...
    <project_dir>/src/...           sources (files copied; only changed files are rewritten)
    <project_dir>/lib/<name>/...    optional libraries (built as static archives, found by LDF through #include)
    <project_dir>/firmware.ld       the linker script (board_build.ldscript = $PROJECT_DIR/firmware.ld)
    <project_dir>/.pio-core/        project-local PlatformIO core dir (seeded tool-scons, settings)
    <project_dir>/.pio/build/micro/firmware.elf, firmware.bin, firmware.map   after build_project

Offline guarantees of build_project (see ../shared/notes/platformio-offline.md):
  * core dir inside the project (``PLATFORMIO_CORE_DIR`` and ``[platformio] core_dir``), seeded with
    PlatformIO's SCons package ``tool-scons`` made from the PyPI ``scons`` package (``SCons/`` linked,
    ``scons.py`` launcher, ``package.json`` and the ``.piopm`` PlatformIO needs to accept it offline);
  * telemetry off and upgrade/prune checks off (``PLATFORMIO_SETTING_ENABLE_TELEMETRY=no``,
    ``PLATFORMIO_DISABLE_UPGRADE_CHECK=true``, and the same settings in the core dir's appstate.json
    so a manual ``pio run`` in the project stays offline too);
  * before running, the project is checked for anything that would need the registry (a registry
    platform, a framework, lib_deps, platform_packages not given as file:// or symlink://): that is a
    PlatformIOError at once instead of a ~60 s retry loop;
  * ``pio run`` runs with every proxy variable pointing at a closed local port (127.0.0.1:9), so even
    an unforeseen request fails locally and never leaves the machine.
  Pass ``allow_network=True`` to drop the last two (e.g. for a ``framework = arduino`` project that
  really needs the registry).
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Union

from micro.errors import MicroError

PLATFORM_DIR = Path(__file__).resolve().parent / "platformio_platform"
PLATFORM_NAME = "microbaremetal"
ENV_NAME = "micro"
CORE_DIR_NAME = ".pio-core"
LDSCRIPT_NAME = "firmware.ld"
NO_NETWORK_PROXY = "http://127.0.0.1:9"   # the discard port: connections are refused at once
PLATFORMIO_VERSION = "6.2.0"
SCONS_VERSION = "4.11.1"

Content = Union[str, bytes, os.PathLike]
SourceSpec = Union[Mapping[str, Content], Iterable[os.PathLike]]


class PlatformIOError(MicroError):
    """A PlatformIO project could not be generated or built."""


# ---------------------------------------------------------------------------------------------
# Environment checks
# ---------------------------------------------------------------------------------------------

def _platformio_version() -> str | None:
    try:
        import platformio
    except ImportError:
        return None
    return getattr(platformio, "__version__", None)


def _scons_package_dir() -> Path | None:
    spec = importlib.util.find_spec("SCons")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _scons_version(scons_dir: Path) -> str | None:
    m = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", (scons_dir / "__init__.py").read_text())
    return m.group(1) if m else None


def _tool_scons_requirement() -> str:
    """PlatformIO's own requirement for tool-scons, e.g. '~4.41101.0'."""
    try:
        from platformio.dependencies import get_core_dependencies
        return get_core_dependencies()["tool-scons"]
    except Exception:  # noqa: BLE001 - older/newer layouts: fall back to the version we test with
        return "~4.41101.0"


def _scons_for(requirement: str) -> tuple[str, str]:
    """'~4.41101.0' -> ('4.41101.0', '4.11.1'): PlatformIO encodes SCons X.Y.Z as X.4YYZZ.0."""
    m = re.search(r"(\d+)\.4(\d\d)(\d\d)\.(\d+)", requirement)
    if not m:
        raise PlatformIOError(f"cannot read PlatformIO's tool-scons requirement '{requirement}'")
    major, minor, patch, _ = m.groups()
    return m.group(0), f"{int(major)}.{int(minor)}.{int(patch)}"


def _python_side_unavailable() -> str | None:
    """PlatformIO and the SCons it needs, in this Python."""
    if _platformio_version() is None:
        return f"PlatformIO is not installed (pip install platformio=={PLATFORMIO_VERSION})"
    scons_dir = _scons_package_dir()
    if scons_dir is None:
        return f"SCons is not installed (pip install scons=={SCONS_VERSION}); PlatformIO's tool-scons is made from it"
    _, wanted = _scons_for(_tool_scons_requirement())
    have = _scons_version(scons_dir)
    if have is None or have.split(".")[:2] != wanted.split(".")[:2]:
        return (f"PlatformIO {_platformio_version()} needs SCons {wanted} but SCons {have} is installed "
                f"(pip install scons=={wanted})")
    return None


def platformio_unavailable(toolchain_prefix: str = "arm-none-eabi-") -> str | None:
    """None when an offline PlatformIO build can run here, else the reason (for skips and errors)."""
    reason = _python_side_unavailable()
    if reason:
        return reason
    if shutil.which(toolchain_prefix + "gcc") is None:
        return (f"{toolchain_prefix}gcc is not on PATH "
                "(Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)")
    return None


# ---------------------------------------------------------------------------------------------
# Core dir seeding
# ---------------------------------------------------------------------------------------------

_SCONS_LAUNCHER = '''\
# Written by micro: PlatformIO's tool-scons launcher over the PyPI "scons" package in this folder.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import SCons.Script  # noqa: E402

SCons.Script.main()
'''


def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def seed_core_dir(core_dir: os.PathLike) -> Path:
    """Make `core_dir` a PlatformIO core dir that needs nothing from the network. Idempotent, cheap."""
    reason = _python_side_unavailable()  # the toolchain is checked by build_project and the builder
    if reason:
        raise PlatformIOError(reason)
    core = Path(core_dir).resolve()
    tool = core / "packages" / "tool-scons"
    tool.mkdir(parents=True, exist_ok=True)
    version, _ = _scons_for(_tool_scons_requirement())
    scons_src = _scons_package_dir()
    link = tool / "SCons"
    if not (link.is_symlink() and Path(os.readlink(link)) == scons_src):
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():
            shutil.rmtree(link)
        try:
            link.symlink_to(scons_src, target_is_directory=True)
        except OSError:  # no symlinks (some file systems): copy the package instead
            shutil.copytree(scons_src, link, ignore=shutil.ignore_patterns("__pycache__"))
    _write_if_changed(tool / "scons.py", _SCONS_LAUNCHER.encode())
    _write_if_changed(tool / "package.json", json.dumps(
        {"name": "tool-scons", "version": version, "system": "*",
         "description": "SCons from PyPI (seeded by micro for offline builds)"}, indent=2).encode())
    _write_if_changed(tool / ".piopm", json.dumps(
        {"type": "tool", "name": "tool-scons", "version": version,
         "spec": {"owner": "platformio", "id": None, "name": "tool-scons",
                  "requirements": _tool_scons_requirement(), "uri": None}}).encode())

    # appstate.json: current version (no "upgrade" step), telemetry off, no upgrade/prune checks.
    state_path = core / "appstate.json"
    try:
        state = json.loads(state_path.read_text())
        assert isinstance(state, dict)
    except (OSError, ValueError, AssertionError):
        state = {}
    now = int(time.time())
    state["last_version"] = _platformio_version()
    settings = state.setdefault("settings", {})
    settings["enable_telemetry"] = False
    settings["check_platformio_interval"] = 36500
    settings["check_prune_system_threshold"] = 0
    last_check = state.setdefault("last_check", {})
    last_check["platformio_upgrade"] = now
    last_check["prune_system"] = now
    _write_if_changed(state_path, json.dumps(state).encode())
    return core


# ---------------------------------------------------------------------------------------------
# Project generation
# ---------------------------------------------------------------------------------------------

def _board(board):
    if isinstance(board, str):
        from micro.deploy.boards import get_board
        return get_board(board)
    return board


def _materialise(dest_root: Path, files: SourceSpec) -> set[Path]:
    """Write `files` under dest_root; return the paths written (relative)."""
    items: list[tuple[str, Content]]
    if isinstance(files, Mapping):
        items = list(files.items())
    else:
        items = [(Path(p).name, Path(p)) for p in files]
    written: set[Path] = set()
    for rel, content in items:
        rel_path = Path(rel)
        if rel_path.is_absolute() or ".." in rel_path.parts:
            raise PlatformIOError(f"source name '{rel}' must be a relative path inside the project")
        if rel_path in written:
            raise PlatformIOError(f"two sources are both named '{rel}'")
        if isinstance(content, str):
            data = content.encode()
        elif isinstance(content, bytes):
            data = content
        else:
            try:
                data = Path(content).read_bytes()
            except OSError as e:
                raise PlatformIOError(f"cannot read source {content}: {e}") from None
        _write_if_changed(dest_root / rel_path, data)
        written.add(rel_path)
    return written


def _prune(root: Path, keep: set[Path]) -> None:
    """Delete files under root that are not in `keep` (stale sources of an earlier generation)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*"), reverse=True):
        rel = path.relative_to(root)
        if path.is_file() or path.is_symlink():
            if rel not in keep:
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _flag_path(p: os.PathLike) -> str:
    s = str(Path(p).resolve())
    return f'"{s}"' if any(c.isspace() for c in s) else s


def _define(d) -> str:
    """One -D flag for platformio.ini. Values are C tokens, passed as given: '"text"' is a C string."""
    flag = f"-D{d[0]}={d[1]}" if isinstance(d, tuple) else f"-D{d}"
    if "'" in flag or "\\" in flag:
        raise PlatformIOError(f"define {flag!r}: single quotes and backslashes cannot pass through platformio.ini")
    # PlatformIO splits build_flags like a shell and escapes double quotes inside -D values itself.
    return f"'{flag}'" if any(c.isspace() or c == '"' for c in flag) else flag


def generate_project(project_dir: os.PathLike, board, sources: SourceSpec, include_dirs: Iterable[os.PathLike] = (),
                     defines: Iterable[str] | Mapping[str, object] = (), linker_script: os.PathLike | str | None = None,
                     build_flags: Iterable[str] = (), libs: Mapping[str, SourceSpec] | None = None,
                     opt: str = "-O2", env_name: str = ENV_NAME, platform: str | None = None,
                     framework: str | None = None, core_dir: os.PathLike | None = None,
                     extra_options: Mapping[str, str] | None = None) -> Path:
    """Write a PlatformIO project for `board` (a micro.deploy.boards.Board or its name); return platformio.ini.

    sources: {relative path under src/: text | bytes | path to copy} or an iterable of paths (copied by
        file name). Headers may be included; src/ is on the include path.
    include_dirs: extra include folders (absolute -I flags; prefer copying headers into src/ or a lib).
    defines: "NAME", "NAME=VALUE", (name, value) pairs, or a mapping.
    linker_script: path of the script, or its text; copied to <project>/firmware.ld. Required for the
        shipped bare-metal platform (the firmware owns its memory map and vector table).
    build_flags: more compiler/linker flags (e.g. "-Wall", "-Werror"); `opt` is the optimisation flag.
    libs: {library name: sources as above}, written to lib/<name>/ and built as a static archive when
        a project source includes one of its headers (PlatformIO's LDF, chain mode).
    platform/framework: default is micro's shipped offline platform, bare metal. Any other platform, or a
        framework (e.g. framework = arduino on nordicnrf52), is written as given but needs the PlatformIO
        registry: build_project refuses it unless allow_network=True.
    core_dir: PlatformIO core dir (default <project>/.pio-core), seeded for offline use.
    extra_options: more `key = value` lines for the [env:...] section.

    Files are only rewritten when their content changes, and stale files from an earlier generation
    are removed, so regenerating the same project keeps incremental builds fast.
    """
    board = _board(board)
    project = Path(project_dir).resolve()
    project.mkdir(parents=True, exist_ok=True)

    local = platform is None
    if local:
        if not (PLATFORM_DIR / "platform.json").is_file():
            raise PlatformIOError(f"micro's PlatformIO platform is missing from the package ({PLATFORM_DIR})")
        pio_board = board.name
        if not (PLATFORM_DIR / "boards" / f"{pio_board}.json").is_file():
            known = sorted(p.stem for p in (PLATFORM_DIR / "boards").glob("*.json"))
            raise PlatformIOError(f"board '{board.name}' has no PlatformIO board manifest in {PLATFORM_DIR}/boards "
                                  f"(known: {', '.join(known)})")
        platform_spec = f"symlink://{PLATFORM_DIR}"
        if framework:
            raise PlatformIOError(
                f"framework = {framework} needs a registry platform (e.g. platform='nordicnrf52'); "
                "micro's shipped platform builds bare-metal firmware only")
    else:
        platform_spec = platform
        pio_board = board.platformio_board or board.name

    # sources, libraries, linker script
    _prune(project / "src", _materialise(project / "src", sources))
    lib_root = project / "lib"
    keep_libs: set[Path] = set()
    for name, lib_sources in (libs or {}).items():
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            raise PlatformIOError(f"library name '{name}' must be a plain folder name")
        keep_libs |= {Path(name) / p for p in _materialise(lib_root / name, lib_sources)}
    _prune(lib_root, keep_libs)

    if linker_script is not None:
        if isinstance(linker_script, str) and "\n" in linker_script:
            data = linker_script.encode()
        else:
            try:
                data = Path(linker_script).read_bytes()
            except OSError as e:
                raise PlatformIOError(f"cannot read linker script {linker_script}: {e}") from None
        _write_if_changed(project / LDSCRIPT_NAME, data)
    elif local:
        raise PlatformIOError("a linker script is required for bare-metal firmware (linker_script=...)")

    # flags
    if isinstance(defines, Mapping):
        defines = [(k, v) if v is not None else k for k, v in defines.items()]
    flags = [opt] if opt else []
    flags += list(build_flags)
    flags += [_define(d) for d in defines]
    flags += [f"-I{_flag_path(d)}" for d in include_dirs]

    core = Path(core_dir).resolve() if core_dir else project / CORE_DIR_NAME
    lines = [
        "; Generated by micro (micro.deploy.platformio). Offline build: run it with",
        ";   python -m micro.deploy.platformio build <this folder>",
        "; or `pio run` with PLATFORMIO_CORE_DIR=<core_dir below> "
        "PLATFORMIO_SETTING_ENABLE_TELEMETRY=no PLATFORMIO_DISABLE_UPGRADE_CHECK=true.",
        "[platformio]",
        f"core_dir = {core}",
        f"default_envs = {env_name}",
        "",
        f"[env:{env_name}]",
        f"platform = {platform_spec}",
        f"board = {pio_board}",
    ]
    if framework:
        lines.append(f"framework = {framework}")
    if linker_script is not None:
        lines.append(f"board_build.ldscript = $PROJECT_DIR/{LDSCRIPT_NAME}")
    if flags:
        lines.append("build_flags =")
        lines += [f"    {f}" for f in flags]
    lines.append("lib_ldf_mode = chain")
    for key, value in (extra_options or {}).items():
        lines.append(f"{key} = {value}")
    ini = project / "platformio.ini"
    _write_if_changed(ini, ("\n".join(lines) + "\n").encode())
    return ini


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------

def _read_ini(project: Path) -> configparser.ConfigParser:
    ini = project / "platformio.ini"
    if not ini.is_file():
        raise PlatformIOError(f"{project} is not a PlatformIO project (no platformio.ini); "
                              "generate it with micro.deploy.platformio.generate_project")
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    cp.read(ini)
    return cp


def _local_uri(spec: str) -> Path | None:
    spec = spec.strip()
    if "@" in spec and not spec.startswith(("file://", "symlink://")):
        spec = spec.split("@", 1)[1].strip()
    for scheme in ("symlink://", "file://"):
        if spec.startswith(scheme):
            return Path(spec[len(scheme):])
    return None


def registry_needs(project_dir: os.PathLike, env_name: str = ENV_NAME) -> list[str]:
    """What in the project would make PlatformIO go to its registry (empty list = fully local)."""
    project = Path(project_dir).resolve()
    cp = _read_ini(project)
    section = f"env:{env_name}"
    if not cp.has_section(section):
        raise PlatformIOError(f"{project}/platformio.ini has no [{section}]")
    env = cp[section]
    needs = []
    platform = env.get("platform", "").strip()
    pdir = _local_uri(platform)
    if pdir is None:
        needs.append(f"platform = {platform or '(none)'} is a registry platform")
    elif not (pdir / "platform.json").is_file():
        needs.append(f"platform folder {pdir} has no platform.json")
    else:
        manifest = json.loads((pdir / "platform.json").read_text())
        for fw in filter(None, re.split(r"[,\s]+", env.get("framework", ""))):
            if fw not in manifest.get("frameworks", {}):
                needs.append(f"framework = {fw} is not provided by the local platform '{manifest.get('name')}'")
        for pkg, meta in manifest.get("packages", {}).items():
            if not meta.get("optional", False):
                needs.append(f"the platform requires package {pkg}")
    for opt in ("lib_deps", "platform_packages"):
        for entry in filter(None, (x.strip() for x in re.split(r"[\n,]", env.get(opt, "")))):
            if _local_uri(entry) is None:
                needs.append(f"{opt} entry '{entry}' would be installed from the registry")
    if "test_framework" in env:
        needs.append("test_framework would download its test runner")
    return needs


def _offline_env(core: Path, allow_network: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLATFORMIO_")}
    env.update({
        "PLATFORMIO_CORE_DIR": str(core),
        "PLATFORMIO_SETTING_ENABLE_TELEMETRY": "no",
        "PLATFORMIO_DISABLE_UPGRADE_CHECK": "true",
        "PLATFORMIO_DISABLE_PROGRESSBAR": "true",
        "PLATFORMIO_NO_ANSI": "true",
    })
    if not allow_network:
        for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env[var] = NO_NETWORK_PROXY
        for var in ("no_proxy", "NO_PROXY"):
            env.pop(var, None)
    return env


def elf_path(project_dir: os.PathLike, env_name: str = ENV_NAME) -> Path:
    return Path(project_dir).resolve() / ".pio" / "build" / env_name / "firmware.elf"


def build_project(project_dir: os.PathLike, env_name: str = ENV_NAME, jobs: int | None = None,
                  verbose: bool = False, timeout: float = 600, allow_network: bool = False) -> Path:
    """Run `pio run` on a generated project, offline; return the firmware ELF.

    Raises PlatformIOError with PlatformIO's output on any failure (compiler errors included), when
    the project would need the registry (unless allow_network), or when pio does not finish in
    `timeout` seconds.
    """
    project = Path(project_dir).resolve()
    cp = _read_ini(project)
    core_opt = cp.get("platformio", "core_dir", fallback=None)
    core = Path(core_opt) if core_opt else project / CORE_DIR_NAME
    if not core.is_absolute():
        core = project / core
    if not allow_network:
        needs = registry_needs(project, env_name)
        if needs:
            raise PlatformIOError(
                f"{project}/platformio.ini needs the PlatformIO registry, and builds here are offline:\n"
                + "\n".join(f"  - {n}" for n in needs)
                + "\nUse micro's shipped bare-metal platform (generate_project without platform/framework), "
                  "or pass allow_network=True where the registry is reachable.")
    reason = platformio_unavailable()
    if reason:
        raise PlatformIOError(f"cannot build {project}: {reason}")
    seed_core_dir(core)

    cmd = [sys.executable, "-m", "platformio", "run", "-d", str(project), "-e", env_name]
    if jobs:
        cmd += ["-j", str(jobs)]
    if verbose:
        cmd.append("-v")
    try:
        res = subprocess.run(cmd, cwd=project, env=_offline_env(core, allow_network), capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or "") if isinstance(e.stdout, str) else (e.stdout or b"").decode(errors="replace")
        raise PlatformIOError(f"`pio run` did not finish in {timeout:.0f} s in {project} "
                              f"(is something trying to reach the network?)\n{_tail(out)}") from None
    output = res.stdout + res.stderr
    if res.returncode != 0:
        raise PlatformIOError(f"`pio run` failed (exit {res.returncode}) in {project}:\n{_tail(output)}\n"
                              f"command: {' '.join(cmd)}")
    elf = elf_path(project, env_name)
    if not elf.is_file():
        raise PlatformIOError(f"`pio run` succeeded but {elf} does not exist:\n{_tail(output)}")
    return elf


def _tail(text: str, lines: int = 60) -> str:
    rows = [r for r in text.strip().splitlines() if r.strip()]
    cut = rows[-lines:]
    return ("  ...\n" if len(rows) > lines else "") + "\n".join("  " + r for r in cut)


def section_sizes(elf: os.PathLike, toolchain_prefix: str = "arm-none-eabi-") -> dict[str, int]:
    """{section name: bytes} of the allocated sections of an ELF (`size -A`)."""
    res = subprocess.run([toolchain_prefix + "size", "-A", "-d", str(elf)], capture_output=True, text=True)
    if res.returncode != 0:
        raise PlatformIOError(f"{toolchain_prefix}size failed on {elf}: {res.stderr.strip()}")
    sizes = {}
    for line in res.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def _main(argv: list[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m micro.deploy.platformio",
                                 description="Build a micro-generated PlatformIO project offline.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="run `pio run` offline on a project folder")
    b.add_argument("project")
    b.add_argument("-e", "--env", default=ENV_NAME)
    b.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    try:
        t0 = time.perf_counter()
        elf = build_project(args.project, env_name=args.env, verbose=args.verbose)
    except MicroError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{elf} ({time.perf_counter() - t0:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(_main())

"""PlatformIO projects for micro's firmware: platformio.ini, sources, libraries, linker script; and what in a
project would need PlatformIO's registry.

micro ships a local bare-metal dev-platform (``micro/deploy/platformio_platform/``: platform.json, platform.py,
builder/main.py) that compiles with the system ``arm-none-eabi-gcc`` from PATH. A generated project references
it as ``platform = symlink://<abs path>`` and carries its board's manifest in ``boards/`` (made from the board
file, micro/deploy/boards/<board>.toml), so PlatformIO never needs its registry: no platform, toolchain,
framework or library is downloaded. A registry platform (with a framework,
e.g. framework = arduino on nordicnrf52) can be written too; micro.deploy.pio_build refuses to build it
offline.

Public API::

    generate_project(project_dir, board, sources, include_dirs=(), defines=(), linker_script=None,
                     build_flags=(), libs=None, opt="-O2", ...) -> Path       # platformio.ini
    board_manifest(board) -> dict         PlatformIO's boards/<board>.json, from the board file
    registry_needs(project_dir, env_name="micro") -> list[str]               # [] = fully local
    read_ini(project_dir) -> ConfigParser;  elf_path(project_dir, env_name) -> Path

Project layout written by generate_project::

    <project_dir>/platformio.ini    [platformio] core_dir = .pio-core; [env:micro] platform = symlink://...
    <project_dir>/src/...           sources (files copied; only changed files are rewritten)
    <project_dir>/lib/<name>/...    optional libraries (built as static archives, found by LDF through #include)
    <project_dir>/firmware.ld       the linker script (board_build.ldscript = $PROJECT_DIR/firmware.ld)
    <project_dir>/boards/<board>.json   PlatformIO's board manifest (local platform; boards_dir's default)
    <project_dir>/.pio-core/        project-local PlatformIO core dir (seeded by micro.deploy.pio_core)
    <project_dir>/.pio/build/micro/firmware.elf, firmware.bin, firmware.map   after a build
"""

from __future__ import annotations

import configparser
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Union

from micro.deploy.boards import Board, get_board
from micro.deploy.pio_core import CORE_DIR_NAME, PlatformIOError, write_if_changed

PLATFORM_DIR = Path(__file__).resolve().parent / "platformio_platform"
PLATFORM_NAME = "microbaremetal"
ENV_NAME = "micro"
LDSCRIPT_NAME = "firmware.ld"

Content = Union[str, bytes, os.PathLike]
SourceSpec = Union[Mapping[str, Content], Iterable[os.PathLike]]


def board_manifest(board: Board) -> dict:
    """PlatformIO's board manifest for micro's offline platform: CPU, FPU and memory map from the board record,
    the rest from its [platformio_manifest] table. The builder (platformio_platform/builder/main.py) reads
    build.cpu, build.fpu and build.float_abi; F_CPU and build.extra_flags become defines."""
    m = board.platformio_manifest
    if not m:
        raise PlatformIOError(f"board '{board.name}' has no [platformio_manifest] in its board file "
                              "(micro/deploy/boards/): no offline PlatformIO build for it")

    def flag(prefix: str, default: str) -> str:
        return next((f[len(prefix):] for f in board.cflags if f.startswith(prefix)), default)

    return {
        "build": {"cpu": board.cpu, "fpu": flag("-mfpu=", ""), "float_abi": flag("-mfloat-abi=", "soft"),
                  "f_cpu": m["f_cpu"], "mcu": m["mcu"], "extra_flags": m["extra_flags"]},
        "frameworks": [],
        "name": m["name"],
        "upload": {"flash_origin": f"0x{board.flash_origin:08X}", "maximum_size": board.flash_bytes,
                   "ram_origin": f"0x{board.ram_origin:08X}", "maximum_ram_size": board.ram_bytes, **m["upload"]},
        "micro": {"board": board.name, "emulator": board.emulator},
        "url": m["url"],
        "vendor": m["vendor"],
    }


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
        write_if_changed(dest_root / rel_path, data)
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


def generate_project(project_dir: os.PathLike, board: Board | str, sources: SourceSpec,
                     include_dirs: Iterable[os.PathLike] = (),
                     defines: Iterable[str] | Mapping[str, object] = (), linker_script: os.PathLike | str | None = None,
                     build_flags: Iterable[str] = (), libs: Mapping[str, SourceSpec] | None = None,
                     opt: str = "-O2", src_flags: Iterable[str] = (), link_flags: Iterable[str] = (),
                     env_name: str = ENV_NAME,
                     platform: str | None = None,
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
    src_flags: flags of src/ only (build_src_flags), after build_flags (a library sets its own in library.json).
    link_flags: more flags of the link step (board_build.link_flags; micro's shipped platform reads them).
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
    board = get_board(board)
    project = Path(project_dir).resolve()
    project.mkdir(parents=True, exist_ok=True)

    local = platform is None
    if local:
        if not (PLATFORM_DIR / "platform.json").is_file():
            raise PlatformIOError(f"micro's PlatformIO platform is missing from the package ({PLATFORM_DIR})")
        pio_board = board.name
        write_if_changed(project / "boards" / f"{pio_board}.json",
                         (json.dumps(board_manifest(board), indent=2) + "\n").encode())
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
        write_if_changed(project / LDSCRIPT_NAME, data)
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
        "; Generated by micro (micro.deploy.pio_project). Offline build: run it with",
        ";   python -m micro.deploy.pio_build <this folder>",
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
    link_flags = list(link_flags)
    if link_flags:
        if not local:
            raise PlatformIOError("link_flags need micro's shipped bare-metal platform")
        lines.append(f"board_build.link_flags = {' '.join(link_flags)}")
    if flags:
        lines.append("build_flags =")
        lines += [f"    {f}" for f in flags]
    if src_flags:
        lines.append("build_src_flags =")
        lines += [f"    {f}" for f in src_flags]
    lines.append("lib_ldf_mode = chain")
    for key, value in (extra_options or {}).items():
        lines.append(f"{key} = {value}")
    broken = [ln for ln in lines if "\n" in ln or "\r" in ln]
    if broken:  # one option per line: a line break inside a value would start another option
        raise PlatformIOError(f"platformio.ini: a value has a line break: {broken[0]!r}")
    ini = project / "platformio.ini"
    write_if_changed(ini, ("\n".join(lines) + "\n").encode())
    return ini


# ---------------------------------------------------------------------------------------------
# Reading a project back
# ---------------------------------------------------------------------------------------------

def read_ini(project: Path) -> configparser.ConfigParser:
    ini = project / "platformio.ini"
    if not ini.is_file():
        raise PlatformIOError(f"{project} is not a PlatformIO project (no platformio.ini); "
                              "generate it with micro.deploy.pio_project.generate_project")
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
    cp = read_ini(project)
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



def elf_path(project_dir: os.PathLike, env_name: str = ENV_NAME) -> Path:
    return Path(project_dir).resolve() / ".pio" / "build" / env_name / "firmware.elf"


"""PlatformIO itself, set up for offline builds: is it (and the SCons it needs) installed, and a core dir
that never needs the network.

Public API (used by micro.deploy.pio_build and micro.deploy.pio_registry)::

    platformio_unavailable() -> str | None     why an offline build cannot run here (None when it can)
    python_side_unavailable() -> str | None    the same for PlatformIO + SCons only (no cross toolchain)
    seed_core_dir(core_dir) -> Path            a core dir that needs nothing from the network (idempotent)
    offline_env(core, allow_network) -> env    the environment `pio run` gets
    user_core_dir() -> Path                    PlatformIO's own core dir, where registry platforms live
    write_if_changed(path, data) -> bool       (shared with micro.deploy.pio_project)

Offline guarantees (see ../shared/notes/platformio-offline.md): the core dir is seeded with PlatformIO's
SCons package ``tool-scons`` made from the PyPI ``scons`` package (``SCons/`` linked, ``scons.py`` launcher,
``package.json`` and the ``.piopm`` PlatformIO needs to accept it offline); telemetry and upgrade/prune
checks are off (environment and the core dir's appstate.json, so a manual ``pio run`` stays offline too);
without allow_network every proxy variable points at a closed local port (127.0.0.1:9), so even an
unforeseen request fails locally and never leaves the machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import time
from pathlib import Path

from micro.errors import MicroError

try:
    import platformio
except ImportError:  # a dependency, but `micro` runs (gcc builds, host verification) without it
    platformio = None
try:
    from platformio.dependencies import get_core_dependencies
except ImportError:  # older/newer PlatformIO layouts: fall back to the tool-scons version we test with
    get_core_dependencies = None

CORE_DIR_NAME = ".pio-core"
NO_NETWORK_PROXY = "http://127.0.0.1:9"   # the discard port: connections are refused at once
PLATFORMIO_VERSION = "6.2.0"
SCONS_VERSION = "4.11.1"


class PlatformIOError(MicroError):
    """A PlatformIO project could not be generated or built."""


# ---------------------------------------------------------------------------------------------
# Environment checks
# ---------------------------------------------------------------------------------------------

def platformio_version() -> str | None:
    return getattr(platformio, "__version__", None) if platformio is not None else None


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
        return get_core_dependencies()["tool-scons"]
    except Exception:  # noqa: BLE001 - older/newer layouts (or none): fall back to the version we test with
        return "~4.41101.0"


def _scons_for(requirement: str) -> tuple[str, str]:
    """'~4.41101.0' -> ('4.41101.0', '4.11.1'): PlatformIO encodes SCons X.Y.Z as X.4YYZZ.0."""
    m = re.search(r"(\d+)\.4(\d\d)(\d\d)\.(\d+)", requirement)
    if not m:
        raise PlatformIOError(f"cannot read PlatformIO's tool-scons requirement '{requirement}'")
    major, minor, patch, _ = m.groups()
    return m.group(0), f"{int(major)}.{int(minor)}.{int(patch)}"


def python_side_unavailable() -> str | None:
    """PlatformIO and the SCons it needs, in this Python."""
    if platformio_version() is None:
        return f"PlatformIO is not installed (pip install platformio=={PLATFORMIO_VERSION})"
    scons_dir = _scons_package_dir()
    if scons_dir is None:
        return f"SCons is not installed (pip install scons=={SCONS_VERSION}); PlatformIO's tool-scons is made from it"
    _, wanted = _scons_for(_tool_scons_requirement())
    have = _scons_version(scons_dir)
    if have is None or have.split(".")[:2] != wanted.split(".")[:2]:
        return (f"PlatformIO {platformio_version()} needs SCons {wanted} but SCons {have} is installed "
                f"(pip install scons=={wanted})")
    return None


def platformio_unavailable(toolchain_prefix: str = "arm-none-eabi-") -> str | None:
    """None when an offline PlatformIO build can run here, else the reason (for skips and errors)."""
    reason = python_side_unavailable()
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


def write_if_changed(path: Path, data: bytes) -> bool:
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
    reason = python_side_unavailable()  # the toolchain is checked by build_project and the builder
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
    write_if_changed(tool / "scons.py", _SCONS_LAUNCHER.encode())
    write_if_changed(tool / "package.json", json.dumps(
        {"name": "tool-scons", "version": version, "system": "*",
         "description": "SCons from PyPI (seeded by micro for offline builds)"}, indent=2).encode())
    write_if_changed(tool / ".piopm", json.dumps(
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
    state["last_version"] = platformio_version()
    settings = state.setdefault("settings", {})
    settings["enable_telemetry"] = False
    settings["check_platformio_interval"] = 36500
    settings["check_prune_system_threshold"] = 0
    last_check = state.setdefault("last_check", {})
    last_check["platformio_upgrade"] = now
    last_check["prune_system"] = now
    write_if_changed(state_path, json.dumps(state).encode())
    return core



def offline_env(core: Path, allow_network: bool) -> dict[str, str]:
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



def user_core_dir() -> Path:
    """PlatformIO's own core dir (where registry platforms are installed), not a project-local one."""
    env = os.environ.get("PLATFORMIO_CORE_DIR")
    return Path(env) if env else Path.home() / ".platformio"

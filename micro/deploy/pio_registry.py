"""Framework builds (`micro build --framework arduino`) need PlatformIO's registry the first time: the
platform (nordicnrf52), the Arduino mbed core and a toolchain. This module knows what of that is installed,
whether the registry answers, and stops a build at once, with what to do instead, when neither holds (no
60 s of PlatformIO retries). `--framework baremetal` builds offline (micro.deploy.pio_build).

Public API (used by micro.deploy.build and micro.deploy.flash)::

    registry_unreachable(timeout=3.0) -> str | None       None when the registry answers a TCP connect
    arduino_platform_missing(board, core_dir=None) -> list[str]
    arduino_preflight(project_dir, board, model_file, offline_build=None)   raises BuildError when the build
        cannot start (offline_build: the command that builds it offline instead; default `micro build` of it)
    run_pio(project_dir, args, timeout) -> CompletedProcess   `pio ARGS` with the user's own core dir
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

from micro.deploy.boards import Board
from micro.deploy.errors import BuildError
from micro.deploy.pio_core import python_side_unavailable, user_core_dir

REGISTRY_HOST = ("api.registry.platformio.org", 443)
ARDUINO_PLATFORM_PACKAGES = ("framework-arduino-mbed", "toolchain-gccarmnoneeabi")


def registry_unreachable(timeout: float = 3.0) -> str | None:
    """None when PlatformIO's registry answers a TCP connect within `timeout`, else why not. MICRO_OFFLINE=1
    says "offline" without trying."""
    if os.environ.get("MICRO_OFFLINE", "").strip() not in ("", "0"):
        return "MICRO_OFFLINE is set"
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    host, port = REGISTRY_HOST
    if proxy:
        m = re.match(r"^(?:\w+://)?(?:[^@/]*@)?([^:/]+)(?::(\d+))?", proxy)
        if m:
            host, port = m.group(1), int(m.group(2) or 8080)
    result: dict[str, object] = {}

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result["ok"] = True
        except OSError as e:
            result["error"] = e

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 0.5)           # DNS has no timeout of its own: do not wait for it
    if result.get("ok"):
        return None
    err = result.get("error")
    return f"cannot reach {host}:{port} ({err or f'no answer in {timeout:.0f} s'})"


def arduino_platform_missing(board: Board, core_dir: Path | None = None) -> list[str]:
    """What of the registry platform, framework and toolchain is not installed in PlatformIO's core dir."""
    core = core_dir or user_core_dir()
    missing = []
    platform = board.platformio_platform or "nordicnrf52"
    if not (core / "platforms" / platform / "platform.json").is_file():
        missing.append(f"platform {platform}")
    for pkg in ARDUINO_PLATFORM_PACKAGES:
        if not (core / "packages" / pkg / "package.json").is_file():
            missing.append(f"package {pkg}")
    return missing


def arduino_preflight(project_dir: Path, board: Board, model_file: str = "MODEL.tflite",
                      offline_build: str | None = None) -> None:
    """Raise BuildError when the framework build cannot start here: PlatformIO missing, or the platform not
    installed and the registry out of reach."""
    reason = python_side_unavailable()
    if reason and "SCons" not in reason:
        raise BuildError(f"cannot build {project_dir}: {reason}")
    missing = arduino_platform_missing(board)
    if not missing:
        return
    why = registry_unreachable()
    if why:
        offline_build = (offline_build or
                         f"micro build --board {board.name} --framework baremetal {model_file or 'MODEL.tflite'}")
        raise BuildError(
            f"framework arduino needs PlatformIO's {board.platformio_platform} platform and the Arduino "
            f"mbed core, which are not installed ({', '.join(missing)}), and the PlatformIO registry cannot be "
            f"reached: {why}.\n"
            f"Build offline with micro's own platform instead:\n"
            f"  {offline_build}\n"
            "(bare metal: the serial harness speaks on UARTE0, pins D1/TX and D0/RX, not on the USB port), or "
            f"connect to the internet once: the project is in {project_dir}, and `pio run -d {project_dir}` "
            "installs the platform on its first build.")


def run_pio(project_dir: Path, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """`pio ARGS` in the project with PlatformIO's own core dir (registry platforms live there)."""
    cmd = [sys.executable, "-m", "platformio", *args]
    env = dict(os.environ)
    env.setdefault("PLATFORMIO_SETTING_ENABLE_TELEMETRY", "no")
    try:
        return subprocess.run(cmd, cwd=project_dir, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildError(f"`pio {' '.join(args)}` did not finish in {timeout:.0f} s in {project_dir}") from None

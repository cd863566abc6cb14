"""`micro flash`: upload a `micro build` project. Framework arduino: PlatformIO's upload target (through the
registry platform, micro.deploy.pio_registry). Bare metal: micro does not upload; it prints how to flash the
.bin after the Arduino bootloader (bossac over USB, or an SWD probe) and how to verify the board.

Public API (used by micro.cli)::

    flash(project_dir, port, board=None) -> FlashResult      .uploaded, .instructions, .output
    baremetal_flash_instructions(project_dir, board, port, check) -> str
    check_command(manifest, board, port) -> str     how to check the flashed board: the manifest's "check"
        command (an application's, e.g. examples/keyword_spotting), else `micro verify` of its model
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import micro.deploy.pio_registry as pio_registry
from micro.deploy.boards import Board, get_board
from micro.deploy.errors import BuildError
from micro.deploy.pio_project import ENV_NAME
from micro.deploy.project import read_manifest


@dataclass
class FlashResult:
    project_dir: Path
    framework: str
    uploaded: bool
    instructions: str = ""
    output: str = ""


def check_command(manifest: dict, board: Board, port: str) -> str:
    check = manifest.get("commands", {}).get("check")
    if check:
        return check.replace("{port}", port)
    return f"micro verify {manifest.get('model_file') or 'MODEL.tflite'} --board {board.name} --port {port} --random 10"


def baremetal_flash_instructions(project_dir: Path, board: Board, port: str | None, check: str) -> str:
    binary = project_dir / ".pio" / "build" / ENV_NAME / "firmware.bin"
    p = port or "/dev/ttyACM0"
    base = f"0x{board.flash_origin:X}"
    return "\n".join([
        f"The bare-metal firmware is {binary}, linked to run at {base} (after the Arduino bootloader, which",
        "stays in place). micro does not upload it itself; flash it with either:",
        "",
        "  1. the Arduino bootloader over USB: double-tap the reset button (the orange LED pulses; the",
        f"     bootloader's port appears, e.g. {p}), then run Arduino's bossac (1.9.1-arduino2, installed",
        "     with the arduino:mbed_nano core; the bootloader puts the application at " + base + "):",
        f"       bossac -d --port={p} -U -i -e -w {binary} -R",
        "  2. an SWD probe on the board's test pads:",
        f"       pyocd flash -t nrf52840 --base-address {base} {binary}",
        f"       openocd -f interface/cmsis-dap.cfg -f target/nrf52.cfg -c \"program {binary} {base} verify reset exit\"",
        "",
        "The bare-metal harness talks on UARTE0, not on USB: connect a 3.3 V USB-serial adapter to D1/TX (P1.03),",
        "D0/RX (P1.10) and GND, then check the board bit-exact against TFLM:",
        f"  {check}",
    ])


def flash(project_dir: str | os.PathLike, port: str | None, board: str | None = None,
          timeout: float = 600) -> FlashResult:
    """Upload a `micro build` project: PlatformIO's upload target for framework arduino; for baremetal,
    the instructions to flash the .bin (returned, nothing is run)."""
    pdir = Path(project_dir).resolve()
    manifest = read_manifest(pdir)
    b = get_board(manifest["board"])
    if board is not None and board != b.name:
        raise BuildError(f"{pdir} was built for {b.name}, not {board}")
    framework = manifest["framework"]
    if framework == "baremetal":
        text = baremetal_flash_instructions(pdir, b, port, check_command(manifest, b, "/dev/ttyUSB0"))
        if not (pdir / manifest["bin"]).is_file():
            build = manifest.get("commands", {}).get("build_baremetal", "micro build")
            text = f"(not built yet: run `{build}` first; {manifest['bin']} is missing)\n" + text
        return FlashResult(pdir, framework, False, text)
    if not port:
        raise BuildError("--port is needed: the board's USB serial port, e.g. /dev/ttyACM0")
    pio_registry.arduino_preflight(pdir, b, manifest.get("model_file", ""),
                                   offline_build=manifest.get("commands", {}).get("build_baremetal"))
    res = pio_registry.run_pio(pdir, ["run", "-d", str(pdir), "-e", ENV_NAME, "-t", "upload", "--upload-port", port],
                               timeout)
    out = (res.stdout + res.stderr).strip()
    if res.returncode != 0:
        raise BuildError(f"upload failed (exit {res.returncode}):\n" + "\n".join(out.splitlines()[-30:]))
    text = f"uploaded to {port}. Then check it:\n  {check_command(manifest, b, port)}"
    return FlashResult(pdir, framework, True, text, out)

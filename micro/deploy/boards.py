"""Boards: one declarative record per target. `micro boards` lists them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    cpu: str                      # e.g. "cortex-m4"
    cflags: tuple[str, ...]       # CPU/ABI flags for compiling and linking
    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_bytes: int
    kernel_variant: str           # "reference" or "cmsis_dsp" (SIMD, __ARM_FEATURE_DSP)
    serial: str                   # how the harness talks to it: "cmsdk_uart", "nrf_uarte0", "usb_cdc"
    template_dir: str             # folder under firmware_templates/ with startup, linker script, UART driver
    emulator: str | None = None   # "qemu:mps2-an386", "renode:arduino_nano_33_ble"
    upload: str | None = None     # upload tool, for real hardware
    platformio_board: str | None = None
    defines: tuple[str, ...] = field(default_factory=tuple)
    # `micro build` / `micro export arduino` (micro/deploy/build.py):
    bootloader_bytes: int = 0     # flash below flash_origin kept by a bootloader (flash_bytes already excludes it)
    frameworks: tuple[str, ...] = ("baremetal",)   # what `micro build --framework` accepts; the first is the default
    # (framework, flash bytes, RAM bytes) the firmware needs besides the model's code, weights, arena and the
    # stack below: the harness (protocol buffers, startup, libc) or an Arduino core with its USB stack and RTOS.
    reserve: tuple[tuple[str, int, int], ...] = ()
    stacks: tuple[tuple[str, int], ...] = ()  # (framework, main stack bytes the firmware reserves); baremetal
    #                                          default: micro.deploy.firmware.STACK_BYTES
    platformio_platform: str | None = None   # registry platform of framework builds, e.g. "nordicnrf52"
    arduino_fqbn: str | None = None          # arduino-cli board id, e.g. "arduino:mbed_nano:nano33ble"

    def framework_reserve(self, framework: str) -> tuple[int, int]:
        """(flash, RAM) bytes the framework/harness itself takes on this board."""
        for fw, flash, ram in self.reserve:
            if fw == framework:
                return flash, ram
        return 0, 0

    def stack_reserve(self, framework: str) -> int:
        for fw, n in self.stacks:
            if fw == framework:
                return n
        if framework == "baremetal":
            from micro.deploy.firmware import STACK_BYTES
            return STACK_BYTES
        return 0

    @property
    def flash_end(self) -> int:
        return self.flash_origin + self.flash_bytes


CORTEX_M4F = ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16")

BOARDS: dict[str, Board] = {
    b.name: b for b in (
        Board(
            name="mps2_an386",
            description="Arm MPS2 AN386 (Cortex-M4F with DSP) as emulated by QEMU; CMSDK UART0 at 0x40004000",
            cpu="cortex-m4", cflags=CORTEX_M4F,
            flash_origin=0x00000000, flash_bytes=4 * 1024 * 1024,
            ram_origin=0x20000000, ram_bytes=4 * 1024 * 1024,
            kernel_variant="cmsis_dsp", serial="cmsdk_uart", template_dir="mps2_an386",
            emulator="qemu:mps2-an386", upload=None, platformio_board=None,
        ),
        Board(
            name="nano33ble",
            description="Arduino Nano 33 BLE (nRF52840, Cortex-M4F 64 MHz): 1 MB flash with the application "
                        "at 0x10000 after the Arduino bootloader, 256 KB RAM; bare-metal UARTE0 on D0/D1",
            cpu="cortex-m4", cflags=CORTEX_M4F,
            flash_origin=0x00010000, flash_bytes=0x100000 - 0x10000,
            ram_origin=0x20000000, ram_bytes=256 * 1024,
            kernel_variant="cmsis_dsp", serial="nrf_uarte0", template_dir="nano33ble",
            emulator="renode:arduino_nano_33_ble", upload="bossac (Arduino fork)", platformio_board="nano33ble",
            bootloader_bytes=0x10000, frameworks=("arduino", "baremetal"),
            # baremetal: measured (micro build, harness firmware: startup, protocol, UARTE driver, libc parts);
            # arduino: Arduino mbed core 4.x (mbed OS, USB CDC serial) for an empty sketch, rounded up: an
            # estimate, the core is not installed here.
            reserve=(("baremetal", 6 * 1024, 3 * 1024), ("arduino", 96 * 1024, 56 * 1024)),
            stacks=(("arduino", 0),),  # mbed's main-thread stack is in the core's RAM; baremetal: the firmware's
            platformio_platform="nordicnrf52", arduino_fqbn="arduino:mbed_nano:nano33ble",
        ),
    )
}


def get_board(name: str) -> Board:
    try:
        return BOARDS[name]
    except KeyError:
        from micro.errors import MicroError
        raise MicroError(f"unknown board '{name}'; known boards: {', '.join(BOARDS)} (see `micro boards`)") from None

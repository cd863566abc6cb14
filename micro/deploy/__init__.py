"""Deployment: from a compiled model to firmware on a board, a PlatformIO project, or an Arduino library.

One module per job, named after it:

    boards/<board>.toml, boards/    the boards, as data (loader: micro.deploy.boards)
    firmware_sources.py             the firmware's sources for a model on a board (harness or self-test)
    firmware.py                     build them (PlatformIO offline, or arm-none-eabi-gcc), cached
    elf.py                          ELF sections and the one account of flash and RAM
    kernels.py                      the model's kernel files and which carry an Arm DSP path
    pio_core.py, pio_project.py,    PlatformIO: offline core dir; project files; `pio run` offline;
    pio_build.py, pio_registry.py   framework builds that need PlatformIO's registry
    budget.py, project.py,          `micro build`: does it fit, the project, the command
    build.py, flash.py              and `micro flash`
    arduino/                        `micro export arduino` (and the library of `micro build --framework arduino`)
    qemu.py, qemu_plugin/           run firmware in QEMU with exact instruction counts
    protocol/                       the host side of the serial protocol
    text.py                         strings from a model or a user, escaped for each file written
    errors.py                       BuildError
"""

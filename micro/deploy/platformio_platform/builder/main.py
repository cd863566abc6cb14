# SCons build script of micro's local bare-metal dev-platform ("microbaremetal").
#
# PlatformIO runs this inside its SCons process (tool-scons). It builds a bare-metal
# Cortex-M program with the system arm-none-eabi toolchain found on PATH: no framework,
# no packages, nothing from the PlatformIO registry. The project supplies everything
# else: startup code and vector table (src/), a linker script (board_build.ldscript),
# optimisation, warnings and defines (build_flags).
#
# Board manifest fields read here (the project's boards/<id>.json, written by micro from the board
# file; overridable as board_build.* in platformio.ini): build.cpu, build.fpu, build.float_abi,
# build.toolchain_prefix, build.link_flags (more flags of the link step, e.g. -flto: micro writes them as
# board_build.link_flags from the board's [compiler] link options).
#
# Outputs in $BUILD_DIR: firmware.elf, firmware.bin, firmware.map.
# Targets: (default) build + size; "size"; "upload" (QEMU run for upload.protocol=qemu,
# Arduino bossac for upload.protocol=bossac).

import os
import shutil
import sys

from platformio.device.list.util import list_serial_ports  # pylint: disable=import-error
from SCons.Script import (COMMAND_LINE_TARGETS, AlwaysBuild, Builder, Default,  # pylint: disable=import-error
                          DefaultEnvironment)

env = DefaultEnvironment()
board = env.BoardConfig()

# Faster no-op rebuilds: reuse the #include scan of unchanged files. (Not the "MD5-timestamp" decider: SCons
# compares whole-second timestamps, so a regenerated file of the same size within the same second would be
# missed. Content hashes of every file stay the rule.)
env.SetOption("implicit_cache", 1)

if env.get("PIOFRAMEWORK"):
    sys.stderr.write(
        "Error: the microbaremetal platform builds bare-metal programs only; framework = %s needs a "
        "registry platform (e.g. nordicnrf52), which this offline build cannot fetch.\n"
        % ", ".join(env.get("PIOFRAMEWORK")))
    env.Exit(1)

prefix = board.get("build.toolchain_prefix", "arm-none-eabi-")
cpu = board.get("build.cpu", "cortex-m4")
fpu = board.get("build.fpu", "")
float_abi = board.get("build.float_abi", "soft")

env.Replace(
    AR=prefix + "ar",
    AS=prefix + "as",
    CC=prefix + "gcc",
    CXX=prefix + "g++",
    GDB=prefix + "gdb",
    OBJCOPY=prefix + "objcopy",
    RANLIB=prefix + "ranlib",
    SIZETOOL=prefix + "size",
    ARFLAGS=["rc"],
    SIZEPROGREGEXP=r"^(?:\.text|\.data|\.rodata|\.text.align|\.ARM.exidx|\.vectors|\.isr_vector)\s+(\d+).*",
    SIZEDATAREGEXP=r"^(?:\.data|\.bss|\.noinit|\.stack|\.heap)\s+(\d+).*",
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
    PROGSUFFIX=".elf",
)
if env.get("PROGNAME", "program") == "program":
    env.Replace(PROGNAME="firmware")

if "nobuild" not in COMMAND_LINE_TARGETS and not shutil.which(env.subst("$CC"), path=env["ENV"].get("PATH")):
    sys.stderr.write(
        "Error: %s is not on PATH. Install the Arm GNU toolchain "
        "(Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi).\n" % env.subst("$CC"))
    env.Exit(1)

machine = ["-mcpu=%s" % cpu, "-mthumb", "-mfloat-abi=%s" % float_abi]
if fpu and float_abi != "soft":
    machine.append("-mfpu=%s" % fpu)

env.Append(
    ASPPFLAGS=["-x", "assembler-with-cpp"] + machine,
    ASFLAGS=machine,
    CCFLAGS=machine + ["-ffunction-sections", "-fdata-sections"],
    CXXFLAGS=["-fno-rtti", "-fno-exceptions"],
    CPPDEFINES=[("F_CPU", "$BOARD_F_CPU")],
    LINKFLAGS=machine + [
        "-nostartfiles",
        "--specs=nano.specs",
        "--specs=nosys.specs",
        "-Wl,--gc-sections",
        "-Wl,-Map,${BUILD_DIR}/${PROGNAME}.map",
    ] + board.get("build.link_flags", "").split(),
    LIBS=["c", "m", "gcc", "nosys"],
    BUILDERS=dict(
        ElfToBin=Builder(
            action=env.VerboseAction("$OBJCOPY -O binary $SOURCES $TARGET", "Building $TARGET"),
            suffix=".bin"),
    ),
)

if "nobuild" not in COMMAND_LINE_TARGETS and not env.get("LDSCRIPT_PATH"):
    sys.stderr.write(
        "Error: no linker script. Set board_build.ldscript = /path/to/script.ld in platformio.ini "
        "(micro.deploy.pio_project.generate_project(..., linker_script=...) does this).\n")
    env.Exit(1)

#
# Targets
#
if "nobuild" in COMMAND_LINE_TARGETS:
    target_elf = os.path.join("$BUILD_DIR", "${PROGNAME}.elf")
    target_bin = os.path.join("$BUILD_DIR", "${PROGNAME}.bin")
else:
    target_elf = env.BuildProgram()
    target_bin = env.ElfToBin(os.path.join("$BUILD_DIR", "${PROGNAME}"), target_elf)

AlwaysBuild(env.Alias("nobuild", target_bin))
target_buildprog = env.Alias("buildprog", target_bin, target_bin)

target_size = env.Alias("size", target_elf, env.VerboseAction("$SIZEPRINTCMD", "Calculating size $SOURCE"))
AlwaysBuild(target_size)

#
# Upload: "qemu" runs the ELF in QEMU (semihosting on, UART0 on stdio); "bossac" flashes
# a Nano 33 BLE through the Arduino bootloader (Arduino's bossac fork, 1200 bps touch).
#
upload_protocol = env.subst("$UPLOAD_PROTOCOL")
upload_actions = []
if upload_protocol == "qemu":
    env.Replace(
        UPLOADER="qemu-system-arm",
        UPLOADERFLAGS=["-M", board.get("upload.qemu_machine", "mps2-an386"), "-nographic",
                       "-semihosting-config", "enable=on,target=native"],
        UPLOADCMD="$UPLOADER $UPLOADERFLAGS -kernel $SOURCE",
    )
    upload_source = target_elf
    upload_actions = [env.VerboseAction("$UPLOADCMD", "Running $SOURCE in QEMU")]
elif upload_protocol == "bossac":
    env.Replace(
        UPLOADER="bossac",
        UPLOADERFLAGS=["--port", '"$UPLOAD_PORT"', "-U", "-i", "-e", "-w"],
        UPLOADCMD="$UPLOADER $UPLOADERFLAGS $SOURCE -R",
    )
    upload_source = target_bin

    def _enter_bootloader(target, source, env):  # pylint: disable=unused-argument
        env.AutodetectUploadPort()
        before = list_serial_ports()
        if board.get("upload.use_1200bps_touch", False):
            env.TouchSerialPort("$UPLOAD_PORT", 1200)
        if board.get("upload.wait_for_upload_port", False):
            env.Replace(UPLOAD_PORT=env.WaitForNewSerialPort(before))

    upload_actions = [
        env.VerboseAction(_enter_bootloader, "Resetting the board into its bootloader (1200 bps touch)"),
        env.VerboseAction("$UPLOADCMD", "Uploading $SOURCE"),
    ]
elif upload_protocol == "custom":
    upload_source = target_bin
    upload_actions = [env.VerboseAction("$UPLOADCMD", "Uploading $SOURCE")]
else:
    upload_source = target_bin
    sys.stderr.write("Warning! Unknown upload protocol %s\n" % upload_protocol)

AlwaysBuild(env.Alias("upload", upload_source, upload_actions))

Default([target_buildprog, target_size])

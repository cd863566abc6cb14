"""The classic AVR Arduinos (Nano and Uno: ATmega328P, 32 KB flash, 2 KB RAM) with the real Arduino toolchain:
micro's exported Arduino library, installed as a user installs it (the ZIP unpacked into a sketchbook's
libraries folder), built by Debian's arduino-builder with arduino-core-avr (avr-gcc 5.4, avr-libc), and run
in simavr, which prints what the sketch writes on Serial.

`micro verify MODEL --board nano` (or uno) without --port: a sketch (MicroVerify.ino, generated here) holds the
input sets in flash (PROGMEM), runs the model on each and prints every output byte in hex and the invoke's
time from micros(); the host compares the bytes with TFLM and the host build. simavr's timer runs on the
simulated 16 MHz clock, so cycles = microseconds x 16, to the 64 cycles (4 us) of micros()'s resolution.

What the AVR changes for a model: avr-gcc's int is 16 bits and its double is 32 bits (the kernels use
int32_t/int64_t and no double: tests/deploy/test_avr.py compiles every kernel with avr-gcc -Wall -Werror), and
const data lives in RAM (the kernels read weights through ordinary pointers, which on AVR address RAM: avr-gcc
copies .rodata there at start), so the weights count against the 2 KB of RAM (board file: const_in_ram).

Public API::

    avr_unavailable() -> str | None                      why the toolchain cannot run here (None when it can)
    build_sketch(sketch_dir, libraries_dir, fqbn, build_dir) -> SketchBuild (.elf, .flash_bytes, .ram_bytes)
    run_simavr(elf, mcu="atmega328p", f_cpu=16000000, timeout=120) -> str   the sketch's Serial output
    install_library(zip_path, libraries_dir) -> Path     unpack an exported library ZIP (as a user does)
    AvrSession(compiled, board, model_bytes, input_sets, stream=False)  build + run once; .run(inputs) -> AvrRun
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micro.deploy.arduino.export import write_zip
from micro.deploy.arduino.library import arduino_library
from micro.deploy.arduino.library_info import library_info
from micro.deploy.boards import Board
from micro.deploy.budget import check_budget, estimate_budget
from micro.deploy.firmware_sources import FirmwareError
from micro.dtypes import NUMPY_DTYPES
from micro.frontend.metadata import resolve_metadata

ARDUINO_HARDWARE = Path("/usr/share/arduino/hardware")
TOOLS = ("arduino-builder", "arduino-ctags", "avr-gcc", "simavr")
# arduino-builder's recipe for Debian's packages: ctags (for the sketch's prototypes) is arduino-ctags, and
# arduino-core-avr's core needs DECIMAL_DIG, which avr-gcc 5.4's <float.h> lacks.
CTAGS_PREFS = ("tools.ctags.path=/usr/bin", "tools.ctags.cmd.path={path}/arduino-ctags",
               'tools.ctags.pattern="{cmd.path}" -u --language-force=c++ -f - --c++-kinds=svpf --fields=KSTtzns '
               '--line-directives "{source_file}"')
CORE_PREFS = ("compiler.cpp.extra_flags=-DDECIMAL_DIG=17",)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def avr_unavailable() -> str | None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing or not (ARDUINO_HARDWARE / "arduino" / "avr" / "boards.txt").is_file():
        return (f"the AVR Arduino toolchain is not installed ({', '.join(missing) or 'arduino-core-avr'} missing; "
                "Debian: apt-get install arduino-builder arduino-core-avr arduino-ctags gcc-avr avr-libc simavr)")
    return None


@dataclass
class SketchBuild:
    elf: Path
    flash_bytes: int          # "Sketch uses N bytes": program storage (code, constants, .data's initial values)
    ram_bytes: int            # "Global variables use N bytes": .data + .bss (the weights included on AVR)
    output: str


def build_sketch(sketch_dir: Path, libraries_dir: Path, fqbn: str, build_dir: Path) -> SketchBuild:
    """Build a sketch folder with arduino-builder against the libraries in libraries_dir."""
    reason = avr_unavailable()
    if reason:
        raise FirmwareError(reason)
    build_dir.mkdir(parents=True, exist_ok=True)
    cmd = ["arduino-builder", "-compile", "-hardware", str(ARDUINO_HARDWARE), "-tools", "/usr/bin",
           "-libraries", str(libraries_dir), "-fqbn", fqbn, "-build-path", str(build_dir)]
    for pref in CTAGS_PREFS + CORE_PREFS:
        cmd += ["-prefs", pref]
    ino = sketch_dir / f"{sketch_dir.name}.ino"
    res = subprocess.run(cmd + [str(ino)], capture_output=True, text=True)
    out = res.stdout + res.stderr
    if res.returncode != 0:
        raise FirmwareError(f"arduino-builder failed for {fqbn}:\n{out.strip()[-4000:]}")
    flash = re.search(r"Sketch uses (\d+) bytes", out)
    ram = re.search(r"Global variables use (\d+) bytes", out)
    return SketchBuild(build_dir / f"{ino.name}.elf", int(flash.group(1)) if flash else 0,
                       int(ram.group(1)) if ram else 0, out)


def run_simavr(elf: Path, mcu: str = "atmega328p", f_cpu: int = 16000000, timeout: float = 120.0) -> str:
    """Run an ELF in simavr until the sketch sleeps with interrupts off (simavr then exits); its Serial text."""
    try:
        res = subprocess.run(["simavr", "-m", mcu, "-f", str(f_cpu), str(elf)], capture_output=True, text=True,
                             errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise FirmwareError(f"simavr did not finish {elf.name} within {timeout:.0f} s (the sketch hung?)") from None
    # simavr prints each UART line as it completes, coloured, non-printable bytes as '.'
    return _ANSI.sub("", res.stdout + res.stderr)


def install_library(zip_path: Path, libraries_dir: Path) -> Path:
    """Unpack an exported library ZIP into a sketchbook libraries folder, as the IDE's Add .ZIP Library does."""
    libraries_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        top = z.namelist()[0].split("/")[0]
        z.extractall(libraries_dir)
    return libraries_dir / top


def _c_bytes(data: bytes) -> str:
    return ",".join(str(b) for b in data) or "0"


def verify_sketch(compiled, header: str, input_sets: list[list[np.ndarray]], stream: bool = False) -> str:
    """MicroVerify.ino: every input set from flash, invoke, print `out K O OFFSET <hex>` (32 bytes a line) and
    `us K N`, then `done`. A model with state is reset before every set but the first, unless `stream`."""
    name, g = compiled.name, compiled.graph
    decls, runs = [], []
    for k, inputs in enumerate(input_sets):
        lines = [f"    {name}_reset();"] if k and not stream and compiled.state.state_bytes else []
        for i, x in enumerate(inputs):
            t = g.tensors[g.inputs[i]]
            data = np.ascontiguousarray(x, dtype=NUMPY_DTYPES[t.dtype]).tobytes()
            decls.append(f"static const uint8_t in_{k}_{i}[{max(1, len(data))}] PROGMEM = {{{_c_bytes(data)}}};")
            lines.append(f"    memcpy_P({name}_input({i}), in_{k}_{i}, {len(data)});")
        lines.append(f"    run_set({k});")
        runs.append("\n".join(lines))
    outs = "\n".join(f"    print_bytes(k, {o}, (const uint8_t *){name}_output({o}), "
                     f"{g.tensors[t].nbytes});" for o, t in enumerate(g.outputs))
    return f"""/* Generated by micro: runs `{name}` on {len(input_sets)} input set(s) held in flash and prints every output
 * byte (hex) and the invoke's time, for `micro verify --board <avr board>` (simavr). */
#include <{header}>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <string.h>

{chr(10).join(decls)}

static void print_bytes(int k, int o, const uint8_t *p, unsigned int n)
{{
    static const char hex[] = "0123456789abcdef";
    for (unsigned int at = 0; at < n; at += 32) {{ /* short lines: simavr's console cuts long ones */
        Serial.print("out ");
        Serial.print(k);
        Serial.print(" ");
        Serial.print(o);
        Serial.print(" ");
        Serial.print(at);
        Serial.print(" ");
        for (unsigned int i = at; i < n && i < at + 32; i++) {{
            Serial.write(hex[p[i] >> 4]);
            Serial.write(hex[p[i] & 15]);
        }}
        Serial.print("\\n");
    }}
}}

static void run_set(int k)
{{
    unsigned long t0 = micros();
    {name}_invoke();
    unsigned long us = micros() - t0;
{outs}
    Serial.print("us ");
    Serial.print(k);
    Serial.print(" ");
    Serial.print(us);
    Serial.print("\\n");
}}

void setup()
{{
    Serial.begin(115200);
    {name}_init();
{chr(10).join(runs)}
    Serial.print("done\\n");
    Serial.flush();
    cli(); /* sleeping with interrupts off ends simavr */
    sleep_enable();
    sleep_cpu();
}}

void loop()
{{
}}
"""


@dataclass
class AvrRun:
    outputs: list[np.ndarray]
    cycles: int | None                 # micros() x 16 (16 MHz), to 64 cycles
    instructions: int | None = None
    stack_used: int = 0
    seconds: float = 0.0
    tensors: dict | None = None


@dataclass
class AvrSession:
    """Build the exported library + MicroVerify sketch with arduino-builder, run it in simavr once for every
    input set, then hand out the results in order (the interface verify_on_board uses of a BoardSession)."""
    compiled: object
    board: Board
    model_bytes: bytes
    input_sets: list[list[np.ndarray]]
    stream: bool = False     # consecutive invokes on one state (else a stateful model is reset between sets)
    timeout: float = 300.0
    firmware: None = None
    build: SketchBuild | None = None
    runs: list[AvrRun] = field(default_factory=list)

    def __enter__(self) -> "AvrSession":
        check_budget(estimate_budget(self.compiled, self.board, "arduino"))   # refuse with the numbers
        with tempfile.TemporaryDirectory(prefix="micro-avr-") as tmp:
            work = Path(tmp)
            c = self.compiled
            info = library_info(c, resolve_metadata(self.model_bytes, c), name=f"Micro_{c.name}")
            lib = arduino_library(c, self.board, resolve_metadata(self.model_bytes, c), info)
            zip_path = write_zip(lib, work / f"{info.name}.zip")
            install_library(zip_path, work / "sketchbook" / "libraries")
            sketch = work / "sketchbook" / "MicroVerify"
            sketch.mkdir(parents=True)
            (sketch / "MicroVerify.ino").write_text(verify_sketch(c, info.header, self.input_sets, self.stream))
            self.build = build_sketch(sketch, work / "sketchbook" / "libraries", self.board.arduino_fqbn,
                                      work / "build")
            text = run_simavr(self.build.elf, self.board.cpu, 16000000, self.timeout)
        self.runs = _parse(text, c, len(self.input_sets))
        return self

    def __exit__(self, *exc) -> None:
        pass

    def run(self, inputs: list[np.ndarray]) -> AvrRun:
        return self.runs.pop(0)

    @property
    def summary(self) -> str:
        b = self.build
        return (f"arduino-builder {self.board.arduino_fqbn}: flash {b.flash_bytes:,} B of {self.board.flash_bytes:,}, "
                f"RAM {b.ram_bytes:,} B of {self.board.ram_bytes:,} (globals; weights included); run in simavr")


def _parse(text: str, compiled, n_sets: int) -> list[AvrRun]:
    g = compiled.graph
    outs: dict[tuple[int, int], bytes] = {}
    us: dict[int, int] = {}
    for line in text.splitlines():
        m = re.match(r"\s*out (\d+) (\d+) (\d+) ([0-9a-f]*)", line)
        if m:
            key = (int(m.group(1)), int(m.group(2)))
            if int(m.group(3)) == len(outs.get(key, b"")):
                outs[key] = outs.get(key, b"") + bytes.fromhex(m.group(4))
        m = re.match(r"\s*us (\d+) (\d+)", line)
        if m:
            us[int(m.group(1))] = int(m.group(2))
    if "done" not in text or len(us) != n_sets:
        raise FirmwareError(f"the sketch in simavr did not print every result ({len(us)} of {n_sets} input sets); "
                            f"its output:\n{text[-2000:]}")
    runs = []
    for k in range(n_sets):
        arrays = []
        for o, t_idx in enumerate(g.outputs):
            t = g.tensors[t_idx]
            data = outs.get((k, o), b"")
            if len(data) != t.nbytes:
                raise FirmwareError(f"input set {k}, output {o}: {len(data)} bytes from the sketch, expected {t.nbytes}")
            arrays.append(np.frombuffer(data, dtype=NUMPY_DTYPES[t.dtype]).reshape(t.shape).copy())
        runs.append(AvrRun(arrays, us[k] * 16))
    return runs

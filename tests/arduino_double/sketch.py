"""Build an Arduino sketch and its libraries for this machine against the test double, and run it.

    build_sketch(sketch_dir, libraries, out, cc="gcc", cxx="g++") -> Path of the executable
    compile_only(sketch_dir, libraries, out_dir, cc="arm-none-eabi-gcc", cxx="arm-none-eabi-g++", cflags=M4F)
        every translation unit compiled (not linked): the library's .c as C99, its .cpp and the sketch as C++,
        all with -Wall -Wextra -Werror
    PtySketch(executable) -- context manager: the sketch's Serial on a pty; .port is the path for pyserial

The sketch is turned into C++ as the Arduino builder does it: `#include <Arduino.h>` first, then a #line
directive and the .ino (micro's sketches define every function before its use, so no prototypes are
generated). Defines are those of the arduino:mbed_nano core for the Nano 33 BLE.
"""

from __future__ import annotations

import os
import subprocess
import tty
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DOUBLE = Path(__file__).resolve().parent
BOARD_DEFINES = ["-DARDUINO=10819", "-DARDUINO_ARDUINO_NANO33BLE", "-DARDUINO_ARCH_NRF52840",
                 "-DARDUINO_ARCH_MBED_NANO", "-DARDUINO_ARCH_MBED"]
C_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2"]
CXX_FLAGS = ["-std=gnu++14", "-Wall", "-Wextra", "-Werror", "-O2"]
M4F = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-ffunction-sections",
       "-fdata-sections"]
M4F_SOFTFP = [f if f != "-mfloat-abi=hard" else "-mfloat-abi=softfp" for f in M4F]   # the arduino:mbed_nano core


class SketchBuildError(Exception):
    pass


def _sketch_cpp(sketch_dir: Path, work: Path) -> Path:
    ino = sketch_dir / f"{sketch_dir.name}.ino"
    cpp = work / f"{sketch_dir.name}.ino.cpp"
    cpp.write_text(f'#include <Arduino.h>\n#line 1 "{ino}"\n' + ino.read_text())
    return cpp


def _units(sketch_dir: Path, libraries: list[Path], work: Path, with_double: bool):
    units = []
    for lib in libraries:
        for p in sorted((lib / "src").rglob("*")):
            if p.suffix == ".c":
                units.append(("c", p))
            elif p.suffix == ".cpp":
                units.append(("cxx", p))
    if with_double:
        units += [("cxx", DOUBLE / "Arduino.cpp"), ("cxx", DOUBLE / "PDM.cpp")]
    units.append(("cxx", _sketch_cpp(sketch_dir, work)))
    return units


def _compile(units, libraries, sketch_dir: Path, work: Path, cc: str, cxx: str, extra: list[str]) -> list[Path]:
    incs = ["-I", str(DOUBLE), "-I", str(sketch_dir)] + [x for lib in libraries for x in ("-I", str(lib / "src"))]

    def one(k_unit):
        k, (kind, src) = k_unit
        obj = work / f"{k:03d}_{src.name}.o"
        cmd = [cc if kind == "c" else cxx, *(C_FLAGS if kind == "c" else CXX_FLAGS), *extra, *BOARD_DEFINES,
               *incs, "-c", str(src), "-o", str(obj)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise SketchBuildError(f"{cmd[0]} failed on {src}:\n{res.stderr}\ncommand: {' '.join(cmd)}")
        return obj

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(one, enumerate(units)))


def build_sketch(sketch_dir: Path, libraries: list[Path], out: Path, cc: str = "gcc", cxx: str = "g++") -> Path:
    sketch_dir, out = Path(sketch_dir), Path(out)
    work = out.parent / (out.name + ".objs")
    work.mkdir(parents=True, exist_ok=True)
    objs = _compile(_units(sketch_dir, libraries, work, True), libraries, sketch_dir, work, cc, cxx, [])
    res = subprocess.run([cxx, "-o", str(out), *map(str, objs), "-lm"], capture_output=True, text=True)
    if res.returncode != 0:
        raise SketchBuildError(f"linking {out.name} failed:\n{res.stderr}")
    return out


def compile_only(sketch_dir: Path, libraries: list[Path], out_dir: Path, cc: str = "arm-none-eabi-gcc",
                 cxx: str = "arm-none-eabi-g++", cflags: list[str] | None = None) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return _compile(_units(Path(sketch_dir), libraries, out_dir, False), libraries, Path(sketch_dir), out_dir, cc,
                    cxx, list(M4F if cflags is None else cflags))


class PtySketch:
    """Runs a sketch executable with its Serial on a pseudo-terminal; `.port` is the other end's path."""

    def __init__(self, executable: Path, timeout: int = 120, env: dict | None = None):
        self.executable = Path(executable)
        self.timeout = timeout
        self.env = env or {}
        self.proc = None
        self.port = None
        self._slave = None

    def __enter__(self) -> "PtySketch":
        master, slave = os.openpty()
        tty.setraw(slave)  # raw before the sketch writes anything (no echo, no line editing)
        env = dict(os.environ, ARDUINO_DOUBLE_SERIAL_FD=str(master), ARDUINO_DOUBLE_TIMEOUT=str(self.timeout),
                   **self.env)
        self.proc = subprocess.Popen([str(self.executable)], env=env, pass_fds=[master],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(master)
        self._slave = slave          # kept open until the end: a pty master reads EIO while no slave is open
        self.port = os.ttyname(slave)
        return self

    def __exit__(self, *exc) -> None:
        if self._slave is not None:
            os.close(self._slave)
            self._slave = None
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

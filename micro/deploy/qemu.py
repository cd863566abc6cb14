"""Run firmware in QEMU (`qemu-system-arm -M mps2-an386`) with its UART on a pyserial-reachable port and
exact instruction counts from a TCG plugin.

Public API (used by micro.verify.board and the Robot keyword library):

    qemu_unavailable() -> str | None          why QEMU cannot run here (None when it can)
    icount_plugin() -> Path | None            the mn_icount plugin, built once with host gcc (cached)
    Qemu(firmware, serial="socket", count_instructions=True, machine=None, extra_args=(), plugin_args=None)
        .start() -> self                       QEMU running, guest waiting for (socket) or not needing (pty) us
        .url                                   "socket://127.0.0.1:PORT" or "/dev/pts/N" for micro.deploy.protocol
        .open_serial(timeout=0.05)             pyserial port on .url
        .instructions(pair_index, timeout=5)   exact instructions between mn_cost_begin/mn_cost_end, pair
                                               `pair_index` (0 = the calibration pair at boot)
        .invoke_instructions(invoke_index)     instructions of invoke N (1-based) minus the calibration pair
        .counts_path                           the plugin's output file (micro.profile reads its per-op lines)
        .wait(timeout) -> exit code;  .stop();  .returncode;  .stderr_text();  context manager
    run_selftest(firmware, timeout=60) -> SelfTestRun(exit_code, uart_text, instructions: list[int])
    describe_exit(code) -> str                what a firmware exit code means

QEMU is started with `-semihosting-config enable=on,target=native` (firmware exit codes come back as QEMU's
exit status: 0/1 = self-test PASS/FAIL, 3 = fault, 4 = unexpected exception), `-display none -monitor none`,
stdin from /dev/null. UART0 goes to a local TCP socket the host opened and handed to QEMU
(`-chardev socket,fd=N,server=on,wait=on,nodelay=on`, serial="socket": the guest does not start until the
host connects, so nothing is lost) or `-serial pty` (serial="pty"), or a file
(serial="file:PATH", for the self-test). The instruction counts do not depend on -icount: the plugin adds one
per executed guest instruction, so they are exact and identical run to run; interrupts are paused around the
measured code by the firmware.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from micro.deploy.protocol.port import open_port
from micro.errors import MicroError
from micro.verify.host import cache_dir

PLUGIN_SOURCE = Path(__file__).resolve().parent / "qemu_plugin" / "mn_icount.c"
QEMU = "qemu-system-arm"
EXIT_MEANINGS = {0: "success", 1: "self-test FAIL", 3: "the core faulted (HardFault/MemManage/BusFault/UsageFault)",
                 4: "an unexpected exception (SVC/PendSV/DebugMonitor)"}


class QemuError(MicroError):
    """QEMU could not be started, or the firmware in it crashed or hung."""


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by signal {-code}"
    if code == 134:
        return "QEMU aborted (a fault inside a fault handler locks up the core)"
    return EXIT_MEANINGS.get(code, f"exit code {code}")


def qemu_unavailable() -> str | None:
    if shutil.which(QEMU) is None:
        return f"{QEMU} is not installed (Debian: apt-get install qemu-system-arm)"
    return None


def _cache_dir() -> Path:
    return cache_dir() / "qemu_plugin"


_plugin_lock = threading.Lock()


def icount_plugin() -> Path | None:
    """Build (once, cached by source hash) the instruction-count plugin; None if no host gcc."""
    src = PLUGIN_SOURCE.read_bytes()
    digest = hashlib.sha256(src).hexdigest()[:16]
    out = _cache_dir() / digest / "libmn_icount.so"
    if out.exists():
        return out
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    with _plugin_lock:
        if out.exists():
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f"tmp{os.getpid()}-{threading.get_ident()}.so")
        res = subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                              "-o", str(tmp), str(PLUGIN_SOURCE)], capture_output=True, text=True)
        if res.returncode != 0:
            raise QemuError(f"building the QEMU instruction-count plugin failed:\n{res.stderr}")
        os.replace(tmp, out)
    return out


def _machine(firmware) -> str:
    emulator = firmware.board.emulator or ""
    if not emulator.startswith("qemu:"):
        raise QemuError(f"board '{firmware.board.name}' is not emulated by QEMU (emulator: {emulator or 'none'})")
    return emulator.split(":", 1)[1]


class Qemu:
    """One QEMU process running one firmware ELF."""

    def __init__(self, firmware, serial: str = "socket", count_instructions: bool = True,
                 machine: str | None = None, extra_args: tuple[str, ...] = (), start_timeout: float = 10.0,
                 plugin_args: dict[str, int] | None = None):
        """plugin_args: more arguments of the mn_icount plugin (its per-op mode: mark, code_lo, ...)."""
        self.firmware = firmware
        self.serial_mode = serial
        self.count_instructions = count_instructions
        self.machine = machine or _machine(firmware)
        self.extra_args = tuple(extra_args)
        self.plugin_args = dict(plugin_args or {})
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.tmp = Path(tempfile.mkdtemp(prefix="micro-qemu-"))
        self.counts_path = self.tmp / "counts.txt"
        self._stderr: list[str] = []
        self._stdout: list[str] = []
        self._counts: dict[int, int] = {}
        self._ports: list = []

    # -- process -------------------------------------------------------------------------------------------
    def _cmd(self, serial_args: list[str]) -> list[str]:
        cmd = [QEMU, "-M", self.machine, "-display", "none", "-monitor", "none",
               "-semihosting-config", "enable=on,target=native", "-kernel", str(self.firmware.elf), *serial_args]
        if self.count_instructions:
            plugin = icount_plugin()
            if plugin is not None:
                begin = self.firmware.symbol("mn_cost_begin") & ~1
                end = self.firmware.symbol("mn_cost_end") & ~1
                more = "".join(f",{k}=0x{v:x}" for k, v in self.plugin_args.items())
                cmd += ["-plugin", f"file={plugin},begin=0x{begin:x},end=0x{end:x},out={self.counts_path}{more}"]
            else:
                self.count_instructions = False
        return cmd + list(self.extra_args)

    def _spawn(self, cmd: list[str], pass_fds: tuple[int, ...] = ()) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, errors="replace", pass_fds=pass_fds)
        for stream, sink in ((self.proc.stdout, self._stdout), (self.proc.stderr, self._stderr)):
            threading.Thread(target=self._drain, args=(stream, sink), daemon=True).start()

    @staticmethod
    def _drain(stream, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)

    def stderr_text(self) -> str:
        return "".join(self._stderr + self._stdout).strip()

    def start(self) -> "Qemu":
        reason = qemu_unavailable()
        if reason:
            raise QemuError(reason)
        mode = self.serial_mode
        if mode == "socket":
            self._start_socket()
        elif mode == "pty":
            self._start_pty()
        elif mode.startswith("file:"):
            self._spawn(self._cmd(["-chardev", f"file,id=uart0,path={mode[5:]}", "-serial", "chardev:uart0"]))
        else:
            raise QemuError(f"unknown serial mode '{mode}' (socket, pty or file:PATH)")
        return self

    def _start_socket(self) -> None:
        # The listening socket is ours, handed to QEMU (-chardev socket,fd=N): no port race, and a connection
        # made before QEMU accepts simply waits in the backlog. With wait=on the guest starts on connection.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            port = listener.getsockname()[1]
            fd = listener.fileno()
            self._spawn(self._cmd(["-chardev", f"socket,id=uart0,fd={fd},server=on,wait=on,nodelay=on",
                                   "-serial", "chardev:uart0"]), pass_fds=(fd,))
        finally:
            listener.close()
        self.url = f"socket://127.0.0.1:{port}"

    def _start_pty(self) -> None:
        self._spawn(self._cmd(["-serial", "pty"]))
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            m = re.search(r"char device redirected to (\S+)", self.stderr_text())
            if m:
                self.url = m.group(1)
                return
            if self.proc.poll() is not None:
                raise QemuError(f"QEMU exited at start ({describe_exit(self.proc.returncode)}):\n{self.stderr_text()}")
            time.sleep(0.02)
        self._kill()
        raise QemuError(f"QEMU did not report its pty within {self.start_timeout:.0f} s:\n{self.stderr_text()}")

    def open_serial(self, timeout: float = 0.05):
        if self.url is None:
            raise QemuError("QEMU is not running with a serial port (start() it with serial='socket' or 'pty')")
        last = None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            try:
                port = open_port(self.url, timeout=timeout)
                self._ports.append(port)
                return port
            except MicroError as exc:
                last = exc
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise QemuError(f"cannot open QEMU's serial port {self.url}: {last}\n{self.stderr_text()}")

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise QemuError(f"the firmware did not finish within {timeout:.0f} s (hung?); QEMU was stopped") from None

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def stop(self) -> None:
        for port in self._ports:
            try:
                port.close()
            except Exception:  # noqa: BLE001 - closing a dead port
                pass
        self._ports.clear()
        self._kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "Qemu":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- instruction counts --------------------------------------------------------------------------------
    def _read_counts(self) -> None:
        try:
            text = self.counts_path.read_text()
        except OSError:
            return
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit() and line.endswith(parts[1]):
                self._counts[int(parts[0])] = int(parts[1])

    def instructions(self, pair_index: int, timeout: float = 5.0) -> int | None:
        """Instructions from mn_cost_begin to mn_cost_end of measurement `pair_index`, or None without plugin."""
        if not self.count_instructions:
            return None
        deadline = time.monotonic() + timeout
        while True:
            if pair_index in self._counts:
                return self._counts[pair_index]
            self._read_counts()
            if pair_index in self._counts:
                return self._counts[pair_index]
            if time.monotonic() > deadline or (self.proc is not None and self.proc.poll() is not None
                                               and pair_index not in self._counts):
                self._read_counts()
                if pair_index in self._counts:
                    return self._counts[pair_index]
                raise QemuError(f"the instruction-count plugin has no measurement {pair_index}")
            time.sleep(0.01)

    def invoke_instructions(self, invoke_index: int) -> int | None:
        """Instructions of the invoke numbered `invoke_index` (1-based, from RESULT), call overhead removed."""
        total = self.instructions(invoke_index)
        base = self.instructions(0)
        return None if total is None else total - base


@dataclass
class SelfTestRun:
    exit_code: int
    uart_text: str
    instructions: list[int]

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and self.uart_text.rstrip().endswith("PASS")


def run_selftest(firmware, timeout: float = 120.0, count_instructions: bool = True) -> SelfTestRun:
    """Run a self-test firmware to its end; its UART output, exit code and per-vector instruction counts."""
    with tempfile.TemporaryDirectory(prefix="micro-selftest-") as d:
        uart = Path(d) / "uart.txt"
        q = Qemu(firmware, serial=f"file:{uart}", count_instructions=count_instructions)
        try:
            q.start()
            code = q.wait(timeout)
            counts = []
            if q.count_instructions:
                q._read_counts()
                base = q._counts.get(0, 0)
                counts = [q._counts[k] - base for k in sorted(q._counts) if k > 0]
            text = uart.read_text(errors="replace") if uart.exists() else ""
            if code not in (0, 1):
                raise QemuError(f"self-test firmware stopped with {describe_exit(code)}\nUART:\n{text}\n"
                                f"{q.stderr_text()}")
            return SelfTestRun(code, text, counts)
        finally:
            q.stop()

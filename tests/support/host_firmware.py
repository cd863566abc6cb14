"""The firmware's own protocol code (firmware_templates/common/mn_protocol.c and mn_serve.c, unchanged) built
for this machine behind a pipe, for fast fault tests of the real C: a host "board" (stdin/stdout as the
UART, a monotonic clock as the tick) and a model that adds 1 to each of its 256 input bytes.

    port = HostFirmwarePort(build_host_firmware(tmp_dir))   # a pyserial-like port
    port.reset()                                            # power cycle: kill the process, start it again
"""

from __future__ import annotations

import os
import select
import subprocess
from pathlib import Path

from micro.deploy.firmware_sources import TEMPLATES_DIR

N_BYTES = 256
BYTE_TIMEOUT_MS = 5   # the inter-byte timeout (50 ms on boards): faster runs, same logic

_BOARD = r"""/* Host "board" for mn_protocol.c / mn_serve.c: stdin/stdout are the UART. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "mn_board.h"
#include "mn_model_api.h"
#include "mn_protocol.h"
#include "mn_serve.h"

#define N %(n)d
const char mn_board_name[] = "host";
const int mn_board_has_cycles = 0;
static uint8_t inp[N], outp[N];
static const uint32_t sizes[1] = {N};

static void model_init(void) {}
static void model_reset(void) {}
static void model_invoke(void)
{
    int i;
    for (i = 0; i < N; i++)
        outp[i] = (uint8_t)(inp[i] + 1u);
}
static void *model_input(int i) { (void)i; return inp; }
static const void *model_output(int i) { (void)i; return outp; }
const mn_model_t mn_model = {"model", "0000", 4096, 1, 1, sizes, sizes, model_init, model_invoke,
                             model_input, model_output, model_reset};

void mn_board_init(void) {}
void mn_board_putc(uint8_t byte) { mn_serve_write(&byte, 1); }
int mn_board_getc(void)
{
    struct pollfd p = {0, POLLIN, 0};
    uint8_t b;
    if (poll(&p, 1, 0) <= 0)
        return -1;
    if (read(0, &b, 1) != 1)
        exit(0); /* the host closed the line */
    return b;
}
void mn_board_idle(void)
{
    struct pollfd p = {0, POLLIN, 0};
    poll(&p, 1, 1);
}
void mn_board_irq(uint32_t irq) { (void)irq; }
uint32_t mn_board_millis(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint32_t)(t.tv_sec * 1000 + t.tv_nsec / 1000000);
}
void mn_board_tick_pause(void) {}
void mn_board_tick_resume(void) {}
uint32_t mn_board_cycles(void) { return 0; }
void mn_serve_write(const uint8_t *data, size_t n)
{
    while (n) {
        ssize_t k = write(1, data, n);
        if (k <= 0)
            exit(0);
        data += k;
        n -= (size_t)k;
    }
}
int mn_serve_has_cycles(void) { return 0; }
uint32_t mn_serve_measure(void (*fn)(void)) { fn(); return 0; }
uint32_t mn_serve_stack_size(void) { return 0; }
uint32_t mn_serve_stack_used(void) { return 0; }
void mn_serve_exit(int code) { exit(code); }

int main(void)
{
    mn_serve_begin();
    for (;;)
        mn_serve_one();
}
"""


def build_host_firmware(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    board = out_dir / "host_board.c"
    board.write_text(_BOARD % {"n": N_BYTES})
    common = TEMPLATES_DIR / "common"
    exe = out_dir / "host_firmware"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-O1",
                    f"-DMN_PROTO_BYTE_TIMEOUT_MS={BYTE_TIMEOUT_MS}", "-I", str(common), str(board),
                    str(common / "mn_protocol.c"), str(common / "mn_serve.c"), "-o", str(exe)], check=True)
    return exe


class HostFirmwarePort:
    """A pyserial-like port to the host-built firmware; `reset()` restarts it (all its state lost)."""

    def __init__(self, exe: Path):
        self.exe = exe
        self.resets = 0
        self._start()

    def _start(self) -> None:
        self.proc = subprocess.Popen([str(self.exe)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def reset(self) -> None:
        self.close()
        self.resets += 1
        self._start()

    def write(self, data: bytes) -> int:
        self.proc.stdin.write(data)
        return len(data)

    def read(self, n: int = 1) -> bytes:
        fd = self.proc.stdout.fileno()
        if not select.select([fd], [], [], 0.001)[0]:
            return b""
        try:
            return os.read(fd, max(1, n))
        except BlockingIOError:
            return b""

    @property
    def in_waiting(self) -> int:
        return 4096 if select.select([self.proc.stdout.fileno()], [], [], 0)[0] else 0

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()

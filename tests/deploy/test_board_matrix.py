"""The QEMU board matrix: every emulated board (Cortex-M0 to M55, and the nano33ble's own build on its
mps2-an386 stand-in) runs hello_world bit-exact with TFLM over the serial protocol, with exact instruction
counts; the DSP boards compile their kernels' Arm DSP paths, the others the portable C; KWS runs on every board
(slow) and a model too big for the micro:bit's 16 KB of RAM is refused with the numbers before any build."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.deploy.boards import BOARDS, get_board
from micro.deploy.budget import BudgetError
from micro.deploy.firmware import build_firmware
from micro.frontend import load_model
from micro.verify.board import verify_on_board
from micro.verify.compare import random_inputs

from support.paths import MODELS, need_tool

QEMU_BOARDS = [b.name for b in BOARDS.values() if (b.emulated().emulator or "").startswith("qemu:")]


@pytest.fixture(scope="module", autouse=True)
def tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")


def _verify(name: str, board: str, n: int):
    c = compile_model(load_model(MODELS / f"{name}.tflite"))
    rng = np.random.default_rng(1)
    sets = [random_inputs(c.graph, rng) for _ in range(n)]
    return verify_on_board(c, (MODELS / f"{name}.tflite").read_bytes(), sets, board, host_all_tensors=False,
                           builder="gcc")


def test_the_matrix_is_every_board_asked_for():
    assert set(QEMU_BOARDS) == {"microbit", "mps2_an385", "mps2_an386", "mps2_an500", "mps2_an505", "mps3_an547",
                                "nano33ble"}
    assert {b: BOARDS[b].dsp for b in QEMU_BOARDS} == {
        "microbit": False, "mps2_an385": False, "mps2_an386": True, "mps2_an500": True, "mps2_an505": True,
        "mps3_an547": True, "nano33ble": True}


@pytest.mark.parametrize("board", QEMU_BOARDS)
def test_hello_world_bit_exact_on_every_board(board):
    report = _verify("tflm_hello_world_int8", board, 3)
    assert report.ok, report.summary()
    assert report.inputs_run == 3 and len(report.instructions) == 3 and min(report.instructions) > 1000
    assert report.memory.ram <= get_board(board).ram_bytes


@pytest.mark.slow
@pytest.mark.parametrize("board", [b for b in QEMU_BOARDS if b != "mps2_an386"])   # M4: test_firmware_qemu
def test_kws_bit_exact_on_every_board(board):
    report = _verify("mlperf_tiny_kws_ref_model", board, 1)
    assert report.ok, report.summary()


def test_dsp_paths_follow_the_board():
    """The same kernel source: SMLAD in the M4/M33/M55 builds, none in the M0/M3 builds."""
    c = compile_model(load_model(MODELS / "tflm_hello_world_int8.tflite"))
    for board, dsp in (("mps2_an385", False), ("mps2_an505", True), ("mps3_an547", True), ("microbit", False)):
        fw = build_firmware(c, board, builder="gcc")
        dis = subprocess.run(["arm-none-eabi-objdump", "-d", str(fw.elf)], capture_output=True, text=True).stdout
        assert ("smlad" in dis) == dsp, board


def test_nano33ble_in_emulation_is_its_own_build_on_the_stand_in():
    nano = get_board("nano33ble")
    emu = nano.emulated()
    host = get_board("mps2_an386")
    assert (emu.name, emu.cflags, emu.flash_bytes, emu.ram_bytes) == ("nano33ble", nano.cflags, nano.flash_bytes,
                                                                       nano.ram_bytes)
    assert (emu.template_dir, emu.emulator, emu.flash_origin) == (host.template_dir, host.emulator, 0)
    assert nano.qemu_stand_in == "mps2_an386" and host.emulated() is host


def test_microbit_refuses_a_model_that_does_not_fit_with_the_numbers():
    c = compile_model(load_model(MODELS / "mlzoo_micronet_vww2_50x50_int8.tflite"))
    with pytest.raises(BudgetError) as e:
        build_firmware(c, "microbit", builder="gcc")
    msg = str(e.value)
    assert "16,384 B" in msg and f"arena {c.plan.arena_bytes:,}" in msg and "microbit" in msg

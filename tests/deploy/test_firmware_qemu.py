"""Firmware on an emulated Cortex-M4 (QEMU mps2-an386): build, serial protocol over pyserial (socket and pty),
fault injection, crash/hang reporting, the self-test build, and every compiler-core model bit-exact on the
board with its instruction count, flash and RAM."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from micro.compiler import compile_model
from micro.deploy.budget import board_flash_budget
from micro.frontend import load_model
from micro.verify.board import BoardSession, verify_on_board
from micro.deploy.firmware import build_firmware, selftest_vectors
from micro.deploy.protocol import ProtocolError
from micro.deploy.qemu import QemuError, run_selftest
from micro.testing.faulty_port import FaultyPort
from micro.verify.compare import random_inputs

from support.paths import MODELS, need_tool
from support.corpus import MUST_PASS
from support.datasets import real_inputs

BOARD = "mps2_an386"
# Every model of the compiler-core list that fits the board. mobilenet_v2 (3.5 MB of weights, 2.4 MB arena)
# fits too, but its 150 KB input and ~1e9 instructions per invoke make it a manual run, not a CI one.
# Every model micro must pass runs on the board too (mobilenet_v2 fits mps2-an386's 4 MB: 3.9 MB flash,
# 1.25 MB arena).
BOARD_MODELS = MUST_PASS
LARGE = {"tflm_xtensa_mobilenet_v2_int8_1x3x224x224"}  # 1.6 G instructions per invoke: one random set


@pytest.fixture(scope="module", autouse=True)
def tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")


def _compiled(name: str):
    """The program `micro build --board mps2_an386` flashes (its flash decides the weights' layout)."""
    return compile_model(load_model(MODELS / f"{name}.tflite"), flash_budget=board_flash_budget("mps2_an386", "baremetal"))


def _sets(compiled, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [random_inputs(compiled.graph, rng) for _ in range(n)]


def _host_outputs(compiled, inputs):
    from micro.codegen import emit_c
    from micro.verify.host import HostModel
    return HostModel(compiled, emit_c(compiled)).run(inputs)[0]


def test_firmware_for_both_boards_reports_flash_and_ram():
    c = _compiled("mlperf_tiny_kws_ref_model")
    for board in ("mps2_an386", "nano33ble"):
        fw = build_firmware(c, board)
        m = fw.memory
        assert m.arena == c.plan.arena_bytes
        assert m.weights >= c.weight_bytes          # weights plus per-op parameter arrays
        assert 0 < m.code < 64 * 1024
        assert m.flash <= fw.board.flash_bytes and m.ram <= fw.board.ram_bytes
        assert fw.symbol("mn_cost_begin") != fw.symbol("mn_cost_end")
    nano = build_firmware(c, "nano33ble")
    assert nano.symbol("mn_vectors") == 0x10000     # after the Arduino bootloader


@pytest.mark.parametrize("serial", ["socket", "pty"])
def test_verify_on_qemu_is_bit_exact_with_exact_instruction_counts(serial):
    c = _compiled("tflm_hello_world_int8")
    x = _sets(c, 1)[0]
    report = verify_on_board(c, (MODELS / "tflm_hello_world_int8.tflite").read_bytes(), [x, x] + _sets(c, 2, 1),
                             BOARD, serial=serial)
    assert report.ok, report.summary()
    assert report.inputs_run == 4 and report.host_report.ok
    assert report.instructions[0] == report.instructions[1] > 1000   # same input, same count: deterministic
    assert report.memory.arena == c.plan.arena_bytes
    assert "instructions per invoke" in report.summary()


def test_serial_faults_give_correct_results_or_a_clear_error_never_a_wrong_answer():
    c = _compiled("mlperf_tiny_kws_ref_model")
    sets = _sets(c, 3, 5)
    want = [_host_outputs(c, x) for x in sets]
    links = []

    def faulty(port):
        links.append(FaultyPort(port, corrupt=0.004, drop=0.004, insert=0.001, seed=11))
        return links[-1]

    with BoardSession(c, BOARD, transport=faulty) as s:
        s.device.timeout = 0.3
        clean = None
        for x, w in zip(sets, want):
            run = s.run(x)
            assert all(np.array_equal(a, b) for a, b in zip(run.outputs, w))
            clean = clean or run.instructions
        stats = s.device.stats
    assert sum(links[0].events.values()) > 10 and stats.resends > 0, (links[0].events, str(stats))

    # a line that destroys almost everything: a clear error, not an answer
    links.clear()
    with pytest.raises((ProtocolError, QemuError), match="failed after|no chunk got through|no RESULT"):
        with BoardSession(c, BOARD, transport=lambda p: links.append(FaultyPort(p, seed=2)) or links[-1]) as s:
            links[0].corrupt = links[0].drop = 0.2
            s.device.retries, s.device.timeout = 3, 0.3
            s.run(sets[0])


def test_replayed_and_duplicated_frames_never_give_a_wrong_answer():
    """Whole frames duplicated or replayed (of any age) in both directions: the firmware ignores requests
    older than the last it served and answers a repeat from its cache; the host accepts a response only for
    the request it answers (32-bit sequence numbers). The right bytes every time."""
    c = _compiled("mlperf_tiny_kws_ref_model")
    sets = _sets(c, 3, 9)
    want = [_host_outputs(c, x) for x in sets]
    links = []

    def faulty(port):
        links.append(FaultyPort(port, duplicate=0.2, replay=0.3, seed=4))
        return links[-1]

    with BoardSession(c, BOARD, transport=faulty) as s:
        s.device.timeout = 0.3
        for x, w in zip(sets, want):
            run = s.run(x)
            assert all(np.array_equal(a, b) for a, b in zip(run.outputs, w))
        stats = s.device.stats
    assert links[0].events["duplicated"] > 0 and links[0].events["replayed"] > 0, links[0].events
    assert stats.stale > 0, str(stats)


def test_debug_trace_compares_every_intermediate_tensor_from_the_board():
    c = _compiled("mlperf_tiny_kws_ref_model")
    report = verify_on_board(c, (MODELS / "mlperf_tiny_kws_ref_model.tflite").read_bytes(), _sets(c, 1), BOARD,
                             host_all_tensors=False, trace=True)
    assert report.ok, report.summary()
    assert report.tensors_compared == len(c.lowered) and "debug trace" in report.summary()


def test_a_board_running_another_model_is_refused():
    a, b = _compiled("tflm_hello_world_int8"), _compiled("mlperf_tiny_kws_ref_model")
    fw = build_firmware(a, BOARD)
    with pytest.raises(ProtocolError, match="runs other firmware.*tflm_hello_world_int8"):
        with BoardSession(b, BOARD, firmware=fw):
            pass


def test_a_crash_and_a_hang_are_reported_clearly():
    c = _compiled("tflm_hello_world_int8")
    x = _sets(c, 1)[0]
    with pytest.raises(QemuError, match="faulted"):
        with BoardSession(c, BOARD, defines={"MN_HARNESS_TEST_FAULT": None}) as s:
            s.run(x)
    with pytest.raises(ProtocolError, match="no RESULT 2 s after the device started the invoke"):
        with BoardSession(c, BOARD, defines={"MN_HARNESS_TEST_HANG": None}, invoke_timeout=2.0) as s:
            s.run(x)


def test_selftest_firmware_prints_pass_or_fail_and_exits_with_a_code():
    c = _compiled("mlperf_tiny_kws_ref_model")
    vectors = selftest_vectors(c, _sets(c, 2, 3), (MODELS / "mlperf_tiny_kws_ref_model.tflite").read_bytes())
    res = run_selftest(build_firmware(c, BOARD, "selftest", vectors))
    assert res.passed and res.exit_code == 0, res.uart_text
    assert "vector 1: ok" in res.uart_text and len(res.instructions) == 2 and min(res.instructions) > 1_000_000

    vectors[1].outputs[0] = vectors[1].outputs[0].copy()
    vectors[1].outputs[0].flat[3] ^= 1
    res = run_selftest(build_firmware(c, BOARD, "selftest", vectors))
    assert res.exit_code == 1 and not res.passed
    assert "vector 1: FAIL, 1 byte(s) differ, first in output 0 at byte 3" in res.uart_text
    assert res.uart_text.rstrip().endswith("FAIL")


def _micro(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "micro", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_boards_run_and_verify(tmp_path):
    res = _micro("boards")
    assert res.returncode == 0 and "mps2_an386" in res.stdout and "nano33ble" in res.stdout
    model = str(MODELS / "tflm_hello_world_int8.tflite")
    np.save(tmp_path / "x.npy", np.array([[0.5]], dtype=np.float32))
    res = _micro("run", model, "--board", BOARD, "--input", str(tmp_path / "x.npy"), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["runs"][0]["instructions"] > 1000 and out["memory"]["weights"] > 0
    res = _micro("run", model, "--board", BOARD, "--input", str(tmp_path / "x.npy"))
    assert "instructions" in res.stdout and "MACs/instruction" in res.stdout, res.stdout + res.stderr
    res = _micro("verify", model, "--board", BOARD, "--random", "2")
    assert res.returncode == 0 and res.stdout.startswith("BIT-EXACT"), res.stdout + res.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in LARGE else n
                                  for n in BOARD_MODELS])
def test_model_bit_exact_on_the_board(name):

    c = _compiled(name)
    sets = _sets(c, 1, 99) if name in LARGE else real_inputs(name)[:2] + _sets(c, 2, 99)
    report = verify_on_board(c, (MODELS / f"{name}.tflite").read_bytes(), sets, BOARD, host_all_tensors=False)
    assert report.ok, report.summary()
    assert report.inputs_run == len(sets) and report.instructions and min(report.instructions) > 0
    assert report.memory.arena == c.plan.arena_bytes
    print(report.summary())

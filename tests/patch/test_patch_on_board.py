"""Patch schedules bit-exact on the emulated Cortex-M4 (QEMU mps2-an386, the Arm DSP paths of the packed conv and
depthwise kernels): a small chain in bands (TRANSPOSE-led, a folded PAD), MicroNet's default schedule and
person_detect at the smallest peak micro reaches; MobileNetV2 224 in 256 KB is slow (1.6 G instructions)."""

import numpy as np
import pytest

from micro.compiler import compile_model, finish, prepare
from micro.frontend import load_model, read_model
from micro.lowered import PatchCall
from micro.patch.schedule import Choice, Scheduler
from micro.testing.chains import chain_model
from micro.verify.board import verify_on_board
from micro.verify.compare import random_inputs

from support.corpus import shared_model
from support.paths import need_tool

BOARD = "mps2_an386"


@pytest.fixture(scope="module", autouse=True)
def tools():
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")


def _patches(compiled) -> list[PatchCall]:
    return [low.call for low in compiled.lowered if isinstance(low.call, PatchCall)]


def _bit_exact_on_board(compiled, buf: bytes, sets: int, seed: int):
    rng = np.random.default_rng(seed)
    report = verify_on_board(compiled, buf, [random_inputs(compiled.graph, rng) for _ in range(sets)], BOARD,
                             host_all_tensors=False)
    assert report.ok, report.summary()
    assert report.memory.arena == compiled.plan.arena_bytes
    return report


def test_small_chain_in_bands_is_bit_exact_on_the_board():
    """NCHW input, TRANSPOSE, conv 3x3/2, depthwise, 1x1 conv, PAD folded into a VALID depthwise 3x3/2, max pool:
    all of it one patch of 5 bands (a band of each op's rows, packed kernels with edge windows at the bands'
    own top and bottom)."""
    rng = np.random.default_rng(5)
    base = dict(k=1, stride=1, padding="VALID", out_c=1, dilation=1, multiplier=1, pads=(0,) * 4, act="RELU6")
    layers = [dict(base, kind="CONV_2D", k=3, stride=2, padding="SAME", out_c=8),
              dict(base, kind="DEPTHWISE_CONV_2D", k=3, padding="SAME"),
              dict(base, kind="CONV_2D", out_c=16, act="NONE"),
              dict(base, kind="PAD", pads=(1, 1, 1, 1)),
              dict(base, kind="DEPTHWISE_CONV_2D", k=3, stride=2),
              dict(base, kind="MAX_POOL_2D", k=2, stride=2)]
    buf = chain_model(rng, layers, (1, 40, 24, 3), nchw=True)
    model = read_model(buf, "chain")
    g, lowered = prepare(model)
    s = Scheduler(g, lowered)
    assert [low.op.kind for low in lowered].count("PAD") == 0
    compiled = finish(model, g, s.apply([Choice(0, 0, len(s.chains[0]), 5)], restarts=8))
    (patch,) = _patches(compiled)
    assert len(compiled.lowered) == 1 and patch.tiles == 5 and patch.steps[0].op.kind == "TRANSPOSE"
    _bit_exact_on_board(compiled, buf, sets=2, seed=1)


def test_micronet_default_schedule_is_bit_exact_on_the_board():
    path = shared_model("mlzoo_micronet_vww2_50x50_int8")
    compiled = compile_model(load_model(path))
    assert _patches(compiled), "MicroNet's default schedule runs its first stages in bands"
    _bit_exact_on_board(compiled, path.read_bytes(), sets=2, seed=2)


def test_person_detect_at_its_smallest_peak_is_bit_exact_on_the_board():
    path = shared_model("tflm_person_detect")
    model = load_model(path)
    g, lowered = prepare(model)
    least = Scheduler(g, lowered).minimal()[1].peak
    compiled = compile_model(model, ram_budget=least + 64)  # the placement may need a few bytes over the bound
    assert sum(p.tiles for p in _patches(compiled)) >= 16
    _bit_exact_on_board(compiled, path.read_bytes(), sets=1, seed=3)


@pytest.mark.slow
def test_mobilenet_v2_224_in_256_kb_is_bit_exact_on_the_board():
    path = shared_model("tflm_xtensa_mobilenet_v2_int8_1x3x224x224")
    compiled = compile_model(load_model(path), ram_budget=256 * 1024)
    assert compiled.plan.arena_bytes + compiled.state.state_bytes <= 256 * 1024 and _patches(compiled)
    _bit_exact_on_board(compiled, path.read_bytes(), sets=1, seed=4)

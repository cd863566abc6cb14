"""Patch-based execution (micro.patch): chains of window ops run in row bands are bit-exact with TFLM, the
schedule meets a RAM budget or says the smallest peak it reaches, and PAD folds into convolutions."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from micro.compiler import compile_model, finish, prepare
from micro.frontend import load_model, read_model
from micro.lowered import PatchCall
from micro.patch import RamBudgetError
from micro.patch.bands import split_rows
from micro.patch.schedule import Choice, Scheduler
from micro.testing.chains import chain_model, random_chain
from micro.verify.compare import random_inputs, verify_compiled

from support.corpus import shared_model

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def patched(buf: bytes, pick) -> tuple:
    """(compiled with the patches `pick(scheduler)` returns, the choices)."""
    model = read_model(buf, "chain")
    g, lowered = prepare(model)
    s = Scheduler(g, lowered)
    choices = pick(s)
    return finish(model, g, s.apply(choices, restarts=8)), choices


def check_bit_exact(compiled, buf: bytes, sets: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    report = verify_compiled(compiled, buf, [random_inputs(compiled.graph, rng) for _ in range(sets)])
    assert report.ok, report.summary()


@settings(max_examples=10, **SETTINGS)
@given(seed=st.integers(0, 2**31 - 1), length=st.integers(2, 5), tiles=st.integers(1, 9),
       h=st.integers(5, 16), w=st.integers(3, 9), c=st.integers(1, 6), nchw=st.booleans())
def test_random_chains_in_bands_are_bit_exact(seed, length, tiles, h, w, c, nchw):
    rng = np.random.default_rng(seed)
    buf = chain_model(rng, random_chain(rng, length), (1, h, w, c), nchw=nchw)

    def pick(s):
        if not s.chains:
            return []
        ci = int(rng.integers(len(s.chains)))
        n = len(s.chains[ci])
        i = int(rng.integers(0, n - 1))
        j = int(rng.integers(i + 2, n + 1))
        out_h = s.lowered[s.chains[ci][j - 1]].call.params["win"]["out_h"]
        choice = Choice(ci, i, j, min(tiles, out_h))
        return [choice] if s.patch(choice) is not None else []

    compiled, choices = patched(buf, pick)
    patches = [low.call for low in compiled.lowered if isinstance(low.call, PatchCall)]
    assert len(patches) == len(choices)
    check_bit_exact(compiled, buf)


def test_every_band_call_reads_and_writes_inside_its_tensors():
    rng = np.random.default_rng(7)
    layers = [dict(kind="CONV_2D", k=3, stride=2, dilation=1, padding="SAME", out_c=4, multiplier=1, pads=(0,) * 4,
                   act="RELU"),
              dict(kind="DEPTHWISE_CONV_2D", k=3, stride=1, dilation=2, padding="SAME", out_c=1, multiplier=2,
                   pads=(0,) * 4, act="NONE"),
              dict(kind="MAX_POOL_2D", k=2, stride=2, dilation=1, padding="VALID", out_c=1, multiplier=1,
                   pads=(0,) * 4, act="NONE")]
    buf = chain_model(rng, layers, (1, 23, 7, 2))
    for tiles in (1, 2, 3, 5):
        compiled, _ = patched(buf, lambda s: [Choice(0, 0, 3, tiles)])
        patch = next(low.call for low in compiled.lowered if isinstance(low.call, PatchCall))
        g = compiled.graph
        for step in patch.steps:
            win = step.call.params["win"]
            for ref, t, rows in ((step.src, step.call.inputs[0], win["in_h"]), (step.dst, step.call.outputs[0],
                                                                                 win["out_h"])):
                row = g.tensors[t].shape[2] * g.tensors[t].shape[3]
                limit = g.tensors[t].nbytes if ref.tensor is not None else patch.scratch_bytes
                assert 0 <= ref.offset and ref.offset + rows * row <= limit
        assert [r for r in patch.rows] == split_rows(g.tensors[patch.outputs[0]].shape[1], tiles)
        check_bit_exact(compiled, buf, sets=1, seed=tiles)


def test_pad_folds_into_convolution_not_into_average_pool():
    rng = np.random.default_rng(3)
    base = dict(k=3, stride=1, dilation=1, padding="VALID", out_c=3, multiplier=1, act="NONE")
    layers = [dict(base, kind="PAD", pads=(1, 2, 0, 1)), dict(base, kind="CONV_2D", pads=(0,) * 4),
              dict(base, kind="PAD", pads=(1, 1, 1, 1)), dict(base, kind="AVERAGE_POOL_2D", pads=(0,) * 4),
              dict(base, kind="PAD", pads=(2, 0, 1, 0)), dict(base, kind="DEPTHWISE_CONV_2D", pads=(0,) * 4,
                                                                stride=2)]
    buf = chain_model(rng, layers, (1, 9, 8, 2))
    compiled = compile_model(read_model(buf, "pads"), patches=False)
    kinds = [low.op.kind for low in compiled.lowered]
    assert kinds.count("PAD") == 1 and kinds.index("PAD") == kinds.index("AVERAGE_POOL_2D") - 1, kinds
    check_bit_exact(compiled, buf, sets=3)


def test_budget_below_the_reachable_minimum_fails_with_the_number():
    model = load_model(shared_model("tflm_person_detect"))
    with pytest.raises(RamBudgetError) as err:
        compile_model(model, ram_budget=8 * 1024)
    smallest = err.value.smallest
    assert f"{smallest:,}" in str(err.value) and "8,192" in str(err.value)
    fits = compile_model(model, ram_budget=smallest)
    assert fits.plan.arena_bytes <= smallest


def test_budget_takes_the_cheapest_schedule_that_fits():
    model = load_model(shared_model("tflm_person_detect"))
    whole = compile_model(model, patches=False)
    roomy = compile_model(model, ram_budget=whole.plan.arena_bytes)
    assert not any(isinstance(low.call, PatchCall) for low in roomy.lowered)
    tight = compile_model(model, ram_budget=20 * 1024)
    assert tight.plan.arena_bytes <= 20 * 1024
    tighter = compile_model(model, ram_budget=16 * 1024)
    assert tighter.plan.arena_bytes <= 16 * 1024 and tighter.macs > tight.macs > whole.macs


def test_transpose_leads_a_patch():
    """An NCHW input made NHWC by TRANSPOSE: its bands are strided copies of the whole input, read in place."""
    rng = np.random.default_rng(11)
    conv = dict(kind="CONV_2D", k=3, stride=2, dilation=1, padding="SAME", out_c=5, multiplier=1, pads=(0,) * 4,
                act="RELU6")
    buf = chain_model(rng, [conv, dict(conv, kind="DEPTHWISE_CONV_2D", stride=1)], (1, 17, 6, 3), nchw=True)
    for tiles in (2, 4, 9):
        compiled, _ = patched(buf, lambda s: [Choice(0, 0, 3, tiles)])
        patch = next(low.call for low in compiled.lowered if isinstance(low.call, PatchCall))
        assert patch.steps[0].op.kind == "TRANSPOSE" and patch.tiles == tiles
        check_bit_exact(compiled, buf, sets=1, seed=tiles)

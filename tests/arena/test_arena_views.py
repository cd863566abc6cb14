"""Views at byte offsets on whole models: SPLIT parts inside their input, CONCATENATION inputs written
straight into the output, PACK / UNPACK of one tensor, chains of them; each model verified bit-exact
against TFLM on every tensor, the generated C checked for the calls it no longer makes, and the cases
that must fall back to a copy."""

from __future__ import annotations

import numpy as np
import pytest

from micro.arena.views import layout, resolve_views
from micro.codegen import emit_c
from micro.compiler import compile_model, lower_graph
from micro.frontend import read_model
from micro.lowered import Alias, KernelCall, Views
from micro.testing.layers_shape import split_concat_chain
from micro.testing.tflite_builder import ModelBuilder

from support.exact import assert_exact


def _compile(buf: bytes, **plan_options):
    return compile_model(read_model(buf, "chain"), plan_options or None)


def _kinds(compiled) -> dict[str, str]:
    return {low.op.kind: "view" if not isinstance(low.call, KernelCall) else low.call.func
            for low in compiled.lowered if low.op.kind not in ("ADD", "FULLY_CONNECTED")}


@pytest.mark.parametrize("concat_of", [("sum", "x"), ("part2", "sum"), ("part0", "part1"), ("part2", "x"), ("x",)],
                         ids="+".join)
def test_chain_is_views_and_bit_exact(concat_of):
    buf = split_concat_chain(concat_of=concat_of)
    c = _compile(buf)
    assert _kinds(c) == dict(SPLIT="view", CONCATENATION="view", PACK="view", UNPACK="view")
    assert c.plan.arena_bytes <= _compile(buf, views=False).plan.arena_bytes
    assert_exact(buf, "chain", random=5)


def test_parts_in_the_wrong_order_are_copied():
    """part1 and part0 already sit inside h, part0 first: concatenated the other way round they cannot
    be views of the concatenation too, so it copies (and says why in the generated C)."""
    buf = split_concat_chain(concat_of=("part1", "part0"))
    c = _compile(buf)
    assert _kinds(c)["CONCATENATION"] == "mn_concatenation"
    (concat,) = [low for low in c.lowered if low.op.kind == "CONCATENATION"]
    assert "two different places" in concat.notes[0]
    source = emit_c(c).files["chain.c"]
    assert "mn_concatenation(&concatenation" in source and "copied, not a view" in source
    assert_exact(buf, "chain", random=5)


def test_generated_code_places_views_at_offsets():
    c = _compile(split_concat_chain(width=8, concat_of=("sum", "x")))
    source = emit_c(c).files["chain.c"]
    assert "mn_split" not in source and "mn_concatenation" not in source
    h = next(low.op.inputs[1] for low in c.lowered if low.op.kind == "SPLIT")
    parts = next(low.op.outputs for low in c.lowered if low.op.kind == "SPLIT")
    assert [c.plan.tensor_offset(p) - c.plan.tensor_offset(h) for p in parts] == [0, 8, 16]
    assert f"is bytes [8, 16) of T{h}_" in source


def _two_concats_sharing_an_input() -> bytes:
    """x feeds two concatenations at different positions (as rnnoise's input 0 does)."""
    q = dict(scale=0.05, zero_point=-3)
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), "int8", **q)
    a = b.tensor("a", (1, 3), "int8", **q)
    first = b.tensor("first", (1, 7), "int8", **q)
    second = b.tensor("second", (1, 9), "int8", **q)
    c = b.tensor("c", (1, 5), "int8", **q)
    b.op("CONCATENATION", [a, x], [first], dict(axis=1))
    b.op("CONCATENATION", [c, x], [second], dict(axis=1))
    b.inputs([x, a, c])
    b.outputs([first, second])
    return b.finish()


def test_a_tensor_in_two_concatenations_is_a_view_of_one():
    """a and c would both have to sit right before x: the second concatenation copies."""
    buf = _two_concats_sharing_an_input()
    c = _compile(buf)
    calls = [type(low.call).__name__ if not isinstance(low.call, KernelCall) else low.call.func for low in c.lowered]
    assert sorted(calls) == ["Views", "mn_concatenation"]
    assert_exact(buf, "two_concats", random=5)


def test_resolution_keeps_what_is_consistent():
    """The rules on the IR alone: two views of one tensor at different offsets do not combine."""
    g = read_model(_two_concats_sharing_an_input(), "m").main
    lowered = lower_graph(g)
    assert all(isinstance(low.call, Views) for low in lowered)
    resolved = resolve_views(g, lowered)
    assert isinstance(resolved[0].call, Views) and isinstance(resolved[1].call, KernelCall)
    places = layout([a for low in resolved for a in low.aliases])
    assert places[1][1] == 0 and places[0][1] == 3  # a then x inside `first`
    assert layout([Alias(0, 1, 2), Alias(0, 1, 3)]) is None
    assert [low.call for low in resolve_views(g, lowered, enabled=False)] == [low.call.fallback for low in lowered]


def test_views_of_int16_and_outputs_that_are_views():
    """int16 SPLIT of a model input whose parts are model outputs: no code at all."""
    q = dict(scale=0.01, zero_point=0)
    b = ModelBuilder()
    x = b.tensor("x", (1, 6, 2), "int16", **q)
    parts = [b.tensor(f"y{k}", (1, 3, 2), "int16", **q) for k in range(2)]
    b.op("SPLIT", [b.const("axis", np.asarray(1, np.int32)), x], parts, dict(num_splits=2))
    b.inputs([x])
    b.outputs(parts[::-1])
    buf = b.finish()
    c = _compile(buf)
    assert isinstance(c.lowered[0].call, Views) and c.plan.arena_bytes == 24
    assert_exact(buf, "int16_views", random=5)

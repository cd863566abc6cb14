"""Synthetic models with resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE), CALL_ONCE init
subgraphs and other control flow, written with ModelBuilder."""

from __future__ import annotations

import numpy as np

from micro.testing.tflite_builder import ModelBuilder

Q = dict(scale=0.05, zero_point=3)
SHAPE = (1, 4)


def _var(b: ModelBuilder, name: str = "acc") -> int:
    h = b.tensor(f"{name}_handle", (), "resource")
    b.op("VAR_HANDLE", [], [h], options={"container": "", "shared_name": name})
    return h


def _init_subgraph(b: ModelBuilder, values, name: str = "acc", extra_op: bool = False) -> int:
    """An init subgraph assigning `values` to variable `name` (plus an ADD, which micro refuses, if asked)."""
    k = b.subgraph("init")
    h = _var(b, name)
    c = b.const("first", np.array([values], dtype=np.int8), **Q)
    if extra_op:
        d = b.tensor("doubled", SHAPE, "int8", **Q)
        b.op("ADD", [c, c], [d])
        c = d
    b.op("ASSIGN_VARIABLE", [h, c], [])
    b.inputs([])
    b.outputs([])
    b.use_subgraph(0)
    return k


def accumulator(init=(10, 20, 30, 40), call_once_first: bool = True, extra_init_op: bool = False) -> bytes:
    """s = acc + x; acc = s; output s. CALL_ONCE's init subgraph gives acc `init` (its zero point is 3, what
    TFLM fills it with on allocation and reset)."""
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", **Q)
    if call_once_first:
        b.op("CALL_ONCE", [], [], options={"init_subgraph_index": 1})
    h = _var(b)
    r = b.tensor("r", SHAPE, "int8", **Q)
    s = b.tensor("s", SHAPE, "int8", **Q)
    b.op("READ_VARIABLE", [h], [r])
    if not call_once_first:
        b.op("CALL_ONCE", [], [], options={"init_subgraph_index": 1})
    b.op("ADD", [r, x], [s])
    b.op("ASSIGN_VARIABLE", [h, s], [])
    b.inputs([x])
    b.outputs([s])
    _init_subgraph(b, init, extra_op=extra_init_op)
    return b.finish()


def read_used_after_assign() -> bytes:
    """r = acc; s = r + x; acc = s; y = r + s: r is read after the variable changed (READ must copy), while
    s may be written straight into the variable."""
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", **Q)
    h = _var(b)
    r, s, y = (b.tensor(n, SHAPE, "int8", **Q) for n in ("r", "s", "y"))
    b.op("READ_VARIABLE", [h], [r])
    b.op("ADD", [r, x], [s])
    b.op("ASSIGN_VARIABLE", [h, s], [])
    b.op("ADD", [r, s], [y])
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def read_between_produce_and_assign() -> bytes:
    """r1 = acc; s = r1 + x; r2 = acc; y = r2 + s; acc = s: r2 must see the old value, so s cannot be written
    into the variable before the assignment (ASSIGN must copy); both reads may be views."""
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", **Q)
    h = _var(b)
    r1, s, r2, y = (b.tensor(n, SHAPE, "int8", **Q) for n in ("r1", "s", "r2", "y"))
    b.op("READ_VARIABLE", [h], [r1])
    b.op("ADD", [r1, x], [s])
    b.op("READ_VARIABLE", [h], [r2])
    b.op("ADD", [r2, s], [y])
    b.op("ASSIGN_VARIABLE", [h, s], [])
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def read_never_assigned() -> bytes:
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", **Q)
    h = _var(b)
    r, y = (b.tensor(n, SHAPE, "int8", **Q) for n in ("r", "y"))
    b.op("READ_VARIABLE", [h], [r])
    b.op("ADD", [r, x], [y])
    b.inputs([x])
    b.outputs([y])
    return b.finish()


def control_flow(kind: str) -> bytes:
    """A WHILE or IF op in the main subgraph, with trivial subgraphs (micro refuses it by name)."""
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", **Q)
    y = b.tensor("y", SHAPE, "int8", **Q)
    if kind == "WHILE":
        b.op("WHILE", [x], [y], options={"cond_subgraph_index": 1, "body_subgraph_index": 2})
    else:
        cond = b.const("cond", np.array([True]))
        b.op("IF", [cond, x], [y], options={"then_subgraph_index": 1, "else_subgraph_index": 2})
    b.inputs([x])
    b.outputs([y])
    for name in ("first", "second"):
        b.subgraph(name)
        a = b.tensor("a", SHAPE, "int8", **Q)
        c = b.tensor("c", SHAPE, "int8", **Q)
        b.op("RELU", [a], [c])
        b.inputs([a])
        b.outputs([c])
    return b.finish()


def unused_subgraph() -> bytes:
    """A model whose second subgraph nothing runs."""
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", **Q)
    y = b.tensor("y", SHAPE, "int8", **Q)
    b.op("RELU", [x], [y])
    b.subgraph("spare")
    a = b.tensor("a", SHAPE, "int8", **Q)
    c = b.tensor("c", SHAPE, "int8", **Q)
    b.op("RELU", [a], [c])
    return b.finish()


def delay_line(first_a=(1, 2, 3, 4), first_b=(5, 6, 7, 8)) -> bytes:
    """y = b; b = a; a = x: the output is the input of two invokes earlier (CALL_ONCE gives a and b their first
    values: the output of invoke 0 is first_b, of invoke 1 first_a)."""
    b = ModelBuilder()
    x = b.tensor("x", SHAPE, "int8", **Q)
    b.op("CALL_ONCE", [], [], options={"init_subgraph_index": 1})
    ha, hb = _var(b, "a"), _var(b, "b")
    y, ra = b.tensor("y", SHAPE, "int8", **Q), b.tensor("ra", SHAPE, "int8", **Q)
    b.op("READ_VARIABLE", [hb], [y])
    b.op("READ_VARIABLE", [ha], [ra])
    b.op("ASSIGN_VARIABLE", [hb, ra], [])
    b.op("ASSIGN_VARIABLE", [ha, x], [])
    b.inputs([x])
    b.outputs([y])
    b.subgraph("init")
    for name, values in (("a", first_a), ("b", first_b)):
        h = _var(b, name)
        b.op("ASSIGN_VARIABLE", [h, b.const(f"first_{name}", np.array([values], dtype=np.int8), **Q)], [])
    b.inputs([])
    b.outputs([])
    return b.finish()

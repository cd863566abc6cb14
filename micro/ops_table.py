"""The table of `micro ops` and docs/ops.md: every TFLite builtin op against micro (the activation
dtypes its op module declares in TYPES, micro.ops.common) and against TFLM (whether the pinned
tflite-micro's op resolver has it, asked of its interpreter: micro.verify.tflm_ops)."""

from __future__ import annotations

from micro.ops import REGISTRY
from micro.verify.tflm_ops import builtin_ops, tflm_ops

TFLM_UNKNOWN = "?"


def op_rows() -> list[tuple[str, str, str]]:
    """(op, micro dtypes or "-", TFLM "yes"/"-" or "?" without tflite-micro) for every builtin op."""
    tflm = tflm_ops()
    rows = []
    for kind in builtin_ops():
        module = REGISTRY.get(kind)
        micro = ", ".join(module.TYPES) if module is not None else "-"
        ours = TFLM_UNKNOWN if tflm is None else ("yes" if kind in tflm else "-")
        rows.append((kind, micro, ours))
    return rows


def summary(rows) -> str:
    n_micro = sum(1 for _, m, _ in rows if m != "-")
    n_tflm = sum(1 for _, _, t in rows if t == "yes")
    both = sum(1 for _, m, t in rows if m != "-" and t == "yes")
    tflm = "TFLM unknown (tflite-micro is not installed)" if any(t == TFLM_UNKNOWN for _, _, t in rows) else (
        f"TFLM has {n_tflm}")
    return f"{len(rows)} TFLite builtin ops: micro compiles {n_micro}, {tflm}; both: {both}."


def text_table(rows, all_rows=None) -> str:
    """The rows as aligned text, then the summary of all_rows (default: rows)."""
    w0 = max(len("op"), *(len(r[0]) for r in rows))
    w1 = max(len("micro"), *(len(r[1]) for r in rows))
    lines = [f"{'op':<{w0}}  {'micro':<{w1}}  TFLM", f"{'-' * w0}  {'-' * w1}  ----"]
    lines += [f"{op:<{w0}}  {m:<{w1}}  {t}" for op, m, t in rows]
    return "\n".join(lines + ["", summary(all_rows or rows)])


def markdown(rows) -> str:
    head = """# Operators

Every TFLite builtin operator (the `BuiltinOperator` enum of the `tflite` schema package micro pins),
against **micro** (the activation dtypes its op module compiles, from each module's `TYPES` in
`micro/ops/`; `-`: not supported) and **TFLM** (`yes`: the op resolver of the pinned tflite-micro has it,
found by asking its interpreter, `micro/verify/tflm_ops.py`). Custom ops (builtin code CUSTOM) are
resolved by name and are not listed. Written by `scripts/generate_ops_doc.py`; `micro ops` prints the
same table; a test fails when this file is out of date.

int16 means 16x8 where the op has weights: int16 activations, int8 weights, int64 (or int32) bias.
An op's module still refuses dtype combinations TFLM does not run, naming the op and the dtypes.

"""
    body = ["| op | micro | TFLM |", "|---|---|---|"] + [f"| {op} | {m} | {t} |" for op, m, t in rows]
    return head + "\n".join(body) + "\n\n" + summary(rows) + "\n"

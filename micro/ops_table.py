"""The table of `micro ops` and docs/ops.md: every TFLite builtin op against micro (the activation
dtypes its op module declares in TYPES, micro.ops.common) and against TFLM (whether the pinned
tflite-micro's op resolver has it, asked of its interpreter: micro.verify.tflm_ops)."""

from __future__ import annotations

from micro.ops import REGISTRY
from micro.verify.tflm_ops import builtin_ops, tflm_custom_ops, tflm_ops

TFLM_UNKNOWN = "?"


def custom_kinds() -> tuple[str, ...]:
    """The custom ops micro compiles (CUSTOM:<name> kinds of its op modules)."""
    return tuple(k for k in REGISTRY if k.startswith("CUSTOM:"))


def op_rows() -> list[tuple[str, str, str]]:
    """(op, micro dtypes or "-", TFLM "yes"/"-" or "?" without tflite-micro) for every builtin op, then for
    every custom op micro compiles."""
    tflm = tflm_ops()
    custom = custom_kinds()
    tflm_custom = tflm_custom_ops(custom)
    rows = []
    for kind in builtin_ops() + list(custom):
        module = REGISTRY.get(kind)
        micro = ", ".join(module.TYPES) if module is not None else "-"
        has = tflm_custom if kind in custom else tflm
        ours = TFLM_UNKNOWN if has is None else ("yes" if kind in has else "-")
        rows.append((kind, micro, ours))
    return rows


def summary(rows) -> str:
    builtin = [r for r in rows if not r[0].startswith("CUSTOM:")]
    n_custom = len(rows) - len(builtin)
    n_micro = sum(1 for _, m, _ in builtin if m != "-")
    n_tflm = sum(1 for _, _, t in builtin if t == "yes")
    both = sum(1 for _, m, t in builtin if m != "-" and t == "yes")
    tflm = "TFLM unknown (tflite-micro is not installed)" if any(t == TFLM_UNKNOWN for _, _, t in rows) else (
        f"TFLM has {n_tflm}")
    custom = f" Custom ops micro compiles: {n_custom}." if n_custom else ""
    return f"{len(builtin)} TFLite builtin ops: micro compiles {n_micro}, {tflm}; both: {both}.{custom}"


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
found by asking its interpreter, `micro/verify/tflm_ops.py`). Then the custom ops (builtin code CUSTOM,
resolved by name) that micro compiles: TFLM's signal library (`CUSTOM:Signal*`); any other custom op is
refused by name. Written by `scripts/generate_ops_doc.py`; `micro ops` prints the
same table; a test fails when this file is out of date.

int16 means 16x8 where the op has weights: int16 activations, int8 weights, int64 (or int32) bias.
An op's module still refuses dtype combinations TFLM does not run, naming the op and the dtypes.

"""
    body = ["| op | micro | TFLM |", "|---|---|---|"] + [f"| {op} | {m} | {t} |" for op, m, t in rows]
    return head + "\n".join(body) + "\n\n" + summary(rows) + "\n"

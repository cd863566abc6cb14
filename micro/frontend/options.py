"""Decode an operator's builtin options table into a plain, typed dict.

Every getter of the generated options class is read generically, so any op's
options arrive without per-op code; enums that kernels care about (padding,
fused activation) are turned into their names.
"""

from __future__ import annotations

import re

import tflite

_OPTION_CLASS = {v: k for k, v in vars(tflite.BuiltinOptions).items()
                 if not k.startswith("_") and isinstance(v, int)}
_PADDING = {v: k for k, v in vars(tflite.Padding).items() if isinstance(v, int)}
_ACTIVATION = {v: k for k, v in vars(tflite.ActivationFunctionType).items() if isinstance(v, int)}
_SKIP = re.compile(r"(AsNumpy|Length|IsNone|BufferHasIdentifier)$|^(Init|GetRootAs.*)$")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def decode_options(op) -> dict:
    """Return the builtin options of a tflite.Operator as {snake_name: value}."""
    kind = op.BuiltinOptionsType()
    if kind == 0:
        return {}
    cls_name = _OPTION_CLASS.get(kind)
    cls = getattr(tflite, cls_name, None) if cls_name else None
    table = op.BuiltinOptions()
    if cls is None or table is None:
        return {}
    obj = cls()
    obj.Init(table.Bytes, table.Pos)
    out: dict = {}
    for attr in dir(cls):
        if attr.startswith("_") or _SKIP.search(attr):
            continue
        getter = getattr(obj, attr)
        if not callable(getter):
            continue
        try:
            value = getter()
        except TypeError:  # vector element accessor: needs an index
            as_np = getattr(obj, attr + "AsNumpy", None)
            if as_np is None:
                continue
            value = as_np()
            value = [] if isinstance(value, int) else [int(v) for v in value]
        key = _snake(attr)
        if key == "padding":
            value = _PADDING.get(value, value)
        elif key == "fused_activation_function":
            value = _ACTIVATION.get(value, value)
        out[key] = value
    return out

"""Builtin options tables of .tflite operators, written from plain dicts (for `ModelBuilder`).

`options` is a dict in the snake_case names of the op's builtin options table (the names micro's
frontend reads back); enum fields take their names ("SAME", "RELU6", "DEFAULT"...) or ints; vector
fields (ReshapeOptions.new_shape, SqueezeOptions.squeeze_dims) take lists, string fields
(VarHandleOptions.container, shared_name) str or bytes. The tables and their
fields come from the generated `tflite` module, so every builtin op's options can be written.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import flatbuffers
import tflite

OPTION_TYPES = {k: v for k, v in vars(tflite.BuiltinOptions).items()
                if not k.startswith("_") and isinstance(v, int) and k != "NONE"}
_OPTION_TYPES_FOLDED = {k.lower(): k for k in OPTION_TYPES}

# Ops whose options table is not named after the op.
_OPTIONS_OF = {
    "AVERAGE_POOL_2D": "Pool2DOptions", "MAX_POOL_2D": "Pool2DOptions", "L2_POOL_2D": "Pool2DOptions",
    "MEAN": "ReducerOptions", "SUM": "ReducerOptions", "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions", "REDUCE_PROD": "ReducerOptions", "REDUCE_ANY": "ReducerOptions",
    "REDUCE_ALL": "ReducerOptions",
    "MAXIMUM": "MaximumMinimumOptions", "MINIMUM": "MaximumMinimumOptions",
    "L2_NORMALIZATION": "L2NormOptions", "LOCAL_RESPONSE_NORMALIZATION": "LocalResponseNormalizationOptions",
    "ARG_MAX": "ArgMaxOptions", "ARG_MIN": "ArgMinOptions", "LOG_SOFTMAX": "LogSoftmaxOptions",
    "RELU": None, "RELU6": None, "RELU_N1_TO_1": None, "LOGISTIC": None, "TANH": None,
    "DEQUANTIZE": "DequantizeOptions", "QUANTIZE": "QuantizeOptions",
}

# Enum-typed option fields: field name -> enum class.
_ENUM_FIELDS = {
    "padding": tflite.Padding,
    "fused_activation_function": tflite.ActivationFunctionType,
    "weights_format": tflite.FullyConnectedOptionsWeightsFormat,
    "quantized_bias_type": tflite.TensorType,
    "mode": tflite.MirrorPadMode,
    "combiner": tflite.CombinerType,
    "kernel_type": tflite.LSTMKernelType,
    "type": tflite.LSHProjectionType,
    "in_data_type": tflite.TensorType,
    "out_data_type": tflite.TensorType,
    "out_type": tflite.TensorType,
    "output_type": tflite.TensorType,
    "idx_out_type": tflite.TensorType,
}

# Defaults that differ from the schema's (stride 0 would divide by zero in any runtime).
DEFAULT_OPTIONS = {
    "CONV_2D": {"stride_w": 1, "stride_h": 1},
    "DEPTHWISE_CONV_2D": {"stride_w": 1, "stride_h": 1, "depth_multiplier": 1},
    "TRANSPOSE_CONV": {"stride_w": 1, "stride_h": 1},
    "AVERAGE_POOL_2D": {"stride_w": 1, "stride_h": 1},
    "MAX_POOL_2D": {"stride_w": 1, "stride_h": 1},
    "L2_POOL_2D": {"stride_w": 1, "stride_h": 1},
    "SOFTMAX": {"beta": 1.0},
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def options_class_name(kind: str) -> str | None:
    """The BuiltinOptions table name of a builtin op ("Conv2DOptions"), or None if it has none."""
    if kind in _OPTIONS_OF:
        return _OPTIONS_OF[kind]
    folded = kind.replace("_", "").lower() + "options"
    return _OPTION_TYPES_FOLDED.get(folded)


@dataclass
class OptionField:
    camel: str
    vector: str | None  # number_types flag name of the vector elements, e.g. "Int32Flags"
    string: bool = False  # a string field (written before the table, like a vector)


def option_fields(class_name: str) -> dict[str, OptionField]:
    """{snake_name: field} of a builtin options table, from the generated tflite module."""
    prefix = class_name + "Add"
    out = {}
    for attr in dir(tflite):
        if not attr.startswith(prefix):
            continue
        camel = attr[len(prefix):]
        vector = None
        reader = getattr(getattr(tflite, class_name), camel, None)
        if hasattr(tflite, f"{class_name}Start{camel}Vector"):
            m = re.search(r"number_types\.(\w+Flags), a \+", inspect.getsource(reader))
            vector = m.group(1) if m else "Int32Flags"
        string = reader is not None and "self._tab.String(" in inspect.getsource(reader)
        out[_snake(camel)] = OptionField(camel, vector, string)
    return out


def _enum_value(field: str, value, class_name: str) -> int:
    if not isinstance(value, str):
        return int(value)
    enum = _ENUM_FIELDS.get(field)
    if enum is not None and hasattr(enum, value):
        return int(getattr(enum, value))
    raise ValueError(f"{class_name}.{field}: unknown enum name {value!r}"
                     + (f"; known: {sorted(k for k in vars(enum) if not k.startswith('_'))}" if enum else ""))


def _typed_vector(fb: flatbuffers.Builder, values, flags: str) -> int:
    ftype = getattr(flatbuffers.number_types, flags)
    values = list(values)
    fb.StartVector(ftype.bytewidth, len(values), ftype.bytewidth)
    for v in reversed(values):
        fb.Prepend(ftype, v)
    return fb.EndVector()


def write_options(fb: flatbuffers.Builder, cls: str, options: dict) -> int:
    """Write the options table `cls` ("Conv2DOptions") holding `options`; returns its offset."""
    fields = option_fields(cls)
    vectors = {k: _typed_vector(fb, v, fields[k].vector) for k, v in options.items() if fields[k].vector}
    vectors.update({k: fb.CreateString(v) for k, v in options.items() if fields[k].string})
    getattr(tflite, cls + "Start")(fb)
    for key, value in options.items():
        f = fields[key]
        add = getattr(tflite, f"{cls}Add{f.camel}")
        if f.vector or f.string:
            add(fb, vectors[key])
        elif key in _ENUM_FIELDS or isinstance(value, str):
            add(fb, _enum_value(key, value, cls))
        else:
            add(fb, value)
    return getattr(tflite, cls + "End")(fb)

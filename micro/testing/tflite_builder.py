"""Write small .tflite flatbuffers without TensorFlow, and converter-like int8 test layers.

Part 1, `ModelBuilder`: one subgraph, tensors and ops added in order::

    b = ModelBuilder()
    x = b.tensor("x", (1, 8, 8, 3), "int8", scale=0.02, zero_point=-1)
    w = b.const("w", w_int8, scale=w_scales, zero_point=0, axis=0)      # per-channel
    bias = b.const("bias", bias_int32, scale=x_scale * w_scales, zero_point=0)
    y = b.tensor("y", (1, 8, 8, 5), "int8", scale=0.05, zero_point=3)
    b.op("CONV_2D", [x, w, bias], [y], options={"padding": "SAME", "stride_w": 1, "stride_h": 1,
                                               "fused_activation_function": "RELU"})
    b.inputs([x]); b.outputs([y])        # optional: default = unproduced non-constants / unconsumed outputs
    data: bytes = b.finish()

- Tensor handles are plain ints (indices in the subgraph); an optional op input given as None is
  written as index -1.
- `options` is a dict in the snake_case names of the op's builtin options table (the names micro's
  frontend reads back); enum fields take their names ("SAME", "RELU6", "DEFAULT"...) or ints;
  vector fields (ReshapeOptions.new_shape, SqueezeOptions.squeeze_dims) take lists. An op with a
  builtin options table always gets one (schema defaults for fields not given; strides of
  convolutions and pools default to 1 here, not the schema's 0).
- The file: schema version 3, identifier "TFL3", buffer 0 the empty sentinel, one buffer per
  constant (data aligned to 16 bytes), op codes with both `deprecated_builtin_code`
  (min(code, 127)) and `builtin_code`, `CUSTOM:<name>` kinds for custom ops.

Part 2, layer generators (`conv_layer`, `depthwise_layer`, `fully_connected_layer`, `pool_layer`,
`softmax_layer`, `add_layer`, `pad_layer`, `mean_layer`, `transpose_layer`, `reshape_layer`):
each returns the bytes of a single-op int8 model quantized as the TFLite converter does it
(asymmetric activations from a calibrated float range, symmetric int8 weights per channel or per
tensor, int32 bias at scale input_scale * weight_scale with zero point 0, output scale from the
float output range on calibration data, fixed 1/256 scale for SOFTMAX, unchanged quantization
through pools/PAD/TRANSPOSE/RESHAPE). Randomness comes only from the `rng` argument
(`np.random.Generator`), so a seed reproduces a model byte for byte. `in_range` fixes the input's
float range (else `random_range(rng)`); `out_scale_mult` (default 1, the converter's choice)
shrinks or widens the calibrated output scale to stress saturation and large multipliers.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import flatbuffers
import numpy as np
import tflite

SCHEMA_VERSION = 3
FILE_IDENTIFIER = b"TFL3"
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127

_TENSOR_TYPES = {k.lower(): v for k, v in vars(tflite.TensorType).items() if isinstance(v, int)}
_NUMPY_TO_TFLITE = {np.dtype(np.int8): "int8", np.dtype(np.uint8): "uint8", np.dtype(np.int16): "int16",
                    np.dtype(np.uint16): "uint16", np.dtype(np.int32): "int32", np.dtype(np.uint32): "uint32",
                    np.dtype(np.int64): "int64", np.dtype(np.float32): "float32", np.dtype(np.float16): "float16",
                    np.dtype(np.float64): "float64", np.dtype(np.bool_): "bool"}
_TFLITE_TO_NUMPY = {v: k for k, v in _NUMPY_TO_TFLITE.items()}
_OPTION_TYPES = {k: v for k, v in vars(tflite.BuiltinOptions).items()
                 if not k.startswith("_") and isinstance(v, int) and k != "NONE"}
_OPTION_TYPES_FOLDED = {k.lower(): k for k in _OPTION_TYPES}

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
_DEFAULT_OPTIONS = {
    "CONV_2D": {"stride_w": 1, "stride_h": 1},
    "DEPTHWISE_CONV_2D": {"stride_w": 1, "stride_h": 1, "depth_multiplier": 1},
    "TRANSPOSE_CONV": {"stride_w": 1, "stride_h": 1},
    "AVERAGE_POOL_2D": {"stride_w": 1, "stride_h": 1},
    "MAX_POOL_2D": {"stride_w": 1, "stride_h": 1},
    "L2_POOL_2D": {"stride_w": 1, "stride_h": 1},
    "SOFTMAX": {"beta": 1.0},
}

# Versions the TFLite converter writes for int8 ops (TFLM ignores versions; other readers may not).
_INT8_VERSIONS = {
    "CONV_2D": 3, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 4, "AVERAGE_POOL_2D": 2, "MAX_POOL_2D": 2,
    "SOFTMAX": 2, "ADD": 2, "SUB": 2, "MUL": 2, "MEAN": 2, "PAD": 2, "TRANSPOSE": 2, "RESHAPE": 1,
    "CONCATENATION": 2, "LOGISTIC": 2, "TANH": 2, "RELU": 2, "RELU6": 2, "MAXIMUM": 2, "MINIMUM": 2,
    "STRIDED_SLICE": 2, "SPLIT": 2, "SPLIT_V": 2, "PACK": 2, "UNPACK": 2, "QUANTIZE": 1, "BATCH_MATMUL": 2,
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
class _OptionField:
    camel: str
    vector: str | None  # number_types flag name of the vector elements, e.g. "Int32Flags"


def option_fields(class_name: str) -> dict[str, _OptionField]:
    """{snake_name: field} of a builtin options table, from the generated tflite module."""
    prefix = class_name + "Add"
    out = {}
    for attr in dir(tflite):
        if not attr.startswith(prefix):
            continue
        camel = attr[len(prefix):]
        vector = None
        if hasattr(tflite, f"{class_name}Start{camel}Vector"):
            reader = getattr(getattr(tflite, class_name), camel)
            m = re.search(r"number_types\.(\w+Flags), a \+", inspect.getsource(reader))
            vector = m.group(1) if m else "Int32Flags"
        out[_snake(camel)] = _OptionField(camel, vector)
    return out


def _enum_value(field: str, value, class_name: str) -> int:
    if not isinstance(value, str):
        return int(value)
    enum = _ENUM_FIELDS.get(field)
    if enum is not None and hasattr(enum, value):
        return int(getattr(enum, value))
    raise ValueError(f"{class_name}.{field}: unknown enum name {value!r}"
                     + (f"; known: {sorted(k for k in vars(enum) if not k.startswith('_'))}" if enum else ""))


def _camel_op(kind: str) -> str:
    return "".join(p.capitalize() for p in kind.split("_"))


@dataclass
class _Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: np.ndarray | None
    zero_point: np.ndarray | None
    axis: int
    data: bytes | None
    is_variable: bool


@dataclass
class _Op:
    kind: str
    inputs: list[int]
    outputs: list[int]
    options: dict
    version: int


class ModelBuilder:
    """Accumulates one subgraph and writes it as a .tflite flatbuffer (see module docstring)."""

    def __init__(self, description: str = "micro.testing.tflite_builder"):
        self.description = description
        self._tensors: list[_Tensor] = []
        self._ops: list[_Op] = []
        self._inputs: list[int] | None = None
        self._outputs: list[int] | None = None

    # ---- tensors ---------------------------------------------------------------------------
    def tensor(self, name: str, shape, dtype: str = "int8", scale=None, zero_point=None,
               axis: int = 0, data=None, is_variable: bool = False) -> int:
        """Add a tensor; returns its index. scale/zero_point: scalar (per-tensor) or 1-D arrays
        (per-channel along `axis`); zero_point defaults to 0. `data` makes it a constant."""
        dtype = str(dtype).lower()
        if dtype not in _TENSOR_TYPES:
            raise ValueError(f"tensor {name!r}: unknown dtype {dtype!r}")
        shape = tuple(int(d) for d in shape)
        sc = zp = None
        if scale is not None:
            sc = np.asarray(scale, dtype=np.float32).ravel()
            zp = np.zeros(sc.size, np.int64) if zero_point is None else np.asarray(zero_point, np.int64).ravel()
            if zp.size == 1 and sc.size > 1:
                zp = np.full(sc.size, zp[0], np.int64)
            if zp.size != sc.size:
                raise ValueError(f"tensor {name!r}: {sc.size} scales but {zp.size} zero points")
            if sc.size > 1 and not (0 <= axis < len(shape) and shape[axis] == sc.size):
                raise ValueError(f"tensor {name!r}: {sc.size} scales do not match shape {shape} axis {axis}")
        elif zero_point is not None:
            raise ValueError(f"tensor {name!r}: zero_point without scale")
        raw = None
        if data is not None:
            arr = np.asarray(data)
            np_dtype = _TFLITE_TO_NUMPY.get(dtype)
            if np_dtype is None:
                raise ValueError(f"tensor {name!r}: constants of dtype {dtype} are not supported")
            if arr.size != int(np.prod(shape, dtype=np.int64)):
                raise ValueError(f"tensor {name!r}: {arr.size} values for shape {shape}")
            raw = np.ascontiguousarray(arr.astype(np_dtype.newbyteorder("<"), copy=False)).tobytes()
        self._tensors.append(_Tensor(name, shape, dtype, sc, zp, int(axis), raw, bool(is_variable)))
        return len(self._tensors) - 1

    def const(self, name: str, data, scale=None, zero_point=None, axis: int = 0, dtype: str | None = None) -> int:
        """Add a constant tensor holding `data` (dtype from the array unless given)."""
        arr = np.asarray(data)
        if dtype is None:
            dtype = _NUMPY_TO_TFLITE.get(arr.dtype)
            if dtype is None:
                raise ValueError(f"const {name!r}: numpy dtype {arr.dtype} has no TFLite type")
        return self.tensor(name, arr.shape, dtype, scale=scale, zero_point=zero_point, axis=axis, data=arr)

    def shape(self, index: int) -> tuple[int, ...]:
        return self._tensors[index].shape

    # ---- ops and graph I/O -----------------------------------------------------------------
    def op(self, kind: str, inputs, outputs, options: dict | None = None, version: int | None = None) -> int:
        """Add an operator (builtin name such as "CONV_2D", or "CUSTOM:<code>"); returns its index."""
        if not kind.startswith("CUSTOM:") and not hasattr(tflite.BuiltinOperator, kind):
            raise ValueError(f"unknown builtin op {kind!r}")
        ins = [-1 if i is None else int(i) for i in inputs]
        outs = [int(o) for o in outputs]
        for i in ins + outs:
            if not -1 <= i < len(self._tensors):
                raise ValueError(f"{kind}: tensor index {i} does not exist")
        opts = dict(_DEFAULT_OPTIONS.get(kind, {}))
        opts.update(options or {})
        cls = None if kind.startswith("CUSTOM:") else options_class_name(kind)
        if opts and cls is None:
            raise ValueError(f"{kind} has no builtin options table, got options {sorted(opts)}")
        if cls is not None:
            fields = option_fields(cls)
            unknown = sorted(set(opts) - set(fields))
            if unknown:
                raise ValueError(f"{kind} ({cls}): unknown option(s) {unknown}; known: {sorted(fields)}")
        v = version if version is not None else _INT8_VERSIONS.get(kind, 1)
        self._ops.append(_Op(kind, ins, outs, opts, int(v)))
        return len(self._ops) - 1

    def inputs(self, tensors) -> None:
        self._inputs = [int(t) for t in tensors]

    def outputs(self, tensors) -> None:
        self._outputs = [int(t) for t in tensors]

    def _default_io(self) -> tuple[list[int], list[int]]:
        produced = {o for op in self._ops for o in op.outputs}
        consumed = {i for op in self._ops for i in op.inputs if i >= 0}
        ins = self._inputs if self._inputs is not None else [
            i for i, t in enumerate(self._tensors) if t.data is None and i not in produced and i in consumed]
        outs = self._outputs if self._outputs is not None else [
            i for i in range(len(self._tensors)) if i in produced and i not in consumed]
        return ins, outs

    # ---- serialization ---------------------------------------------------------------------
    def finish(self) -> bytes:
        """Serialize the model. The builder may be finished again after further additions."""
        fb = flatbuffers.Builder(1024)
        graph_inputs, graph_outputs = self._default_io()

        def int32_vector(values) -> int:
            values = list(values)
            fb.StartVector(4, len(values), 4)
            for v in reversed(values):
                fb.PrependInt32(int(v))
            return fb.EndVector()

        def typed_vector(values, flags: str) -> int:
            ftype = getattr(flatbuffers.number_types, flags)
            values = list(values)
            fb.StartVector(ftype.bytewidth, len(values), ftype.bytewidth)
            for v in reversed(values):
                fb.Prepend(ftype, v)
            return fb.EndVector()

        def data_vector(raw: bytes) -> int:
            fb.StartVector(1, len(raw), 16)
            fb.head = fb.head - len(raw)
            fb.Bytes[fb.head:fb.head + len(raw)] = raw
            return fb.EndVector()

        # Buffers: 0 is the empty sentinel; one per constant.
        buffer_of = {}
        buffer_data = [None]
        for i, t in enumerate(self._tensors):
            if t.data is not None:
                buffer_of[i] = len(buffer_data)
                buffer_data.append(t.data)
        buffer_offsets = []
        for raw in buffer_data:
            data_off = data_vector(raw) if raw else None
            tflite.BufferStart(fb)
            if data_off is not None:
                tflite.BufferAddData(fb, data_off)
            buffer_offsets.append(tflite.BufferEnd(fb))

        # Tensors.
        tensor_offsets = []
        for i, t in enumerate(self._tensors):
            name_off = fb.CreateString(t.name)
            shape_off = int32_vector(t.shape)
            quant_off = None
            if t.scale is not None:
                scale_off = fb.CreateNumpyVector(t.scale.astype("<f4"))
                zp_off = fb.CreateNumpyVector(t.zero_point.astype("<i8"))
                tflite.QuantizationParametersStart(fb)
                tflite.QuantizationParametersAddScale(fb, scale_off)
                tflite.QuantizationParametersAddZeroPoint(fb, zp_off)
                tflite.QuantizationParametersAddQuantizedDimension(fb, t.axis)
                quant_off = tflite.QuantizationParametersEnd(fb)
            tflite.TensorStart(fb)
            tflite.TensorAddShape(fb, shape_off)
            tflite.TensorAddType(fb, _TENSOR_TYPES[t.dtype])
            tflite.TensorAddBuffer(fb, buffer_of.get(i, 0))
            tflite.TensorAddName(fb, name_off)
            if quant_off is not None:
                tflite.TensorAddQuantization(fb, quant_off)
            if t.is_variable:
                tflite.TensorAddIsVariable(fb, True)
            tensor_offsets.append(tflite.TensorEnd(fb))

        # Operator codes: one per distinct (kind, version).
        codes: list[tuple[str, int]] = []
        for op in self._ops:
            if (op.kind, op.version) not in codes:
                codes.append((op.kind, op.version))

        # Operators.
        op_offsets = []
        for op in self._ops:
            ins_off = int32_vector(op.inputs)
            outs_off = int32_vector(op.outputs)
            cls = None if op.kind.startswith("CUSTOM:") else options_class_name(op.kind)
            opt_off = self._write_options(fb, cls, op.options, typed_vector) if cls else None
            tflite.OperatorStart(fb)
            tflite.OperatorAddOpcodeIndex(fb, codes.index((op.kind, op.version)))
            tflite.OperatorAddInputs(fb, ins_off)
            tflite.OperatorAddOutputs(fb, outs_off)
            if opt_off is not None:
                tflite.OperatorAddBuiltinOptionsType(fb, _OPTION_TYPES[cls])
                tflite.OperatorAddBuiltinOptions(fb, opt_off)
            op_offsets.append(tflite.OperatorEnd(fb))

        def table_vector(offsets) -> int:
            fb.StartVector(4, len(offsets), 4)
            for off in reversed(offsets):
                fb.PrependUOffsetTRelative(off)
            return fb.EndVector()

        tensors_vec = table_vector(tensor_offsets)
        ops_vec = table_vector(op_offsets)
        in_vec = int32_vector(graph_inputs)
        out_vec = int32_vector(graph_outputs)
        sg_name = fb.CreateString("main")
        tflite.SubGraphStart(fb)
        tflite.SubGraphAddTensors(fb, tensors_vec)
        tflite.SubGraphAddInputs(fb, in_vec)
        tflite.SubGraphAddOutputs(fb, out_vec)
        tflite.SubGraphAddOperators(fb, ops_vec)
        tflite.SubGraphAddName(fb, sg_name)
        subgraph = tflite.SubGraphEnd(fb)

        code_offsets = []
        for kind, version in codes:
            custom_off = fb.CreateString(kind[len("CUSTOM:"):]) if kind.startswith("CUSTOM:") else None
            builtin = int(tflite.BuiltinOperator.CUSTOM if custom_off is not None
                          else getattr(tflite.BuiltinOperator, kind))
            tflite.OperatorCodeStart(fb)
            tflite.OperatorCodeAddDeprecatedBuiltinCode(fb, min(builtin, _PLACEHOLDER_FOR_GREATER_OP_CODES))
            tflite.OperatorCodeAddBuiltinCode(fb, builtin)
            tflite.OperatorCodeAddVersion(fb, version)
            if custom_off is not None:
                tflite.OperatorCodeAddCustomCode(fb, custom_off)
            code_offsets.append(tflite.OperatorCodeEnd(fb))

        codes_vec = table_vector(code_offsets)
        subgraphs_vec = table_vector([subgraph])
        buffers_vec = table_vector(buffer_offsets)
        desc = fb.CreateString(self.description)
        tflite.ModelStart(fb)
        tflite.ModelAddVersion(fb, SCHEMA_VERSION)
        tflite.ModelAddOperatorCodes(fb, codes_vec)
        tflite.ModelAddSubgraphs(fb, subgraphs_vec)
        tflite.ModelAddDescription(fb, desc)
        tflite.ModelAddBuffers(fb, buffers_vec)
        model = tflite.ModelEnd(fb)
        fb.Finish(model, file_identifier=FILE_IDENTIFIER)
        return bytes(fb.Output())

    @staticmethod
    def _write_options(fb, cls: str, options: dict, typed_vector) -> int:
        fields = option_fields(cls)
        vectors = {k: typed_vector(v, fields[k].vector) for k, v in options.items() if fields[k].vector}
        getattr(tflite, cls + "Start")(fb)
        for key, value in options.items():
            f = fields[key]
            add = getattr(tflite, f"{cls}Add{f.camel}")
            if f.vector:
                add(fb, vectors[key])
            elif key in _ENUM_FIELDS or isinstance(value, str):
                add(fb, _enum_value(key, value, cls))
            else:
                add(fb, value)
        return getattr(tflite, cls + "End")(fb)


# =============================================================================================
# Converter-like quantized single-op layers
# =============================================================================================

def _pair(v) -> tuple[int, int]:
    """int or (h, w) -> (h, w)."""
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def choose_qparams(lo: float, hi: float) -> tuple[float, int]:
    """Asymmetric int8 (scale, zero_point) for a float range, as the TFLite converter: the range
    is widened to include 0, scale = (hi - lo) / 255, zero point nudged into [-128, 127]."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-6:
        hi = lo + 1e-6 * 255
    scale = float(np.float32((hi - lo) / 255.0))
    zp = int(np.clip(round(-128 - lo / scale), -128, 127))
    return scale, zp


def quantize(x: np.ndarray, scale: float, zp: int) -> np.ndarray:
    return np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)


def symmetric_weights(w: np.ndarray, axis: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 weights in [-127, 127]: one scale per slice along `axis`, or per tensor
    when axis is None. Returns (int8 weights, float32 scales)."""
    if axis is None:
        m = np.array([np.abs(w).max()])
        scales = np.maximum(m, 1e-8).astype(np.float32) / np.float32(127)
        q = np.clip(np.round(w / float(scales[0])), -127, 127)
    else:
        red = tuple(i for i in range(w.ndim) if i != axis)
        m = np.abs(w).max(axis=red)
        scales = (np.maximum(m, 1e-8).astype(np.float32) / np.float32(127)).astype(np.float32)
        shape = [1] * w.ndim
        shape[axis] = -1
        q = np.clip(np.round(w / scales.astype(np.float64).reshape(shape)), -127, 127)
    return q.astype(np.int8), scales.astype(np.float32)


RANGE_KINDS = ("sym", "pos", "asym", "tiny", "wide")


def random_range(rng: np.random.Generator, kind: str | None = None) -> tuple[float, float]:
    """A calibration range for an activation: "sym" [-a, a], "pos" [0, a], "asym" [-b, a]
    (a in 0.25..4), or the extremes "tiny" (|range| ~ 0.01) and "wide" (|range| ~ 100)."""
    kind = kind or str(rng.choice(["sym", "pos", "asym"]))
    a = float(rng.uniform(0.25, 4.0))
    if kind == "sym":
        return -a, a
    if kind == "pos":
        return 0.0, a
    if kind == "asym":
        return -float(rng.uniform(0.1, 2.0)) * a, a
    if kind == "tiny":
        return -a / 200.0, a / 100.0
    if kind == "wide":
        return -a * 30.0, a * 25.0
    raise ValueError(f"range kind {kind!r}; known: {RANGE_KINDS}")


def _activation_clip(y: np.ndarray, act: str) -> np.ndarray:
    if act == "RELU":
        return np.maximum(y, 0.0)
    if act == "RELU6":
        return np.clip(y, 0.0, 6.0)
    if act == "RELU_N1_TO_1":
        return np.clip(y, -1.0, 1.0)
    if act in ("NONE", None):
        return y
    raise ValueError(f"activation {act}")


def _output_qparams(y_cal: np.ndarray, act: str, out_scale_mult: float = 1.0) -> tuple[float, int]:
    """Calibrated output (scale, zero point); out_scale_mult != 1 scales the range about its
    zero point (< 1: outputs saturate and requantization multipliers grow, even past 1)."""
    y = _activation_clip(y_cal, act)
    s, z = choose_qparams(float(y.min()), float(y.max()))
    return float(np.float32(s * out_scale_mult)), z


def _calibration_input(rng, shape, in_range, n_cal: int = 8) -> np.ndarray:
    """Float calibration batch: n_cal samples of `shape` (leading dim replaced by the sample count)."""
    lo, hi = in_range
    return rng.uniform(lo, hi, size=(n_cal,) + tuple(shape[1:]))


def out_size(padding: str, size: int, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(output size, leading pad) along one spatial axis, TFLite padding rules."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        o = (size + stride - 1) // stride
    else:
        o = (size - eff + stride) // stride
    pad = max(0, ((o - 1) * stride + eff - size) // 2)
    return o, pad


def _windows(x: np.ndarray, kh, kw, stride, dilation, padding, fill=0.0):
    """Yield (i, j, slab) for every kernel tap: slab[n, oh, ow, c] = padded input under tap (i, j)."""
    (sh, sw), (dh, dw) = stride, dilation
    _, h, w, _ = x.shape
    oh, ph = out_size(padding, h, kh, sh, dh)
    ow, pw = out_size(padding, w, kw, sw, dw)
    big_h = (oh - 1) * sh + (kh - 1) * dh + 1
    big_w = (ow - 1) * sw + (kw - 1) * dw + 1
    xp = np.full((x.shape[0], max(big_h, h + ph), max(big_w, w + pw), x.shape[3]), fill, dtype=np.float64)
    xp[:, ph:ph + h, pw:pw + w, :] = x
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, i * dh:i * dh + (oh - 1) * sh + 1:sh, j * dw:j * dw + (ow - 1) * sw + 1:sw, :]


def conv2d_float(x, w, b, stride=(1, 1), dilation=(1, 1), padding="SAME"):
    """Float NHWC convolution, w [cout, kh, kw, cin]."""
    _, kh, kw, _ = w.shape
    acc = None
    for i, j, slab in _windows(x, kh, kw, stride, dilation, padding):
        t = np.einsum("nhwc,oc->nhwo", slab, w[:, i, j, :])
        acc = t if acc is None else acc + t
    return acc + (0 if b is None else b)


def depthwise_float(x, w, b, multiplier, stride=(1, 1), dilation=(1, 1), padding="SAME"):
    """Float NHWC depthwise convolution, w [1, kh, kw, cin * multiplier]."""
    _, kh, kw, _ = w.shape
    acc = None
    for i, j, slab in _windows(x, kh, kw, stride, dilation, padding):
        t = np.repeat(slab, multiplier, axis=3) * w[0, i, j, :]
        acc = t if acc is None else acc + t
    return acc + (0 if b is None else b)


def _bias(rng, cout: int, in_scale: float, w_scales: np.ndarray, magnitude: float):
    """Float bias and its int32 quantization at scale in_scale * w_scale[c] (zero point 0)."""
    b = rng.uniform(-magnitude, magnitude, size=cout)
    bscale = (np.float32(in_scale) * np.broadcast_to(w_scales, (cout,)).astype(np.float32)).astype(np.float32)
    q = np.clip(np.round(b / bscale.astype(np.float64)), -(2**31) + 1, 2**31 - 1).astype(np.int32)
    return b, q, bscale


def _float_weights(rng, shape, axis):
    """Random float weights whose per-slice (along axis) magnitude spreads 0.1x..2x."""
    w = rng.standard_normal(shape) * 0.3
    if axis is not None:
        mags = rng.uniform(0.1, 2.0, size=shape[axis])
        bshape = [1] * len(shape)
        bshape[axis] = -1
        w = w * mags.reshape(bshape)
    return w


def conv_layer(rng: np.random.Generator, n=1, h=8, w=8, cin=3, cout=4, kh=3, kw=3, stride=1, dilation=1,
               padding="SAME", act="NONE", per_channel=True, with_bias=True, in_range=None,
               out_scale_mult=1.0) -> bytes:
    """CONV_2D int8: input [n,h,w,cin], filter [cout,kh,kw,cin] (per-channel axis 0 or per-tensor)."""
    stride, dilation = _pair(stride), _pair(dilation)
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    wf = _float_weights(rng, (cout, kh, kw, cin), 0)
    wq, wsc = symmetric_weights(wf, 0 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64).reshape(-1, 1, 1, 1) if per_channel else float(wsc[0]))
    bf = bq = bsc = None
    if with_bias:
        bf, bq, bsc = _bias(rng, cout, xs, wsc, magnitude=float(np.abs(wdq).sum() / cout * 0.1 * max(in_range)))
    xcal = _calibration_input(rng, (n, h, w, cin), in_range)
    ys, yz = _output_qparams(conv2d_float(xcal, wdq, bf, stride, dilation, padding), act, out_scale_mult)
    oh, _ = out_size(padding, h, kh, stride[0], dilation[0])
    ow, _ = out_size(padding, w, kw, stride[1], dilation[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, cin), "int8", scale=xs, zero_point=xz)
    wt = b.const("filter", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=0)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0) if with_bias else None
    y = b.tensor("output", (n, oh, ow, cout), "int8", scale=ys, zero_point=yz)
    b.op("CONV_2D", [x, wt, bt], [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                                       "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1],
                                       "fused_activation_function": act})
    return b.finish()


def depthwise_layer(rng: np.random.Generator, n=1, h=8, w=8, cin=3, multiplier=1, kh=3, kw=3, stride=1,
                    dilation=1, padding="SAME", act="NONE", per_channel=True, with_bias=True,
                    in_range=None, out_scale_mult=1.0) -> bytes:
    """DEPTHWISE_CONV_2D int8: filter [1,kh,kw,cin*multiplier], per-channel along axis 3.

    `with_bias=False` writes an all-zero bias rather than omitting it: TFLM's depthwise Prepare
    (depthwise_conv_common.cc, CalculateOpDataDepthwiseConv) deallocates the bias temp tensor
    without a null check, so a depthwise op with bias index -1 crashes the oracle (segfault)."""
    stride, dilation = _pair(stride), _pair(dilation)
    cout = cin * multiplier
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    wf = _float_weights(rng, (1, kh, kw, cout), 3)
    wq, wsc = symmetric_weights(wf, 3 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64) if per_channel else float(wsc[0]))
    bf = bq = bsc = None
    bf, bq, bsc = _bias(rng, cout, xs, wsc, magnitude=float(np.abs(wdq).sum() / cout * 0.1 * max(in_range)))
    if not with_bias:
        bf, bq = None, np.zeros_like(bq)
    xcal = _calibration_input(rng, (n, h, w, cin), in_range)
    ys, yz = _output_qparams(depthwise_float(xcal, wdq, bf, multiplier, stride, dilation, padding), act,
                             out_scale_mult)
    oh, _ = out_size(padding, h, kh, stride[0], dilation[0])
    ow, _ = out_size(padding, w, kw, stride[1], dilation[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, cin), "int8", scale=xs, zero_point=xz)
    wt = b.const("filter", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=3)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0)
    y = b.tensor("output", (n, oh, ow, cout), "int8", scale=ys, zero_point=yz)
    b.op("DEPTHWISE_CONV_2D", [x, wt, bt], [y],
         {"padding": padding, "stride_h": stride[0], "stride_w": stride[1], "depth_multiplier": multiplier,
          "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1], "fused_activation_function": act})
    return b.finish()


def fully_connected_layer(rng: np.random.Generator, batches=1, in_depth=16, units=8, act="NONE",
                          per_channel=True, with_bias=True, in_shape=None, keep_num_dims=False,
                          in_range=None, out_scale_mult=1.0) -> bytes:
    """FULLY_CONNECTED int8: input [batches, in_depth] (or `in_shape`, whose last dim is in_depth),
    weights [units, in_depth] per-channel (axis 0) or per-tensor; bias [units] int32 or absent (-1)."""
    in_shape = tuple(in_shape) if in_shape is not None else (batches, in_depth)
    in_depth = in_shape[-1]
    rows = int(np.prod(in_shape[:-1]))
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    wf = _float_weights(rng, (units, in_depth), 0)
    wq, wsc = symmetric_weights(wf, 0 if per_channel else None)
    wdq = wq.astype(np.float64) * (wsc.astype(np.float64).reshape(-1, 1) if per_channel else float(wsc[0]))
    bf = bq = bsc = None
    if with_bias:
        bf, bq, bsc = _bias(rng, units, xs, wsc, magnitude=float(np.abs(wdq).sum() / units * 0.1 * max(in_range)))
    xcal = rng.uniform(in_range[0], in_range[1], size=(max(8, rows), in_depth))
    ycal = xcal @ wdq.T + (0 if bf is None else bf)
    ys, yz = _output_qparams(ycal, act, out_scale_mult)
    out_shape = in_shape[:-1] + (units,) if keep_num_dims else (rows, units)
    b = ModelBuilder()
    x = b.tensor("input", in_shape, "int8", scale=xs, zero_point=xz)
    wt = b.const("weights", wq, scale=wsc, zero_point=np.zeros(wsc.size, np.int64), axis=0)
    bt = b.const("bias", bq, scale=bsc if per_channel else bsc[:1], zero_point=0, axis=0) if with_bias else None
    y = b.tensor("output", out_shape, "int8", scale=ys, zero_point=yz)
    b.op("FULLY_CONNECTED", [x, wt, bt], [y], {"fused_activation_function": act, "keep_num_dims": keep_num_dims,
                                                "weights_format": "DEFAULT"})
    return b.finish()


def pool_layer(rng: np.random.Generator, kind="AVERAGE_POOL_2D", n=1, h=8, w=8, c=3, fh=2, fw=2, stride=2,
               padding="VALID", act="NONE", in_range=None) -> bytes:
    """AVERAGE_POOL_2D or MAX_POOL_2D int8; output quantization = input quantization (converter)."""
    stride = _pair(stride)
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    oh, _ = out_size(padding, h, fh, stride[0])
    ow, _ = out_size(padding, w, fw, stride[1])
    b = ModelBuilder()
    x = b.tensor("input", (n, h, w, c), "int8", scale=xs, zero_point=xz)
    y = b.tensor("output", (n, oh, ow, c), "int8", scale=xs, zero_point=xz)
    b.op(kind, [x], [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                          "filter_height": fh, "filter_width": fw, "fused_activation_function": act})
    return b.finish()


def softmax_layer(rng: np.random.Generator, shape=(1, 10), beta=1.0, in_range=None) -> bytes:
    """SOFTMAX int8 over the last axis; output scale 1/256, zero point -128 (TFLite's int8 rule)."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    y = b.tensor("output", shape, "int8", scale=1.0 / 256.0, zero_point=-128)
    b.op("SOFTMAX", [x], [y], {"beta": float(beta)})
    return b.finish()


def broadcast_shape(a, b) -> tuple[int, ...]:
    return tuple(int(d) for d in np.broadcast_shapes(tuple(a), tuple(b)))


def add_layer(rng: np.random.Generator, shape_a=(1, 4, 4, 3), shape_b=(1, 4, 4, 3), act="NONE",
              range_a=None, range_b=None, const_b=False, kind="ADD", out_scale_mult=1.0) -> bytes:
    """ADD (or SUB) int8 with numpy broadcasting; each operand and the output get their own
    scale; `const_b` makes b a constant tensor."""
    range_a = range_a or random_range(rng)
    range_b = range_b or random_range(rng)
    sa, za = choose_qparams(*range_a)
    sb, zb = choose_qparams(*range_b)
    out_shape = broadcast_shape(shape_a, shape_b)
    n_cal = 8
    rank = len(out_shape)
    acal = rng.uniform(*range_a, size=(n_cal,) + (1,) * (rank - len(shape_a)) + tuple(shape_a))
    bcal = rng.uniform(*range_b, size=(n_cal,) + (1,) * (rank - len(shape_b)) + tuple(shape_b))
    ycal = acal + bcal if kind == "ADD" else acal - bcal
    ys, yz = _output_qparams(ycal, act, out_scale_mult)
    b = ModelBuilder()
    xa = b.tensor("a", shape_a, "int8", scale=sa, zero_point=za)
    if const_b:
        xb = b.const("b", quantize(rng.uniform(*range_b, size=shape_b), sb, zb), scale=sb, zero_point=zb)
    else:
        xb = b.tensor("b", shape_b, "int8", scale=sb, zero_point=zb)
    y = b.tensor("output", out_shape, "int8", scale=ys, zero_point=yz)
    b.op(kind, [xa, xb], [y], {"fused_activation_function": act})
    b.inputs([xa] if const_b else [xa, xb])
    b.outputs([y])
    return b.finish()


def pad_layer(rng: np.random.Generator, shape=(1, 4, 4, 3), paddings=((0, 0), (1, 1), (1, 1), (0, 0)),
              in_range=None) -> bytes:
    """PAD int8 with a constant int32 [rank, 2] paddings tensor; output quantization = input's."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    pads = np.asarray(paddings, dtype=np.int32).reshape(len(shape), 2)
    out_shape = tuple(int(d + p[0] + p[1]) for d, p in zip(shape, pads))
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    p = b.const("paddings", pads)
    y = b.tensor("output", out_shape, "int8", scale=xs, zero_point=xz)
    b.op("PAD", [x, p], [y])
    return b.finish()


def mean_layer(rng: np.random.Generator, shape=(1, 4, 4, 3), axes=(1, 2), keep_dims=True, same_quant=False,
               in_range=None, out_scale_mult=1.0) -> bytes:
    """MEAN int8 over constant int32 `axes`; output quantization calibrated on the float mean
    (or equal to the input's when `same_quant`)."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    rank = len(shape)
    norm = sorted({a % rank for a in axes})
    out_shape = tuple((1 if i in norm else d) for i, d in enumerate(shape)) if keep_dims else tuple(
        d for i, d in enumerate(shape) if i not in norm)
    if same_quant:
        ys, yz = xs, xz
    else:
        xcal = rng.uniform(*in_range, size=(8,) + tuple(shape))
        ys, yz = _output_qparams(xcal.mean(axis=tuple(a + 1 for a in norm)), "NONE", out_scale_mult)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    a = b.const("axes", np.asarray(axes, dtype=np.int32))
    y = b.tensor("output", out_shape, "int8", scale=ys, zero_point=yz)
    b.op("MEAN", [x, a], [y], {"keep_dims": bool(keep_dims)})
    return b.finish()


def transpose_layer(rng: np.random.Generator, shape=(2, 3, 4), perm=(2, 0, 1), in_range=None) -> bytes:
    """TRANSPOSE int8 with a constant int32 perm; output quantization = input's."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    out_shape = tuple(shape[p] for p in perm)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    p = b.const("perm", np.asarray(perm, dtype=np.int32))
    y = b.tensor("output", out_shape, "int8", scale=xs, zero_point=xz)
    b.op("TRANSPOSE", [x, p], [y])
    return b.finish()


def reshape_layer(rng: np.random.Generator, shape=(1, 4, 4, 3), new_shape=(1, 48), in_range=None) -> bytes:
    """RESHAPE int8 with a constant int32 shape input and the same new_shape in ReshapeOptions."""
    in_range = in_range or random_range(rng)
    xs, xz = choose_qparams(*in_range)
    b = ModelBuilder()
    x = b.tensor("input", shape, "int8", scale=xs, zero_point=xz)
    s = b.const("shape", np.asarray(new_shape, dtype=np.int32))
    y = b.tensor("output", new_shape, "int8", scale=xs, zero_point=xz)
    b.op("RESHAPE", [x, s], [y], {"new_shape": list(new_shape)})
    return b.finish()

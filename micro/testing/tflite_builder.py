"""Write small .tflite flatbuffers without TensorFlow: `ModelBuilder`, tensors and ops added in order
(one subgraph, or more)::

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
- More subgraphs (CALL_ONCE's init subgraph, ...): `b.subgraph("init")` starts one and returns its index;
  tensors, ops, inputs and outputs then go to it until `b.use_subgraph(0)` switches back.
- `options` is a dict in the snake_case names of the op's builtin options table (encoding in
  `micro.testing.tflite_options`). An op with a builtin options table always gets one (schema
  defaults for fields not given; strides of convolutions and pools default to 1 here, not the
  schema's 0).
- The file: schema version 3, identifier "TFL3", buffer 0 the empty sentinel, one buffer per
  constant (data aligned to 16 bytes), op codes with both `deprecated_builtin_code`
  (min(code, 127)) and `builtin_code`, `CUSTOM:<name>` kinds for custom ops, whose options are bytes
  (`custom_options=`, written with custom_options_format FLEXBUFFERS; `micro.testing.signal_models` makes
  them with flatbuffers.flexbuffers).

Converter-like quantized single-op models built on it: `micro.testing.layers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import flatbuffers
import numpy as np
import tflite

from micro.testing.tflite_options import (DEFAULT_OPTIONS, OPTION_TYPES, option_fields, options_class_name,
                                          write_options)

SCHEMA_VERSION = 3
FILE_IDENTIFIER = b"TFL3"
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127

_TENSOR_TYPES = {k.lower(): v for k, v in vars(tflite.TensorType).items() if isinstance(v, int)}
_NUMPY_TO_TFLITE = {np.dtype(np.int8): "int8", np.dtype(np.uint8): "uint8", np.dtype(np.int16): "int16",
                    np.dtype(np.uint16): "uint16", np.dtype(np.int32): "int32", np.dtype(np.uint32): "uint32",
                    np.dtype(np.int64): "int64", np.dtype(np.float32): "float32", np.dtype(np.float16): "float16",
                    np.dtype(np.float64): "float64", np.dtype(np.bool_): "bool"}
_TFLITE_TO_NUMPY = {v: k for k, v in _NUMPY_TO_TFLITE.items()}

# Versions the TFLite converter writes for int8 ops (TFLM ignores versions; other readers may not).
_INT8_VERSIONS = {
    "CONV_2D": 3, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 4, "AVERAGE_POOL_2D": 2, "MAX_POOL_2D": 2,
    "SOFTMAX": 2, "ADD": 2, "SUB": 2, "MUL": 2, "MEAN": 2, "PAD": 2, "TRANSPOSE": 2, "RESHAPE": 1,
    "CONCATENATION": 2, "LOGISTIC": 2, "TANH": 2, "RELU": 2, "RELU6": 2, "MAXIMUM": 2, "MINIMUM": 2,
    "STRIDED_SLICE": 2, "SPLIT": 2, "SPLIT_V": 2, "PACK": 2, "UNPACK": 2, "QUANTIZE": 1, "BATCH_MATMUL": 2,
}


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
    custom_options: bytes = b""


@dataclass
class _Subgraph:
    name: str
    tensors: list[_Tensor]
    ops: list[_Op]
    inputs: list[int] | None = None
    outputs: list[int] | None = None


class ModelBuilder:
    """Accumulates subgraphs and writes them as a .tflite flatbuffer (see module docstring)."""

    def __init__(self, description: str = "micro.testing.tflite_builder"):
        self.description = description
        self._subgraphs: list[_Subgraph] = [_Subgraph("main", [], [])]
        self._current = 0

    # ---- subgraphs (the one being built is the current one) ---------------------------------
    def subgraph(self, name: str) -> int:
        """Start a new subgraph and make it the current one; returns its index."""
        self._subgraphs.append(_Subgraph(name, [], []))
        self._current = len(self._subgraphs) - 1
        return self._current

    def use_subgraph(self, index: int) -> None:
        if not 0 <= index < len(self._subgraphs):
            raise ValueError(f"no subgraph {index}")
        self._current = index

    @property
    def _sg(self) -> _Subgraph:
        return self._subgraphs[self._current]

    @property
    def _tensors(self) -> list[_Tensor]:
        return self._sg.tensors

    @property
    def _ops(self) -> list[_Op]:
        return self._sg.ops

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
    def op(self, kind: str, inputs, outputs, options: dict | None = None, version: int | None = None,
           custom_options: bytes = b"") -> int:
        """Add an operator (builtin name such as "CONV_2D", or "CUSTOM:<code>" with its options as bytes in
        `custom_options`); returns its index."""
        if not kind.startswith("CUSTOM:") and not hasattr(tflite.BuiltinOperator, kind):
            raise ValueError(f"unknown builtin op {kind!r}")
        if custom_options and not kind.startswith("CUSTOM:"):
            raise ValueError(f"{kind} is a builtin op: it takes options, not custom_options")
        ins = [-1 if i is None else int(i) for i in inputs]
        outs = [int(o) for o in outputs]
        for i in ins + outs:
            if not -1 <= i < len(self._tensors):
                raise ValueError(f"{kind}: tensor index {i} does not exist")
        opts = dict(DEFAULT_OPTIONS.get(kind, {}))
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
        self._ops.append(_Op(kind, ins, outs, opts, int(v), bytes(custom_options)))
        return len(self._ops) - 1

    def inputs(self, tensors) -> None:
        self._sg.inputs = [int(t) for t in tensors]

    def outputs(self, tensors) -> None:
        self._sg.outputs = [int(t) for t in tensors]

    @staticmethod
    def _default_io(sg: _Subgraph) -> tuple[list[int], list[int]]:
        produced = {o for op in sg.ops for o in op.outputs}
        consumed = {i for op in sg.ops for i in op.inputs if i >= 0}
        ins = sg.inputs if sg.inputs is not None else [
            i for i, t in enumerate(sg.tensors) if t.data is None and i not in produced and i in consumed]
        outs = sg.outputs if sg.outputs is not None else [
            i for i in range(len(sg.tensors)) if i in produced and i not in consumed]
        return ins, outs

    # ---- serialization ---------------------------------------------------------------------
    def finish(self) -> bytes:
        """Serialize the model. The builder may be finished again after further additions."""
        fb = flatbuffers.Builder(1024)

        def int32_vector(values) -> int:
            values = list(values)
            fb.StartVector(4, len(values), 4)
            for v in reversed(values):
                fb.PrependInt32(int(v))
            return fb.EndVector()

        def data_vector(raw: bytes) -> int:
            fb.StartVector(1, len(raw), 16)
            fb.head = fb.head - len(raw)
            fb.Bytes[fb.head:fb.head + len(raw)] = raw
            return fb.EndVector()

        def table_vector(offsets) -> int:
            fb.StartVector(4, len(offsets), 4)
            for off in reversed(offsets):
                fb.PrependUOffsetTRelative(off)
            return fb.EndVector()

        # Buffers: 0 is the empty sentinel; one per constant (of every subgraph, in order).
        buffer_of = {}
        buffer_data = [None]
        for k, sg in enumerate(self._subgraphs):
            for i, t in enumerate(sg.tensors):
                if t.data is not None:
                    buffer_of[(k, i)] = len(buffer_data)
                    buffer_data.append(t.data)
        buffer_offsets = []
        for raw in buffer_data:
            data_off = data_vector(raw) if raw else None
            tflite.BufferStart(fb)
            if data_off is not None:
                tflite.BufferAddData(fb, data_off)
            buffer_offsets.append(tflite.BufferEnd(fb))

        # Operator codes: one per distinct (kind, version).
        codes: list[tuple[str, int]] = []
        for sg in self._subgraphs:
            for op in sg.ops:
                if (op.kind, op.version) not in codes:
                    codes.append((op.kind, op.version))

        subgraphs = [self._write_subgraph(fb, k, sg, buffer_of, codes, int32_vector, table_vector)
                     for k, sg in enumerate(self._subgraphs)]

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
        subgraphs_vec = table_vector(subgraphs)
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

    def _write_subgraph(self, fb, k: int, sg: _Subgraph, buffer_of: dict, codes: list, int32_vector,
                        table_vector) -> int:
        """Tensors, operators and the SubGraph table of subgraph k; returns its offset."""
        graph_inputs, graph_outputs = self._default_io(sg)
        tensor_offsets = []
        for i, t in enumerate(sg.tensors):
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
            tflite.TensorAddBuffer(fb, buffer_of.get((k, i), 0))
            tflite.TensorAddName(fb, name_off)
            if quant_off is not None:
                tflite.TensorAddQuantization(fb, quant_off)
            if t.is_variable:
                tflite.TensorAddIsVariable(fb, True)
            tensor_offsets.append(tflite.TensorEnd(fb))

        op_offsets = []
        for op in sg.ops:
            ins_off = int32_vector(op.inputs)
            outs_off = int32_vector(op.outputs)
            cls = None if op.kind.startswith("CUSTOM:") else options_class_name(op.kind)
            opt_off = write_options(fb, cls, op.options) if cls else None
            custom_off = fb.CreateNumpyVector(np.frombuffer(op.custom_options, np.uint8)) if op.custom_options else None
            tflite.OperatorStart(fb)
            tflite.OperatorAddOpcodeIndex(fb, codes.index((op.kind, op.version)))
            tflite.OperatorAddInputs(fb, ins_off)
            tflite.OperatorAddOutputs(fb, outs_off)
            if opt_off is not None:
                tflite.OperatorAddBuiltinOptionsType(fb, OPTION_TYPES[cls])
                tflite.OperatorAddBuiltinOptions(fb, opt_off)
            if custom_off is not None:
                tflite.OperatorAddCustomOptions(fb, custom_off)
                tflite.OperatorAddCustomOptionsFormat(fb, tflite.CustomOptionsFormat.FLEXBUFFERS)
            op_offsets.append(tflite.OperatorEnd(fb))

        tensors_vec = table_vector(tensor_offsets)
        ops_vec = table_vector(op_offsets)
        in_vec = int32_vector(graph_inputs)
        out_vec = int32_vector(graph_outputs)
        sg_name = fb.CreateString(sg.name)
        tflite.SubGraphStart(fb)
        tflite.SubGraphAddTensors(fb, tensors_vec)
        tflite.SubGraphAddInputs(fb, in_vec)
        tflite.SubGraphAddOutputs(fb, out_vec)
        tflite.SubGraphAddOperators(fb, ops_vec)
        tflite.SubGraphAddName(fb, sg_name)
        return tflite.SubGraphEnd(fb)

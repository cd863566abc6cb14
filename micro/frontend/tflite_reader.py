"""Read a .tflite flatbuffer into micro's IR (every subgraph, constants typed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import tflite

from micro.errors import ModelError
from micro.frontend.options import decode_options
from micro.ir import Graph, Model, Op, Quant, Tensor

_TENSOR_TYPES = {v: k.lower() for k, v in vars(tflite.TensorType).items() if isinstance(v, int)}
_BUILTIN_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if isinstance(v, int)}
_NUMPY = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "uint16": np.uint16,
          "int32": np.int32, "uint32": np.uint32, "int64": np.int64, "uint64": np.uint64,
          "float32": np.float32, "float16": np.float16, "float64": np.float64, "bool": np.bool_}


def _str(b) -> str:
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else (b or "")


def _op_name(model, op) -> tuple[str, int]:
    code = model.OperatorCodes(op.OpcodeIndex())
    builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    name = _BUILTIN_NAMES.get(builtin, f"BUILTIN_{builtin}")
    if name == "CUSTOM":
        name = "CUSTOM:" + _str(code.CustomCode())
    return name, code.Version()


def _buffer_bytes(model, buf: bytes, index: int) -> bytes | None:
    if index == 0 or index >= model.BuffersLength():
        return None
    b = model.Buffers(index)
    if b.Offset() > 1:  # large model: data stored after the flatbuffer
        return buf[b.Offset():b.Offset() + b.Size()]
    if b.DataLength() == 0:
        return None
    return b.DataAsNumpy().tobytes()


def _quant(t, shape: tuple[int, ...]) -> Quant | None:
    q = t.Quantization()
    if q is None or q.ScaleLength() == 0:
        return None
    scale = np.array(q.ScaleAsNumpy(), dtype=np.float32).ravel()
    zp = np.array(q.ZeroPointAsNumpy(), dtype=np.int64).ravel() if q.ZeroPointLength() else np.zeros(
        scale.size, dtype=np.int64)
    axis = int(q.QuantizedDimension())
    if scale.size > 1 and not (0 <= axis < len(shape) and shape[axis] == scale.size):
        # Real-world quirk (TFLM person_detect): 1-D per-channel biases that
        # name axis 3. TFLM accepts them; the only consistent axis is the one
        # whose extent equals the number of scales.
        matches = [i for i, d in enumerate(shape) if d == scale.size]
        if not matches:
            return Quant(scale, zp, axis)
        axis = matches[0]
    return Quant(scale, zp, axis)


def _graph(model, buf: bytes, sg_index: int, model_name: str) -> Graph:
    sg = model.Subgraphs(sg_index)
    tensors: list[Tensor] = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        raw_shape = t.ShapeAsNumpy()
        shape = tuple(int(d) for d in raw_shape) if not isinstance(raw_shape, int) else ()
        dtype = _TENSOR_TYPES.get(t.Type(), f"type{t.Type()}")
        data = None
        raw = _buffer_bytes(model, buf, t.Buffer())
        if raw is not None and dtype in _NUMPY:
            data = np.frombuffer(raw, dtype=_NUMPY[dtype]).copy()
            expected = int(np.prod(shape)) if shape else 1
            if data.size != expected:
                raise ModelError(
                    f"{model_name}: tensor {i} '{_str(t.Name())}' holds {data.size} values "
                    f"but its shape {list(shape)} needs {expected}; the file is corrupt.")
            data = data.reshape(shape)
        elif raw is not None and dtype == "int4":
            data = np.frombuffer(raw, dtype=np.uint8).copy()
        tensors.append(Tensor(i, _str(t.Name()) or f"t{i}", shape, dtype, _quant(t, shape), data,
                              bool(t.IsVariable())))
    ops = []
    for k in range(sg.OperatorsLength()):
        op = sg.Operators(k)
        kind, version = _op_name(model, op)
        ins = [None if int(x) < 0 else int(x) for x in (op.InputsAsNumpy() if op.InputsLength() else [])]
        outs = [int(x) for x in (op.OutputsAsNumpy() if op.OutputsLength() else [])]
        ops.append(Op(k, kind, version, ins, outs, decode_options(op)))
    inputs = [int(x) for x in sg.InputsAsNumpy()] if sg.InputsLength() else []
    outputs = [int(x) for x in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
    return Graph(_str(sg.Name()) or f"subgraph{sg_index}", tensors, ops, inputs, outputs, sg_index)


def _metadata(model, buf: bytes) -> dict:
    out = {}
    for i in range(model.MetadataLength()):
        m = model.Metadata(i)
        raw = _buffer_bytes(model, buf, m.Buffer())
        out[_str(m.Name())] = raw or b""
    return out


def read_model(buf: bytes, name: str = "model") -> Model:
    """Parse .tflite bytes. Raises ModelError for anything that is not a TFLite model."""
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ModelError(f"{name}: not a TensorFlow Lite flatbuffer (no 'TFL3' identifier at byte 4).")
    try:
        model = tflite.Model.GetRootAs(buf, 0)
        subgraphs = [_graph(model, buf, i, name) for i in range(model.SubgraphsLength())]
        description = _str(model.Description())
        meta = _metadata(model, buf)
    except ModelError:
        raise
    except Exception as exc:  # malformed flatbuffer
        raise ModelError(f"{name}: cannot parse the flatbuffer ({exc}).") from exc
    if not subgraphs:
        raise ModelError(f"{name}: the model has no subgraph.")
    return Model(name, subgraphs, description, meta, hashlib.sha256(buf).hexdigest())


def load_model(path: str | Path) -> Model:
    path = Path(path)
    try:
        buf = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}") from exc
    return read_model(buf, c_identifier(path.stem))


def c_identifier(stem: str) -> str:
    """A model name usable as a C identifier prefix: ASCII letters, digits and '_' only."""
    out = "".join(c if (c.isascii() and c.isalnum()) else "_" for c in stem)
    if not out or out[0].isdigit():
        out = "m_" + out
    return out

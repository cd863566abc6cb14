"""Read a .tflite flatbuffer into micro's IR (every subgraph, constants typed)."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import tflite

from micro.errors import InvalidModelError, ModelError
from micro.frontend.options import decode_options
from micro.frontend.validate import MAX_DIM, MAX_RANK, validate_model
from micro.ir import Graph, Model, Op, Quant, Tensor

_TENSOR_TYPES = {v: k.lower() for k, v in vars(tflite.TensorType).items() if isinstance(v, int)}
_BUILTIN_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if isinstance(v, int)}
_NUMPY = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "uint16": np.uint16,
          "int32": np.int32, "uint32": np.uint32, "int64": np.int64, "uint64": np.uint64,
          "float32": np.float32, "float16": np.float16, "float64": np.float64, "bool": np.bool_}


def _str(b) -> str:
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else (b or "")


class _Problems(list):
    """What makes the file unreadable, collected while reading; raised at once as an InvalidModelError."""


def _count(n: int, elem_bytes: int, buf: bytes, what: str) -> int:
    """A vector's length, refused when its elements could not fit in the file: a corrupt count must not
    make the reader loop for long or allocate much."""
    if n < 0 or n * elem_bytes > len(buf):
        raise ModelError(f"{what}: {n} entries cannot fit in a file of {len(buf)} bytes; the file is corrupt")
    return n


def _op_name(model, op, problems: _Problems, where: str) -> tuple[str, int]:
    n_codes = model.OperatorCodesLength()
    idx = op.OpcodeIndex()
    if not 0 <= idx < n_codes:
        problems.append(f"{where}: opcode index {idx} is outside the model's {n_codes} operator codes")
        return "INVALID", 0
    code = model.OperatorCodes(idx)
    builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    name = _BUILTIN_NAMES.get(builtin, f"BUILTIN_{builtin}")
    if name == "CUSTOM":
        name = "CUSTOM:" + _str(code.CustomCode())
    return name, code.Version()


def _buffer_bytes(model, buf: bytes, index: int, problems: _Problems, what: str) -> bytes | None:
    if index == 0:
        return None
    if not 0 < index < model.BuffersLength():
        problems.append(f"{what}: buffer index {index} is outside the model's {model.BuffersLength()} buffers")
        return None
    b = model.Buffers(index)
    if b.Offset() > 1:  # large model: data stored after the flatbuffer
        if b.Offset() + b.Size() > len(buf):
            problems.append(f"{what}: buffer {index} at bytes {b.Offset()}..{b.Offset() + b.Size()} lies "
                            f"outside the {len(buf)}-byte file")
            return None
        return buf[b.Offset():b.Offset() + b.Size()]
    if _count(b.DataLength(), 1, buf, f"{what}: buffer {index}") == 0:
        return None
    return b.DataAsNumpy().tobytes()


def _quant(t, shape: tuple[int, ...], buf: bytes, what: str) -> Quant | None:
    q = t.Quantization()
    if q is None or _count(q.ScaleLength(), 4, buf, f"{what} scales") == 0:
        return None
    scale = np.array(q.ScaleAsNumpy(), dtype=np.float32).ravel()
    zp = np.array(q.ZeroPointAsNumpy(), dtype=np.int64).ravel() if _count(
        q.ZeroPointLength(), 8, buf, f"{what} zero points") else np.zeros(scale.size, dtype=np.int64)
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


def _shape_ok(shape: tuple[int, ...]) -> bool:
    return len(shape) <= MAX_RANK and all(1 <= d <= MAX_DIM for d in shape)


def _tensor(model, buf: bytes, sg, i: int, problems: _Problems) -> Tensor:
    t = sg.Tensors(i)
    name = _str(t.Name()) or f"t{i}"
    what = f"tensor {i} '{name}'"
    raw_shape = t.ShapeAsNumpy() if _count(t.ShapeLength(), 4, buf, f"{what} shape") else ()
    shape = tuple(int(d) for d in raw_shape)
    dtype = _TENSOR_TYPES.get(t.Type(), f"type{t.Type()}")
    data = None
    raw = _buffer_bytes(model, buf, t.Buffer(), problems, what)
    if raw is not None and not _shape_ok(shape):
        problems.append(f"{what} holds data but has shape {list(shape)}: every dimension must be in "
                        f"[1, {MAX_DIM}], at most {MAX_RANK} of them")
    elif raw is not None and dtype in _NUMPY:
        expected = math.prod(shape) * np.dtype(_NUMPY[dtype]).itemsize
        if len(raw) != expected:
            problems.append(f"{what} holds {len(raw)} bytes but its shape {list(shape)} of {dtype} needs "
                            f"{expected}; the file is corrupt")
        else:
            data = np.frombuffer(raw, dtype=_NUMPY[dtype]).copy().reshape(shape)
    elif raw is not None and dtype == "int4":
        data = np.frombuffer(raw, dtype=np.uint8).copy()
    return Tensor(i, name, shape, dtype, _quant(t, shape, buf, what), data, bool(t.IsVariable()))


def _indices(vector, length: int, buf: bytes, what: str) -> list[int | None]:
    """Tensor indices of an op or a subgraph: -1 (an omitted optional tensor) becomes None; any other
    index is kept as it is, for the validator to judge."""
    if not _count(length, 4, buf, what):
        return []
    return [None if int(x) == -1 else int(x) for x in vector()]


def _graph(model, buf: bytes, sg_index: int, problems: _Problems) -> Graph:
    sg = model.Subgraphs(sg_index)
    n_tensors = _count(sg.TensorsLength(), 4, buf, f"subgraph {sg_index} tensors")
    tensors = [_tensor(model, buf, sg, i, problems) for i in range(n_tensors)]
    ops = []
    for k in range(_count(sg.OperatorsLength(), 4, buf, f"subgraph {sg_index} operators")):
        op = sg.Operators(k)
        kind, version = _op_name(model, op, problems, f"op #{k}")
        ins = _indices(op.InputsAsNumpy, op.InputsLength(), buf, f"op #{k} {kind} inputs")
        outs = _indices(op.OutputsAsNumpy, op.OutputsLength(), buf, f"op #{k} {kind} outputs")
        custom = b""
        if kind.startswith("CUSTOM:") and _count(op.CustomOptionsLength(), 1, buf, f"op #{k} {kind} custom options"):
            custom = op.CustomOptionsAsNumpy().tobytes()
        ops.append(Op(k, kind, version, ins, outs, decode_options(op), custom))
    inputs = _indices(sg.InputsAsNumpy, sg.InputsLength(), buf, f"subgraph {sg_index} inputs")
    outputs = _indices(sg.OutputsAsNumpy, sg.OutputsLength(), buf, f"subgraph {sg_index} outputs")
    return Graph(_str(sg.Name()) or f"subgraph{sg_index}", tensors, ops,
                 [-1 if i is None else i for i in inputs], [-1 if i is None else i for i in outputs], sg_index)


def _metadata(model, buf: bytes, problems: _Problems) -> dict:
    out = {}
    for i in range(_count(model.MetadataLength(), 4, buf, "metadata")):
        m = model.Metadata(i)
        raw = _buffer_bytes(model, buf, m.Buffer(), problems, f"metadata '{_str(m.Name())}'")
        out[_str(m.Name())] = raw or b""
    return out


def read_model(buf: bytes, name: str = "model") -> Model:
    """Parse .tflite bytes and validate them (micro.frontend.validate). Raises ModelError (InvalidModelError
    for a malformed model, naming every problem) for anything that is not a valid TFLite model."""
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ModelError(f"{name}: not a TensorFlow Lite flatbuffer (no 'TFL3' identifier at byte 4).")
    problems = _Problems()
    try:
        model = tflite.Model.GetRootAs(buf, 0)
        _count(model.BuffersLength(), 4, buf, "buffers")
        _count(model.OperatorCodesLength(), 4, buf, "operator codes")
        subgraphs = [_graph(model, buf, i, problems)
                     for i in range(_count(model.SubgraphsLength(), 4, buf, "subgraphs"))]
        description = _str(model.Description())
        meta = _metadata(model, buf, problems)
    except ModelError as exc:
        raise ModelError(f"{name}: {exc}") from None
    except Exception as exc:  # malformed flatbuffer: offsets outside the file, bad tables
        raise ModelError(f"{name}: cannot parse the flatbuffer ({type(exc).__name__}: {exc}); the file is "
                         "corrupt or not a TensorFlow Lite model.") from None
    if problems:
        raise InvalidModelError(name, list(problems))
    if not subgraphs:
        raise ModelError(f"{name}: the model has no subgraph.")
    model = Model(name, subgraphs, description, meta, hashlib.sha256(buf).hexdigest())
    validate_model(model)
    return model


def load_model(path: str | Path) -> Model:
    return load_model_file(path)[0]


def load_model_file(path: str | Path) -> tuple[Model, bytes]:
    """The model in a .tflite file and the file's bytes (read once)."""
    path = Path(path)
    try:
        buf = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    return read_model(buf, c_identifier(path.stem)), buf


def c_identifier(stem: str) -> str:
    """A model name usable as a C identifier prefix: ASCII letters, digits and '_' only."""
    out = "".join(c if (c.isascii() and c.isalnum()) else "_" for c in stem)
    if not out or out[0].isdigit():
        out = "m_" + out
    return out

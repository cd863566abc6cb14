"""What TFLM's signal custom ops (tflite-micro signal/micro/kernels/*.cc) share: their FlexBuffers options and
the shape and dtype checks of their Prepare.

Options: a signal op's custom_options is a FlexBuffers map that its Init reads with TFLM's
FlexbufferWrapper, BY POSITION in the map (whose keys FlexBuffers keeps sorted: "T" before lower case, then
alphabetical), each value read as a raw signed integer of the map's byte width (ElementAsInt32,
ElementAsBool: flatbuffer_utils.cc). micro reads them with `flatbuffers.flexbuffers` at those positions and
checks that the key at each one is the option TFLM means there, so a map with other keys is refused rather
than read as TFLM would misread it.
"""

from __future__ import annotations

from flatbuffers import flexbuffers

from micro.dtypes import DTYPE_BYTES
from micro.fixedpoint import wrap
from micro.ir import Graph, Op, Tensor

INLINE_INTEGERS = (flexbuffers.Type.INT, flexbuffers.Type.UINT, flexbuffers.Type.BOOL)
SIGNAL_TYPES = ("int16", "int32", "uint32", "uint64")  # what the signal ops' tensors are, for `micro ops`


class OptionsError(ValueError):
    """The custom options cannot be read as the op's TFLM Init reads them."""


def _raw_int(ref, byte_width: int) -> int:
    """flexbuffers::ReadInt64(elem, byte_width): the element's bytes as a signed integer, whatever its type."""
    v = ref.AsInt
    bits = 8 * byte_width
    return v - (1 << bits) if v >= 1 << (bits - 1) else v


def positional_options(op: Op, names: tuple[str, ...]) -> dict[str, int]:
    """{name: value} of the map entries at positions 0..len(names)-1 (`names` in TFLM's index order; None
    skips a position TFLM does not read); int32 values as ElementAsInt32 gives them (the low 32 bits, signed),
    bools as 0/1. Raises OptionsError naming what is wrong."""
    if not op.custom_options:
        raise OptionsError("has no custom options; TFLM's Init reads "
                           f"{', '.join(n for n in names if n)} from a FlexBuffers map")
    try:
        root = flexbuffers.GetRoot(op.custom_options)
        if not root.IsMap:
            raise OptionsError("custom options are not a FlexBuffers map")
        m = root.AsMap
        keys = [str(k.AsKey) for k in m.Keys]
        values = m.Values
        out = {}
        for pos, name in enumerate(names):
            if name is None:
                continue
            if pos >= len(keys) or keys[pos] != name:
                raise OptionsError(f"custom option '{name}' must be entry {pos} of the FlexBuffers map (TFLM reads "
                                   f"it there), found keys {keys}")
            ref = values[pos]
            if ref._type not in INLINE_INTEGERS:  # TFLM reads the inline slot: an indirect value's is an offset
                raise OptionsError(f"custom option '{name}' must be an inline integer or bool, got {ref._type.name}")
            out[name] = int(wrap(_raw_int(ref, values.ByteWidth), 32))
        return out
    except OptionsError:
        raise
    except Exception as exc:  # malformed bytes: offsets outside the buffer, bad types
        raise OptionsError(f"custom options are not a readable FlexBuffers map ({type(exc).__name__}: {exc})") from None


def read_options(op: Op, names: tuple[str, ...]) -> tuple[dict[str, int], list[str]]:
    """positional_options, or ({}, [the problem]) for `check`."""
    try:
        return positional_options(op, names), []
    except OptionsError as exc:
        return {}, [str(exc)]


def label(g: Graph, t: int | None) -> str:
    tensor: Tensor = g.tensors[t]
    return f"tensor {t} '{tensor.name}'"


def tensor_problems(g: Graph, t: int | None, role: str, dtype: str, rank: int | None = None) -> list[str]:
    """Prepare's TF_LITE_ENSURE_TYPES_EQ / NumDimensions checks of one tensor (rank None: any)."""
    tensor = g.tensors[t]
    problems = []
    if tensor.dtype != dtype:
        problems.append(f"{role} {label(g, t)} is {tensor.dtype}; TFLM requires {dtype}")
    if rank is not None and len(tensor.shape) != rank:
        problems.append(f"{role} {label(g, t)} has shape {list(tensor.shape)}; TFLM requires rank {rank}")
    return problems


def range_problems(name: str, value: int, lo: int, hi: int, why: str) -> list[str]:
    if lo <= value <= hi:
        return []
    return [f"custom option {name} = {value} is outside [{lo}, {hi}] ({why})"]


def size_problem(g: Graph, t: int, role: str, want: int, what: str) -> list[str]:
    n = g.tensors[t].size
    return [] if n == want else [f"{role} {label(g, t)} has {n} elements; {what} needs {want}"]


def const_problems(g: Graph, t: int, role: str) -> list[str]:
    if g.tensors[t].is_const:
        return []
    return [f"{role} {label(g, t)} is not a constant: micro checks its values at compile time (TFLM indexes with "
            "them unchecked); make it a constant of the model"]


def element_bytes(g: Graph, t: int) -> int:
    return DTYPE_BYTES[g.tensors[t].dtype]

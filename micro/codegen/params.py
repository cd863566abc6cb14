"""A kernel call's parameters as C: one `static const` struct with designated initializers (nested structs
nested), each array field a `static const` array beside it. Layout and types come from the kernel's
declaration (micro.kernels.abi)."""

from __future__ import annotations

from micro.codegen.carrays import initializer
from micro.dtypes import c_type_of_array
from micro.kernels.abi import Struct

INDENT = "    "


def c_int(v: int) -> str:
    v = int(v)
    if v == -(2**31):
        return "(-2147483647 - 1)"
    if not -(2**31) <= v < 2**31:
        return f"INT64_C({v})"
    return str(v)


def params_c(struct: Struct, values: dict, prefix: str, pool: dict | None = None) -> tuple[list[dict], str]:
    """(arrays, initializer): arrays as dicts (symbol, ctype, length, body) named `<prefix>_<field path>`,
    and the brace-enclosed initializer of the struct. pool {(ctype, body): symbol}: arrays already emitted
    that an equal array reuses instead (the tiles of a patch share their op's weights)."""
    arrays: list[dict] = []

    def init(s: Struct, vals: dict, path: list[str], depth: int) -> str:
        pad = INDENT * (depth + 1)
        lines = ["{"]
        for f in s.fields:
            v = vals[f.name]
            if isinstance(f.ctype, Struct):
                value = init(f.ctype, v, path + [f.name], depth + 1)
            elif f.array:
                if v is None:
                    value = "0"
                else:
                    value = "_".join([prefix, *path, f.name])
                    array = dict(symbol=value, ctype=c_type_of_array(v), length=max(1, v.size), body=initializer(v))
                    key = (array["ctype"], array["body"])
                    if pool is not None and key in pool:
                        value = pool[key]
                    else:
                        arrays.append(array)
                        if pool is not None:
                            pool[key] = value
            else:
                value = c_int(v)
            lines.append(f"{pad}.{f.name} = {value},")
        lines.append(INDENT * depth + "}")
        return "\n".join(lines)

    return arrays, init(struct, values, [], 0)

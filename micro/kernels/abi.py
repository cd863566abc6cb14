"""How a C kernel is declared, once: its parameter struct, its arguments, their C types and meaning.

Every kernel in `micro/kernels_c/` has one `Kernel` declaration in `micro/kernels/<family>.py`. From it:
- codegen writes the C struct typedefs and prototypes into the generated `mn_kernels.h`
  (micro.codegen.kernel_header), and each call's `static const` parameters (micro.codegen.emit);
- lowering is checked against it (`Kernel.check_params`: every field present, in range, of its type);
- the tests bind the kernels through ctypes from the same declaration (tests/support/kernel_bindings.py).

A kernel call in the generated code is always

    func(&params, <inputs...>, <outputs...>[, scratch])

with `params` a `static const <params.name>` (omitted when the kernel takes no struct).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from micro.dtypes import C_TYPES, NUMPY_DTYPES

INT_RANGES = {
    "int8_t": (-(2**7), 2**7 - 1), "uint8_t": (0, 2**8 - 1), "int16_t": (-(2**15), 2**15 - 1),
    "uint16_t": (0, 2**16 - 1), "int32_t": (-(2**31), 2**31 - 1), "uint32_t": (0, 2**32 - 1),
    "int64_t": (-(2**63), 2**63 - 1),
}
ELEMENT_DTYPES = {c: d for d, c in C_TYPES.items() if d != "bool"}
ROLES = ("input", "output", "state", "scratch")


@dataclass(frozen=True)
class Field:
    """One member of a parameter struct.

    ctype: a scalar C type ("int32_t"), the element type of a constant array (array=True: the member is
    `const <ctype> *`, the array a `static const` next to the params), or a nested Struct.
    optional: an array that may be absent (NULL)."""

    name: str
    ctype: "str | Struct"
    doc: str
    array: bool = False
    optional: bool = False

    @property
    def declaration(self) -> str:
        if isinstance(self.ctype, Struct):
            return f"{self.ctype.name} {self.name}"
        return f"const {self.ctype} *{self.name}" if self.array else f"{self.ctype} {self.name}"


@dataclass(frozen=True)
class Struct:
    name: str
    doc: str
    fields: tuple[Field, ...]

    def __post_init__(self):
        for text in (self.doc, *(f.doc for f in self.fields)):
            if "*/" in text:
                raise ValueError(f"{self.name}: '*/' in a doc string")

    def nested(self) -> list["Struct"]:
        """The structs this one contains (depth first, each once), then itself."""
        out: list[Struct] = []
        for f in self.fields:
            if isinstance(f.ctype, Struct):
                out += [s for s in f.ctype.nested() if s not in out]
        return out + [self]

    def check(self, values: dict, where: str) -> None:
        """Raise ValueError unless `values` fills exactly these fields with values of their types."""
        names = [f.name for f in self.fields]
        missing = [n for n in names if n not in values]
        extra = [k for k in values if k not in names]
        if missing or extra:
            raise ValueError(f"{where}: {self.name} fields missing {missing}, unknown {extra}")
        for f in self.fields:
            v, at = values[f.name], f"{where}.{f.name}"
            if isinstance(f.ctype, Struct):
                if not isinstance(v, dict):
                    raise ValueError(f"{at}: expected the fields of {f.ctype.name}, got {type(v).__name__}")
                f.ctype.check(v, at)
            elif f.array:
                if v is None:
                    if not f.optional:
                        raise ValueError(f"{at}: array is required")
                elif not isinstance(v, np.ndarray) or v.dtype != NUMPY_DTYPES[ELEMENT_DTYPES[f.ctype]]:
                    raise ValueError(f"{at}: expected a numpy {ELEMENT_DTYPES[f.ctype]} array, got {v!r:.60}")
            else:
                lo, hi = INT_RANGES[f.ctype]
                if isinstance(v, (bool, np.ndarray)) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                    raise ValueError(f"{at}: {v!r:.60} is not a {f.ctype}")


@dataclass(frozen=True)
class Arg:
    """A pointer argument after the params: a tensor the kernel reads (input) or writes (output), the
    op's own state kept between invokes (state: sized by the lowering, micro.arena.state, reset by
    `<name>_reset()`), or the scratch buffer the planner sizes. ctype is the element type ("void" for
    kernels that move bytes of any type); optional inputs may be NULL.

    count: a variadic argument, N tensors passed as an array of N pointers (`const int8_t *const
    *inputs`), N held in the params field named `count`. At most one per role.
    in_place: an input the kernel also writes, a state (variable) tensor it updates in place (SVDF's
    activation state, LSTM's hidden and cell state): passed without const."""

    name: str
    role: str          # "input" | "output" | "state" | "scratch"
    ctype: str
    doc: str
    optional: bool = False
    count: str | None = None
    in_place: bool = False

    @property
    def variadic(self) -> bool:
        return self.count is not None

    @property
    def read_only(self) -> bool:
        """Passed as a pointer to const: the inputs the kernel does not update in place."""
        return self.role == "input" and not self.in_place

    @property
    def declaration(self) -> str:
        if self.role in ("state", "scratch"):
            return f"void *{self.name}"
        const = "const " if self.read_only else ""
        if self.variadic:
            return f"{const}{self.ctype} *const *{self.name}"
        return f"{const}{self.ctype} *{self.name}"


@dataclass(frozen=True)
class Kernel:
    """A C function of micro/kernels_c/<source>: `void func(const params *p, args...)`.

    variants: (kernel set, file) pairs: another implementation of the same function and ABI in
    micro/kernels_c/<file>, compiled instead of `source` when a program is built with that kernel set
    (micro.kernels.sets, e.g. "hifi4"); every other kernel set compiles `source`."""

    func: str
    source: str
    params: Struct | None
    args: tuple[Arg, ...]
    doc: str
    variants: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        roles = [a.role for a in self.args]
        if roles != sorted(roles, key=ROLES.index):
            raise ValueError(f"{self.func}: arguments must be inputs, then outputs, state, scratch")
        for text in (self.doc, *(a.doc for a in self.args)):
            if "*/" in text:
                raise ValueError(f"{self.func}: '*/' in a doc string")
        if any(a.in_place and a.role != "input" for a in self.args):
            raise ValueError(f"{self.func}: only inputs can be updated in place")
        for role in ("input", "output"):
            variadic = [a for a in self.role(role) if a.variadic]
            if len(variadic) > 1:
                raise ValueError(f"{self.func}: more than one variadic {role} argument")
            for a in variadic:
                counts = [f for f in (self.params.fields if self.params else ()) if f.name == a.count]
                if not counts or counts[0].array or isinstance(counts[0].ctype, Struct):
                    raise ValueError(f"{self.func}: variadic '{a.name}' needs the scalar params field "
                                     f"'{a.count}' for its count")

    def source_for(self, kernel_set: str) -> str:
        """The C file that implements this kernel in `kernel_set`."""
        return dict(self.variants).get(kernel_set, self.source)

    def role(self, role: str) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.role == role)

    def group(self, role: str, tensors, params: dict | None = None) -> list[tuple[Arg, list]]:
        """Split a call's flat list of `role` tensors into [(Arg, [tensors])] in argument order: one tensor
        per argument, a run of them for the variadic one (its count checked against `params`)."""
        args, tensors = self.role(role), list(tensors)
        variadic = [a for a in args if a.variadic]
        n = len(tensors) - (len(args) - len(variadic))
        if not variadic and n != 0 or variadic and n < 1:
            least = f"at least {len(args)}" if variadic else str(len(args))
            raise ValueError(f"{self.func} takes {least} {role}s, got {len(tensors)}")
        if variadic and params is not None and params.get(variadic[0].count) != n:
            raise ValueError(f"{self.func}: {variadic[0].count} is {params.get(variadic[0].count)} but "
                             f"{n} tensors are passed as '{variadic[0].name}'")
        out, k = [], 0
        for a in args:
            take = n if a.variadic else 1
            out.append((a, tensors[k:k + take]))
            k += take
        return out

    @property
    def inputs(self) -> tuple[Arg, ...]:
        return self.role("input")

    @property
    def outputs(self) -> tuple[Arg, ...]:
        return self.role("output")

    @property
    def has_scratch(self) -> bool:
        return bool(self.role("scratch"))

    @property
    def has_state(self) -> bool:
        return bool(self.role("state"))

    @property
    def prototype(self) -> str:
        params = [f"const {self.params.name} *p"] if self.params else []
        return f"void {self.func}({', '.join(params + [a.declaration for a in self.args])})"

    def check_params(self, values: dict | None) -> None:
        if self.params is None:
            if values:
                raise ValueError(f"{self.func} takes no params, got {sorted(values)}")
            return
        self.params.check(values or {}, self.func)


def int_array(values, dtype=np.int32) -> np.ndarray:
    """A contiguous 1-D numpy array for an array field (int32 unless told)."""
    return np.ascontiguousarray(np.asarray(values, dtype=dtype).ravel())

"""Op registry: one module per TFLite op, discovered by its KIND constant."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from micro.ir import Graph, Op

_REGISTRY: dict[str, ModuleType] | None = None


def registry() -> dict[str, ModuleType]:
    global _REGISTRY
    if _REGISTRY is None:
        found = {}
        for info in pkgutil.iter_modules(__path__):
            if info.name.startswith("_") or info.name in ("base",):
                continue
            mod = importlib.import_module(f"{__name__}.{info.name}")
            for kind in getattr(mod, "KINDS", (getattr(mod, "KIND", None),)):
                if kind:
                    found[kind] = mod
        _REGISTRY = dict(sorted(found.items()))
    return _REGISTRY


def supported_kinds() -> list[str]:
    return list(registry())


def module_for(op: Op):
    return registry().get(op.kind)


def check_op(op: Op, g: Graph) -> list[str]:
    mod = module_for(op)
    if mod is None:
        return [f"no kernel for {op.kind}"]
    return mod.check(op, g)

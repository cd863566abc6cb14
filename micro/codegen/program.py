"""Several compiled models in one program (firmware, library or host build).

Each model's own symbols already carry its name (`<name>_invoke`, `<name>_conv3_filter`, its static arena), so
two models link side by side; what they share is the kernels. emit_c_program renders every model and puts
one mn_kernels.h declaring the kernels of all of them (each model's emit_c declares only its own), and the
union of the kernel sources, so each kernel is compiled and linked once."""

from __future__ import annotations

from micro.codegen.emit import GeneratedFiles, emit_c, used_kernels
from micro.codegen.kernel_header import HEADER_NAME, kernel_header, kernel_sources
from micro.compiler import Compiled
from micro.errors import MicroError


def emit_c_program(models: list[Compiled], source_names: list[str | None] | None = None) -> GeneratedFiles:
    """The generated files of every model, one shared mn_kernels.h and each kernel source once. The models'
    names must differ (they prefix every symbol): name them when reading (micro.frontend.read_model)."""
    names = [c.name for c in models]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise MicroError(f"two models in one program are both named {', '.join(clash)}: their symbols would "
                         "clash; give each its own name (read_model(buf, name))")
    source_names = source_names or [None] * len(models)
    files: dict[str, str] = {}
    kernels = []
    for compiled, source in zip(models, source_names):
        generated = emit_c(compiled, source)
        files.update({f: text for f, text in generated.files.items() if f != HEADER_NAME})
        kernels += [k for k in used_kernels(compiled) if k not in kernels]
    files[HEADER_NAME] = kernel_header(kernels)
    return GeneratedFiles(files, kernel_sources(kernels))

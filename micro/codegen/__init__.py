"""C code generation from a compiled model (Jinja2 templates, StrictUndefined)."""

from micro.codegen.emit import GeneratedFiles, emit_c, write_c

__all__ = ["GeneratedFiles", "emit_c", "write_c"]

"""`micro export arduino`: compile the model, make its Arduino library (micro.deploy.arduino.library), write it
as a folder or as a ZIP with one top-level folder and fixed timestamps (the same model gives the same bytes),
and check the ZIP against the specification (micro.deploy.arduino.check).

Public API (used by micro.cli)::

    export_arduino(model_path, output_zip, board="nano33ble", labels=None, ...) -> ExportResult
    write_library(lib, folder) -> Path;  write_zip(lib, zip_path) -> Path
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micro.compiler import compile_model
from micro.deploy.arduino.check import check_zip
from micro.deploy.arduino.library import EXAMPLES, ArduinoLibrary, arduino_library
from micro.deploy.arduino.library_info import ExportError, library_info
from micro.deploy.boards import Board, get_board
from micro.frontend import load_model
from micro.frontend.metadata import resolve_metadata

_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def write_library(lib: ArduinoLibrary, folder: str | os.PathLike) -> Path:
    """Write the library as <folder>/<name>/...; returns that library root."""
    root = Path(folder) / lib.info.name
    for rel in sorted(lib.files):
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(lib.read(rel))
    return root


def write_zip(lib: ArduinoLibrary, zip_path: str | os.PathLike) -> Path:
    """One top-level folder <name>/; fixed timestamps and order, so the same model gives the same bytes."""
    path = Path(zip_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        dirs = sorted({"/".join(rel.split("/")[:i]) for rel in lib.files for i in range(1, rel.count("/") + 1)})
        entries = [(f"{lib.info.name}/", None)] + [(f"{lib.info.name}/{d}/", None) for d in dirs] + \
                  [(f"{lib.info.name}/{rel}", rel) for rel in sorted(lib.files)]
        for arcname, rel in entries:
            zi = zipfile.ZipInfo(arcname, _ZIP_DATE)
            if rel is None:
                zi.external_attr = (0o40755 << 16) | 0x10
                z.writestr(zi, b"")
            else:
                zi.external_attr = 0o100644 << 16
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, lib.read(rel))
    path.write_bytes(buf.getvalue())
    return path


@dataclass
class ExportResult:
    zip_path: Path
    library: ArduinoLibrary
    metadata: object


def load_sample(path: str | os.PathLike, compiled) -> list[np.ndarray]:
    try:
        data = np.load(path)
    except (OSError, ValueError) as e:
        raise ExportError(f"cannot read sample {path}: {e}") from None
    if isinstance(data, np.lib.npyio.NpzFile):
        g = compiled.graph
        return [data[str(k)] if str(k) in data else data[g.tensors[t].name] for k, t in enumerate(g.inputs)]
    return [data]


def export_arduino(model_path: str | os.PathLike, output: str | os.PathLike | None = None,
                   board: str | Board = "nano33ble", labels: str | os.PathLike | None = None,
                   name: str | None = None, version: str | None = None, author: str | None = None,
                   maintainer: str | None = None, url: str | None = None,
                   sample: str | os.PathLike | None = None, log=print) -> ExportResult:
    board = get_board(board)
    path = Path(model_path)
    model_bytes = path.read_bytes()
    compiled = compile_model(load_model(path))
    metadata = resolve_metadata(model_bytes, compiled, labels)
    for w in metadata.warnings:
        log(f"warning: {w}")
    info = library_info(compiled, metadata, name=name, version=version, author=author, maintainer=maintainer,
                        url=url, output=output)
    out = Path(output) if output else Path(f"{info.name}.zip")
    samples = load_sample(sample, compiled) if sample else None
    lib = arduino_library(compiled, board, metadata, info, source_name=path.name, sample=samples,
                          sample_note=f"from {Path(sample).name}" if sample else None)
    write_zip(lib, out)
    problems = check_zip(out)
    if problems:
        raise ExportError(f"{out} does not follow the Arduino library specification:\n"
                          + "\n".join(f"  - {p}" for p in problems))
    log(f"{out}: Arduino library {info.name} {info.version} ({len(lib.files)} files) for {compiled.name}")
    log(f"  #include <{info.header}>; examples: {', '.join(EXAMPLES)}")
    log(f"  {lib.kernels.summary()}")
    if not info.url:
        log("  library.properties has no url: micro does not know the project's page (give it with --url)")
    lab = metadata.labels
    if lab:
        log(f"  labels: {len(lab[1])} ({metadata.labels_source or 'model metadata'}) as {compiled.name}_labels[]")
    log(f"  install: Arduino IDE > Sketch > Include Library > Add .ZIP Library, or "
        f"arduino-cli lib install --zip-path {out}")
    return ExportResult(out, lib, metadata)

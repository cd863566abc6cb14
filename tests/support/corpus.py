"""The shared corpus as test parameters, and the real models micro must pass.

Every corpus-driven parametrization goes through `corpus_models` (glob patterns) or
`shared_models` (names): a missing folder, a pattern that matches nothing or a missing named
model raises `MissingCorpusError` while pytest collects, with a message naming MICRO_SHARED and
the path. A wrong MICRO_SHARED is then a loud collection error, never a test parametrized over
nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from support.paths import MODELS, OPS

# The real models micro must compile and verify bit-exact: explicit, never discovered.
MUST_PASS = [
    "mlperf_tiny_kws_ref_model", "mlperf_tiny_ic_resnet8_quant", "mlperf_tiny_ic_resnet_large_int8",
    "mlperf_tiny_sww_ref_model", "mlzoo_ds_cnn_s_int8", "mlzoo_micronet_vww2_50x50_int8",
    "tflm_micro_speech_quantized", "tflm_hello_world_int8", "tflm_person_detect", "tflm_simple_add_int8",
    "tflm_xtensa_mobilenet_v2_int8_1x3x224x224", "mww_alexa_stream_int8",
]
# The MUST_PASS models too big for a quick run (their whole-model tests are marked slow).
LARGE = {"tflm_xtensa_mobilenet_v2_int8_1x3x224x224", "mlperf_tiny_ic_resnet_large_int8"}


class MissingCorpusError(FileNotFoundError):
    """A corpus folder or model a test is parametrized over does not exist."""


def _missing(what: str, path: Path) -> MissingCorpusError:
    setting = os.environ.get("MICRO_SHARED")
    where = f"MICRO_SHARED={setting}" if setting else "MICRO_SHARED is not set (default: shared/ next to the repo)"
    return MissingCorpusError(f"{what}: {path} ({where}; point MICRO_SHARED at the shared/ folder)")


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise _missing("corpus folder not found", folder)


def corpus_models(*patterns: str, folder: Path = OPS) -> list[Path]:
    """The models in `folder` matching any of the glob `patterns`, sorted; each pattern must match."""
    _require_folder(folder)
    found: set[Path] = set()
    for pattern in patterns:
        matches = set(folder.glob(pattern))
        if not matches:
            raise _missing(f"no model matches {pattern!r}", folder / pattern)
        found |= matches
    return sorted(found)


def shared_models(names, folder: Path = MODELS) -> list[Path]:
    """The paths of the named models (file stems) in `folder`, in the given order; each must exist."""
    _require_folder(folder)
    paths = [folder / f"{name}.tflite" for name in names]
    for path in paths:
        if not path.is_file():
            raise _missing("expected model not found", path)
    return paths


def shared_model(name: str, folder: Path = MODELS) -> Path:
    """The path of one named model (file stem) in `folder`, which must exist."""
    (path,) = shared_models([name], folder)
    return path

"""Per-op time of a model's invoke on this machine (`micro profile --board host`): the generated C built with
MN_PROFILE and a timestamp at every mark (micro/profile/mn_profile_host.c, CLOCK_MONOTONIC), invoked
repeatedly; each op's figure is the median over the runs of the time between its mark and the next, minus
the median cost of one mark (the invoke's two marks in a row on entry). Wall time on a shared machine:
medians, not minima.

Public API (used by micro.profile.report and `micro profile`)::

    profile_on_host(compiled, inputs, runs=None, min_seconds=0.2) -> HostProfile
"""

from __future__ import annotations

import ctypes
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micro.codegen import emit_c
from micro.compiler import Compiled
from micro.errors import MicroError
from micro.lowered import CODE_CALLS
from micro.verify.host import HostModel

DRIVER = Path(__file__).resolve().parent / "mn_profile_host.c"
MIN_RUNS, MAX_RUNS = 11, 2001


@dataclass
class HostProfile:
    ops_ns: dict[int, float]        # by op index (kernel calls): median ns, one mark's cost subtracted
    invoke_ns: float                # median of the whole invoke, marks included
    mark_ns: float                  # median cost of one mark (what every op has subtracted)
    runs: int
    segments_ns: np.ndarray         # [runs, ops]: the raw time between consecutive marks (marks included)
    invokes_ns: np.ndarray          # [runs]: the whole invoke of each run


def _timed_runs(host: HostModel, runs: int, marks: int) -> tuple[np.ndarray, np.ndarray]:
    """(mark times since each invoke's start [runs, marks], whole invokes [runs]), ns."""
    stamps = np.zeros((runs, marks), dtype=np.int64)
    invokes = np.zeros(runs, dtype=np.int64)
    i64p = ctypes.POINTER(ctypes.c_int64)
    run = host.lib["mn_profile_host_run"]
    run.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32, i64p, i64p]
    run.restype = ctypes.c_int
    invoke = ctypes.cast(host.lib[f"{host.name}_invoke"], ctypes.c_void_p)
    if run(invoke, runs, marks, stamps.ctypes.data_as(i64p), invokes.ctypes.data_as(i64p)) != 0:
        raise MicroError(f"the profile build of {host.name} did not make {marks} marks per invoke")
    return stamps, invokes


def profile_on_host(compiled: Compiled, inputs: list[np.ndarray], runs: int | None = None,
                    min_seconds: float = 0.2) -> HostProfile:
    """runs: how many invokes (default: as many as fit in min_seconds, at least 11, at most 2001)."""
    calls = [low for low in compiled.lowered if isinstance(low.call, CODE_CALLS)]
    marks = 2 + len(calls) + 1   # two in a row on entry, one before each op, one after the last
    generated = emit_c(compiled)
    generated = dataclasses.replace(generated, files={**generated.files, DRIVER.name: DRIVER.read_text()})
    host = HostModel(compiled, generated, defines=("MN_PROFILE",))
    host.run(inputs)   # writes the inputs (an untimed first invoke)
    if runs is None:
        t0 = time.perf_counter()
        _timed_runs(host, 3, marks)   # warms caches and the branch predictor; sizes the run count
        each = max((time.perf_counter() - t0) / 3, 1e-7)
        runs = int(min(MAX_RUNS, max(MIN_RUNS, min_seconds / each)))
    if runs < 1:
        raise MicroError(f"--runs {runs}: must be 1 or more")
    stamps, invokes = _timed_runs(host, runs, marks)
    segments = np.diff(stamps[:, 2:], axis=1)       # [runs, ops]: the mark before an op to the next one
    mark = float(np.median(stamps[:, 1] - stamps[:, 0]))
    medians = np.median(segments, axis=0)
    ops = {low.op.index: max(0.0, float(medians[j]) - mark) for j, low in enumerate(calls)}
    return HostProfile(ops, float(np.median(invokes)), mark, runs, segments, invokes)

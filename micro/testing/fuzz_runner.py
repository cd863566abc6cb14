"""The parent side of the fuzz harness (micro.testing.fuzz): runs mutants in worker subprocesses, one batch
per process, and attributes every traceback, signal and hang to its (model, seed, index), which
`mutant(buf, seed_text(model, seed, index))` rebuilds exactly.

    run_campaign(models, mutants_per_model, seed, batch=200, timeout=60.0) -> FuzzReport

A worker that dies (signal, or any exit before finishing its batch) or stays silent past `timeout` seconds on
one mutant is recorded as a signal / hang on the mutant it had started; a new worker continues after it.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Finding:
    model: str
    seed: int
    index: int
    kind: str           # "traceback", "signal", "hang"
    mutation: str
    detail: str

    def __str__(self) -> str:
        return (f"{self.kind}: {self.model} seed {self.seed} mutant {self.index} ({self.mutation})\n"
                f"{self.detail}")


@dataclass
class FuzzReport:
    mutants: int = 0
    outcomes: Counter = field(default_factory=Counter)    # ok / error / traceback / signal / hang
    findings: list[Finding] = field(default_factory=list)
    peak_rss_kb: int = 0
    slowest_seconds: float = 0.0
    slowest: str = ""        # which mutant was slowest: model, seed, index, mutation
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        o = self.outcomes
        return (f"{self.mutants} mutants in {self.seconds:.0f} s: {o['ok']} compiled, {o['error']} clean errors, "
                f"{o['traceback']} tracebacks, {o['signal']} signals, {o['hang']} hangs; "
                f"peak worker RSS {self.peak_rss_kb / 1024:.0f} MiB; slowest mutant {self.slowest_seconds:.2f} s "
                f"({self.slowest})")


def _reader(stream, q: queue.Queue) -> None:
    for line in stream:
        q.put(line)
    q.put(None)


def _run_batch(model: Path, seed: int, start: int, count: int, timeout: float, report: FuzzReport,
               oracle: bool = False) -> int:
    """Run mutants from `start` until the batch ends or the worker fails; returns the next index to run."""
    env = dict(os.environ, PYTHONFAULTHANDLER="")
    proc = subprocess.Popen([sys.executable, "-m", "micro.testing.fuzz", str(model), str(seed), str(start),
                             str(count), *(["oracle"] if oracle else [])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    q: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True).start()
    err_lines: list[str] = []
    threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True).start()
    current, mutation, nxt = None, "", start
    warmup = timeout * 5  # imports and the unmutated model first
    while True:
        try:
            line = q.get(timeout=warmup if current is None and nxt == start else timeout)
        except queue.Empty:
            proc.kill()
            proc.wait()
            if current is None:
                raise RuntimeError(f"fuzz worker for {model.name} did not start: {''.join(err_lines)[-2000:]}")
            report.findings.append(Finding(model.stem, seed, current, "hang", mutation,
                                           f"no answer within {timeout:.0f} s"))
            report.outcomes["hang"] += 1
            report.mutants += 1
            return current + 1
        if line is None:
            break
        msg = json.loads(line)
        if "start" in msg:
            current, mutation = msg["start"], msg["mutation"]
            continue
        report.mutants += 1
        report.outcomes[msg["outcome"]] += 1
        report.peak_rss_kb = max(report.peak_rss_kb, msg["maxrss_kb"])
        if msg["seconds"] > report.slowest_seconds:
            report.slowest_seconds = msg["seconds"]
            report.slowest = f"{model.stem} seed {seed} mutant {msg['done']} ({mutation})"
        if msg["outcome"] == "traceback":
            report.findings.append(Finding(model.stem, seed, msg["done"], "traceback", mutation, msg["detail"]))
        current, nxt = None, msg["done"] + 1
    code = proc.wait()
    if current is not None:  # died in the middle of a mutant
        report.findings.append(Finding(model.stem, seed, current, "signal", mutation,
                                       f"worker exit code {code}; stderr: {''.join(err_lines)[-2000:]}"))
        report.outcomes["signal"] += 1
        report.mutants += 1
        return current + 1
    if code != 0:
        raise RuntimeError(f"fuzz worker for {model.name} failed outside a mutant (exit {code}): "
                           f"{''.join(err_lines)[-2000:]}")
    return nxt


def run_campaign(models: list[Path], mutants_per_model: int, seed: int = 0, batch: int = 200,
                 timeout: float = 60.0, log=None, oracle: bool = False) -> FuzzReport:
    """`oracle`: each mutant also has TFLM's arena measured (out of process, as `micro inspect` does)."""
    report = FuzzReport()
    t0 = time.monotonic()
    for model in models:
        k = 0
        while k < mutants_per_model:
            k = _run_batch(Path(model), seed, k, min(batch, mutants_per_model - k), timeout, report, oracle)
        report.seconds = time.monotonic() - t0
        if log:
            log(f"{Path(model).stem}: {report.summary()}")
    return report

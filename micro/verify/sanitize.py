"""The generated C under AddressSanitizer and UndefinedBehaviorSanitizer, in a process of its own.

    run_sanitized(compiled, sets, guard=True) -> list of outputs per input set

builds the model with `-fsanitize=address,undefined -fno-sanitize-recover=all` into a small executable
(micro.verify.host.build_executable), feeds it the input sets on stdin and reads the outputs from stdout. Any
sanitizer report (an out-of-bounds access, a signed overflow, a misaligned load, a shift out of range) kills
the run and becomes a MicroError carrying the report.

ASan sees only the edges of the arena (one array): an overrun from one arena buffer into the next is
invisible to it. With `guard=True` the model is laid out with a guarded plan (micro.arena.guarded: every
buffer apart, GUARD_BYTES of a known pattern between them) and the runner checks every guard after each op
(through the MN_TRACE hook), naming the op and the buffer whose guard was overwritten.
"""

from __future__ import annotations

import dataclasses
import subprocess

import numpy as np

from micro.arena.guarded import GUARD_BYTE, guarded_plan
from micro.codegen import emit_c
from micro.codegen.escape import c_string
from micro.compiler import Compiled
from micro.dtypes import NUMPY_DTYPES
from micro.errors import MicroError
from micro.verify.host import build_executable

SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"]
SANITIZE_ENV = {"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0:exitcode=86",
                "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=87"}

_RUNNER = r"""/* Sanitizer runner for {name}: reads input sets from stdin, writes outputs to stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "{name}.h"

static const long in_bytes[] = {{ {in_bytes} }};
static const long out_bytes[] = {{ {out_bytes} }};
static const long guards[][2] = {{ {guards} }}; /* arena offset, length */
static const char *const guard_owner[] = {{ {owners} }};
static const int n_guards = {n_guards};

static void check_guards(int op, int tensor, const void *data, size_t n)
{{
    const unsigned char *arena = {name}_arena();
    int g;
    long k;
    (void)data;
    (void)n;
    for (g = 0; g < n_guards; g++)
        for (k = 0; k < guards[g][1]; k++)
            if (arena[guards[g][0] + k] != {guard_byte}) {{
                fprintf(stderr, "GUARD: op #%d (writing tensor %d) overwrote the guard after %s at arena byte %ld\n",
                        op, tensor, guard_owner[g], guards[g][0] + k);
                exit(88);
            }}
}}

int main(int argc, char **argv)
{{
    long sets = argc > 1 ? atol(argv[1]) : 1, s;
    int i;
    {name}_init();
    if (n_guards) {{
        unsigned char *arena = {name}_arena();
        int g;
        for (g = 0; g < n_guards; g++)
            memset(arena + guards[g][0], {guard_byte}, (size_t)guards[g][1]);
        {name}_trace_hook = check_guards;
    }}
    for (s = 0; s < sets; s++) {{
        for (i = 0; i < {name_upper}_NUM_INPUTS; i++)
            if (fread({name}_input(i), 1, (size_t)in_bytes[i], stdin) != (size_t)in_bytes[i])
                return 2;
        {name}_invoke();
        for (i = 0; i < {name_upper}_NUM_OUTPUTS; i++)
            fwrite({name}_output(i), 1, (size_t)out_bytes[i], stdout);
    }}
    return 0;
}}
"""


def _runner_source(compiled: Compiled, guards: list[tuple[int, int, str]]) -> str:
    g = compiled.graph
    name = compiled.name
    return _RUNNER.format(
        name=name, name_upper=name.upper(),
        in_bytes=", ".join(str(g.tensors[t].nbytes) for t in g.inputs),
        out_bytes=", ".join(str(g.tensors[t].nbytes) for t in g.outputs),
        guards=", ".join(f"{{{off}, {n}}}" for off, n, _ in guards) or "{0, 0}",
        owners=", ".join(c_string(owner) for _, _, owner in guards) or '""',
        n_guards=len(guards), guard_byte=GUARD_BYTE)


def run_sanitized(compiled: Compiled, sets: list[list[np.ndarray]], guard: bool = True,
                  timeout: float = 600.0) -> list[list[np.ndarray]]:
    """The outputs of every input set, computed by the generated C built with ASan and UBSan (and arena
    guards when `guard`). A sanitizer report or an overwritten guard is a MicroError with the report."""
    guards: list[tuple[int, int, str]] = []
    if guard:
        plan, guards = guarded_plan(compiled.plan)
        compiled = dataclasses.replace(compiled, plan=plan)
    generated = emit_c(compiled)
    exe = build_executable(generated, compiled.name, {"mn_sanitize_main.c": _runner_source(compiled, guards)},
                           extra_flags=SANITIZE_FLAGS, defines=["MN_TRACE"] if guard else [],
                           opt="-O0")  # -O0: a third of -O1's build time, every check still in place
    g = compiled.graph
    stdin = b"".join(np.ascontiguousarray(x, dtype=NUMPY_DTYPES[g.tensors[t].dtype]).tobytes()
                     for inputs in sets for x, t in zip(inputs, g.inputs))
    env = dict(SANITIZE_ENV)
    try:
        res = subprocess.run([str(exe), str(len(sets))], input=stdin, capture_output=True, timeout=timeout,
                             env=env)
    except subprocess.TimeoutExpired:
        raise MicroError(f"{compiled.name}: the sanitized build did not finish within {timeout:.0f} s") from None
    if res.returncode != 0:
        report = res.stderr.decode("utf-8", "replace")[-4000:]
        raise MicroError(f"{compiled.name}: the sanitized build failed (exit {res.returncode}):\n{report}")
    out, pos, results = res.stdout, 0, []
    for _ in sets:
        outs = []
        for t_idx in g.outputs:
            t = g.tensors[t_idx]
            outs.append(np.frombuffer(out[pos:pos + t.nbytes], dtype=NUMPY_DTYPES[t.dtype]).reshape(t.shape))
            pos += t.nbytes
        results.append(outs)
    return results

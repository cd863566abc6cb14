"""Per model on the emulated Cortex-M4 (QEMU mps2-an386): exact instructions per invoke of our portable kernels
(the same Cortex-M4 build with __ARM_FEATURE_DSP undefined) and of our Arm DSP kernels, next to TFLM's
(reference kernels and CMSIS-NN, /work/shared/notes/tflm-m4-per-op.jsonl), with MACs per instruction and an
estimated MAC/cycle.

    python benchmarks/dsp_table.py [--per-op] [--no-portable] [model stem ...]

Each build is a self-test firmware that checks its outputs bit-exact against the host build (itself checked
against the TFLM oracle) on 2 input sets (the shared data's first real one where it has one, and a random one).
With --per-op, the op boundaries of the invoke get instruction-count markers too, and one line per op
follows the model's row (ours DSP, ours portable, TFLM+CMSIS-NN, MACs).

Estimated MAC/cycle: instructions are not cycles (QEMU counts instructions only). The estimate takes 1.5
cycles per instruction on a Cortex-M4 with zero-wait-state memory, from the M4 timings of the code that
dominates: the packed convolution's loop is 13 instructions and 22 cycles per 16 MACs (LDM of 4 registers
5 cycles, LDR 2, SXTB16 / SMLAD 1), about 1.7 cycles per instruction; the requantization, im2col and
depthwise code is mostly single-cycle ALU, multiply and pipelined loads, about 1.2-1.4.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))
from micro.codegen import emit_c  # noqa: E402
from micro.compiler import compile_model  # noqa: E402
from micro.deploy.budget import board_budgets  # noqa: E402
from micro.deploy.boards import get_board  # noqa: E402
from micro.deploy.firmware import build_firmware, selftest_vectors  # noqa: E402
from micro.deploy.qemu import run_selftest  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.verify.compare import random_inputs  # noqa: E402
from support.corpus import MUST_PASS  # noqa: E402
from support.datasets import real_inputs  # noqa: E402

SHARED = Path(os.environ.get('MICRO_SHARED', ROOT.parent / 'shared'))
CPI_ESTIMATE = 1.5
BOARD = 'mps2_an386'


def tflm_figures() -> dict:
    out = {}
    path = SHARED / 'notes' / 'tflm-m4-per-op.jsonl'
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                out[(r['model'], r['kernels'])] = r
    return out


def per_op_sources(generated, name: str):
    """The generated files with an end/begin marker pair after every op of the invoke (at its trace point)."""
    files = dict(generated.files)
    src = files[f'{name}.c']
    head = '#include "mn_kernels.h"\n'
    src = src.replace(head, head + 'void mn_cost_begin(void);\nvoid mn_cost_end(void);\n', 1)
    body_at = src.index(f'void {name}_invoke(void)')
    body = re.sub(r'^(\s*)MN_TRACE_TENSOR\(.*\);$', r'\1mn_cost_end(); mn_cost_begin();', src[body_at:],
                  flags=re.M)
    files[f'{name}.c'] = src[:body_at] + body
    return dataclasses.replace(generated, files=files)


def run(compiled, vectors, board, generated=None):
    fw = build_firmware(compiled, board, variant='selftest', vectors=vectors, builder='gcc', generated=generated)
    r = run_selftest(fw, timeout=1200)
    if r.exit_code != 0:
        raise SystemExit(f'{compiled.name} on {board.name}: self-test FAILED\n{r.uart_text}')
    return r.instructions, fw.memory


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('models', nargs='*')
    ap.add_argument('--per-op', action='store_true')
    ap.add_argument('--no-portable', action='store_true')
    ap.add_argument('--json', help='also write the rows here')
    args = ap.parse_args()
    dsp_board = get_board(BOARD)
    portable_board = dataclasses.replace(dsp_board, cflags=dsp_board.cflags + ('-U__ARM_FEATURE_DSP',), dsp=False)
    tflm = tflm_figures()
    rows = []
    head = ('model', 'MACs', 'ours portable', 'ours DSP', 'TFLM ref', 'TFLM+CMSIS-NN', 'DSP/CMSIS-NN',
            'MAC/insn', 'est. MAC/cycle')
    print('| ' + ' | '.join(head) + ' |\n|' + '---|' * len(head), flush=True)
    for name in args.models or MUST_PASS:
        path = SHARED / 'models' / f'{name}.tflite'
        compiled = compile_model(load_model(path), **board_budgets("mps2_an386"))  # as `micro build --board`
        rng = np.random.default_rng(99)
        sets = real_inputs(name)[:1] + [random_inputs(compiled.graph, rng)]
        vectors = selftest_vectors(compiled, sets, path.read_bytes())
        dsp, _ = run(compiled, vectors, dsp_board)
        port = None if args.no_portable else run(compiled, vectors, portable_board)[0]
        ref = tflm.get((name, 'tflm_reference'), {}).get('total_instructions')
        cm = tflm.get((name, 'tflm_cmsis_nn'), {}).get('total_instructions')
        row = dict(model=name, macs=compiled.macs, portable=max(port) if port else None, dsp=max(dsp),
                   tflm_reference=ref, tflm_cmsis_nn=cm)
        rows.append(row)

        def f(x):
            return f'{x:,}' if x else '-'
        print('| ' + ' | '.join([name, f(compiled.macs), f(row['portable']), f(row['dsp']), f(ref), f(cm),
                                 f'{row["dsp"] / cm:.2f}' if cm else '-', f'{compiled.macs / row["dsp"]:.3f}',
                                 f'{compiled.macs / row["dsp"] / CPI_ESTIMATE:.3f}']) + ' |', flush=True)
        if args.per_op:
            generated = per_op_sources(emit_c(compiled, path.name), compiled.name)
            ops_dsp, _ = run(compiled, vectors, dsp_board, generated)
            ops_port = None if args.no_portable else run(compiled, vectors, portable_board, generated)[0]
            cm_ops = tflm.get((name, 'tflm_cmsis_nn'), {}).get('per_op', [])
            cm_by_index = {o['index']: o['instructions'] for o in cm_ops}
            row['per_op'] = []
            for k, low in enumerate(compiled.lowered):
                call = low.call
                if not hasattr(call, 'kernel'):
                    continue  # a view: no code
                entry = dict(index=low.op.index, op=low.op.kind, kernel=call.func, macs=call.macs,
                             dsp=ops_dsp[k], portable=ops_port[k] if ops_port else None,
                             cmsis_nn=cm_by_index.get(low.op.index))
                row['per_op'].append(entry)
                print(f'    op {entry["index"]} {entry["op"]}: MACs {entry["macs"]:,} DSP {entry["dsp"]:,} '
                      f'portable {entry["portable"] or "-"} CMSIS-NN {entry["cmsis_nn"] or "-"} '
                      f'MAC/insn {entry["macs"] / entry["dsp"]:.2f}', flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())

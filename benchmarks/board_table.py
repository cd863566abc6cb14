"""Per model on the emulated Cortex-M4 (QEMU mps2-an386): exact instructions per invoke, MACs per
instruction, flash (code vs weights) and RAM (arena vs the rest) of the harness firmware (the firmware's
memory as micro.deploy.elf.FirmwareMemory reads it from the ELF, like `micro build` and `micro firmware`).

    python benchmarks/board_table.py [model stem ...]

Each model runs 2 real (where the shared data has them) and 2 random input sets, verified bit-exact with
the host build and TFLM; instruction counts come from micro's QEMU plugin and repeat exactly.
"""
import os
import json
import sys
import time
from pathlib import Path

import numpy as np
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))
from micro.frontend import load_model
from micro.compiler import compile_model
from micro.verify.compare import random_inputs
from micro.verify.board import verify_on_board
from support.datasets import real_inputs
from support.corpus import MUST_PASS
M = Path(os.environ.get('MICRO_SHARED', ROOT.parent / 'shared')) / 'models'
rows=[]
names = sys.argv[1:] or MUST_PASS
for name in names:
    c=compile_model(load_model(M/f'{name}.tflite'))
    rng=np.random.default_rng(99)
    sets=real_inputs(name)[:2]+[random_inputs(c.graph,rng) for _ in range(2)]
    t=time.time()
    r=verify_on_board(c,(M/f'{name}.tflite').read_bytes(),sets,'mps2_an386',host_all_tensors=False, invoke_timeout=1200)
    m=r.memory
    row=dict(model=name, ok=r.ok, sets=r.inputs_run, macs=c.macs, insn_min=min(r.instructions), insn_max=max(r.instructions),
             mac_per_insn=round(c.macs/max(r.instructions),3), code=m.code, weights=m.weights, arena=m.arena, other_ram=m.other_ram,
             stack_reserved=m.stack_reserved, stack_used=r.stack_used, seconds=round(time.time()-t,1))
    print(json.dumps(row), flush=True)

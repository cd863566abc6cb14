"""Activations and conversions on the emulated Cortex-M4 (QEMU mps2-an386): exact instructions per
invoke of one single-op model per kernel family, 1024 elements each, verified bit-exact with TFLM.

    python benchmarks/activation_table.py
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np
from micro.compiler import compile_model
from micro.frontend import read_model
from micro.testing.layers_activation import unary_model, prelu_model
from micro.verify.board import verify_on_board
from micro.verify.compare import random_inputs

N = 1024
cases = [
    ("LOGISTIC int8 (table)", unary_model("LOGISTIC", (1, N), "int8", "int8", (0.08, 3), (1/256, -128))),
    ("TANH int8 (table)", unary_model("TANH", (1, N), "int8", "int8", (0.08, 3), (1/128, 0))),
    ("HARD_SWISH int8 (table)", unary_model("HARD_SWISH", (1, N), "int8", "int8", (0.05, 3), (0.04, -90))),
    ("QUANTIZE int8->uint8 (table)", unary_model("QUANTIZE", (1, N), "int8", "uint8", (0.05, 3), (0.04, 120))),
    ("QUANTIZE int16->int8 (requantize)", unary_model("QUANTIZE", (1, N), "int16", "int8", (0.000625, 0), (0.0592, -128))),
    ("LEAKY_RELU int16 (requantize)", unary_model("LEAKY_RELU", (1, N), "int16", "int16", (0.001, 0), (0.001, 0), {"alpha": 0.2})),
    ("LOGISTIC int16", unary_model("LOGISTIC", (1, N), "int16", "int16", (2.0**-12, 0), (2.0**-15, 0))),
    ("TANH int16", unary_model("TANH", (1, N), "int16", "int16", (1/3000, 0), (2.0**-15, 0))),
    ("SOFTMAX int16 4x256", unary_model("SOFTMAX", (4, 256), "int16", "int16", (0.001, 0), (1/32768, 0), {"beta": 1.0})),
    ("PRELU int8 alpha[16]", prelu_model((1, 64, 16), (16,), "int8", (0.05, 3), (0.01, 0), (0.05, 0), np.arange(-8, 8) * 9)),
    ("CAST int16->int32", unary_model("CAST", (1, N), "int16", "int32", None, None)),
]
print("| op (1024 elements) | instructions per invoke | per element |")
print("|---|---|---|")
for name, buf in cases:
    c = compile_model(read_model(buf, "b"))
    sets = [random_inputs(c.graph, np.random.default_rng(0))]
    rep = verify_on_board(c, buf, sets, "mps2_an386", host_all_tensors=False)
    assert rep.ok, rep.summary()
    n = rep.instructions_per_invoke
    print(f"| {name} | {n:,} | {n / N:.1f} |")

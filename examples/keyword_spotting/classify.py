"""Keyword spotting from audio to label with the compiled MLPerf Tiny KWS model.

    python examples/keyword_spotting/classify.py [--board host|mps2_an386] [--model kws.tflite] [wav ...]

Compiles the model with micro, computes MFCC features for each 16 kHz wav, runs the compiled model on the
chosen board (the host build, or firmware on an emulated Cortex-M4 in QEMU, fed over its UART), prints the
label (and the instructions of the invoke on a board), and checks the scores against TFLM byte for byte.
The features are computed in numpy on the host, approximately; for keyword spotting from raw audio on the
device (TFLM's micro_speech pipeline, features computed in firmware) see kws.py and README.md here.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

import features  # noqa: E402

from micro.codegen import emit_c  # noqa: E402
from micro.compiler import compile_model  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.verify.host import HostModel  # noqa: E402

LABELS = ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes", "silence", "unknown"]
SHARED = Path(os.environ.get("MICRO_SHARED", HERE.parent.parent.parent / "shared"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(SHARED / "models" / "mlperf_tiny_kws_ref_model.tflite"))
    ap.add_argument("--board", default="host", help="host, or a board from `micro boards` (e.g. mps2_an386)")
    ap.add_argument("wavs", nargs="*", help="16 kHz 16-bit wav files (default: the shared yes/no clips)")
    args = ap.parse_args()
    wavs = args.wavs or [str(SHARED / "data" / "tflm_micro_speech" / f) for f in ("yes_1000ms.wav", "no_1000ms.wav")]

    compiled = compile_model(load_model(args.model))
    if args.board == "host":
        host = HostModel(compiled, emit_c(compiled))

        def run(x):
            (scores,), _ = host.run([x])
            return scores, ""
    else:
        from micro.verify.board import BoardSession

        session = BoardSession(compiled, args.board).__enter__()

        def run(x):
            result = session.run([x])
            cost = f", {result.instructions:,} instructions" if result.instructions else ""
            return result.outputs[0], f" on {args.board}{cost}"
    x_t = compiled.graph.tensors[compiled.graph.inputs[0]]
    y_t = compiled.graph.tensors[compiled.graph.outputs[0]]

    try:
        from micro.verify.oracle import Oracle
        oracle = Oracle(Path(args.model).read_bytes(), compiled.model)
    except Exception:  # the oracle is a test extra
        oracle = None

    for wav in wavs:
        q = features.quantize(features.mfcc(features.read_wav(wav)), x_t.quant.s, x_t.quant.zp)
        scores, where = run(q.reshape(x_t.shape))
        probs = (scores.astype(np.float32).ravel() - y_t.quant.zp) * y_t.quant.s
        top = int(np.argmax(probs))
        check = ""
        if oracle is not None:
            ref = oracle.run([q.reshape(x_t.shape)], [compiled.graph.outputs[0]])[compiled.graph.outputs[0]]
            check = "  (bit-exact with TFLM)" if np.array_equal(ref.ravel(), scores.ravel()) else "  (DIFFERS FROM TFLM)"
        print(f"{Path(wav).name}: {LABELS[top]} ({probs[top]:.2f}){where}{check}")
    if args.board != "host":
        session.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""TFLM's micro_speech audio preprocessor (shared tflm_audio_preprocessor_int8) on every shared wav, as a stream of
30 ms windows 20 ms apart: bit-exact on the host (every tensor and the noise-estimate state after every frame,
against TFLM) and on the emulated Cortex-M4 (QEMU mps2-an386: every output, board vs host vs TFLM), with the
exact instructions of each frame's invoke on the M4 (min / mean / max over the wav's frames).

    python benchmarks/audio_preprocessor_table.py [--board mps2_an386] [wav ...]

Prints a markdown table, one row per wav. (x86 instructions of ours against TFLM's interpreter on the same
frames: benchmarks/callgrind_invoke.py MODEL --input FRAMES.npy.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from micro.compiler import compile_model  # noqa: E402
from micro.frontend import load_model  # noqa: E402
from micro.verify.board import verify_on_board  # noqa: E402

from support.datasets import audio_frames, audio_wavs  # noqa: E402
from support.paths import MODELS  # noqa: E402

MODEL = MODELS / "tflm_audio_preprocessor_int8.tflite"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wavs", nargs="*", help="wav names in the shared data (default: all)")
    ap.add_argument("--board", default="mps2_an386")
    args = ap.parse_args()
    compiled = compile_model(load_model(MODEL))
    print(f"| wav | frames | host vs TFLM (tensors + state) | {args.board} vs host vs TFLM | "
          "M4 instructions per frame (min / mean / max) |")
    print("|---|---|---|---|---|")
    for wav in args.wavs or audio_wavs():
        frames = audio_frames(wav)
        report = verify_on_board(compiled, MODEL.read_bytes(), frames, args.board, stream=True)
        host = report.host_report
        counts = report.instructions
        host_text = f"{'bit-exact' if host.ok else 'MISMATCH'}, {host.tensors_compared} compared"
        print(f"| {wav} | {len(frames)} | {host_text} | {'bit-exact' if report.ok else 'MISMATCH'} | "
              f"{min(counts):,} / {sum(counts) // len(counts):,} / {max(counts):,} |")
    print(f"\narena {compiled.plan.arena_bytes:,} B, state {compiled.state.state_bytes:,} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())

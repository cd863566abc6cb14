"""Cost of keyword spotting from raw audio on the device (examples/keyword_spotting): exact instructions on the
emulated Cortex-M4 (QEMU mps2-an386, the harness's per-invoke counting) of each 20 ms stride (the audio
preprocessor on the last 30 ms, the rolling window) and of each inference (micro_speech on 49 frames plus
RecognizeCommands), and per second of audio: 50 strides plus the inferences scheduled (one every N strides),
against the budget of 15% of a 64 MHz Cortex-M4 (9.6 M instructions per second of audio).

    python benchmarks/kws_cost_table.py [--board mps2_an386] [--every 4,8,16] [wav ...]

The audio is the wavs one after the other (default: the four shared micro_speech clips, 4 s: speech, noise
and silence), streamed once per schedule. Per stride and per inference are the maximum over the stream
(the per-second cost is a bound); the mean is given for the strides.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples" / "keyword_spotting"))

import kws  # noqa: E402
import kws_build  # noqa: E402

BUDGET = 9.6e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wavs", nargs="*")
    ap.add_argument("--board", default="mps2_an386")
    ap.add_argument("--every", default="4,8,16", help="strides between inferences, comma-separated")
    args = ap.parse_args()
    audio = np.concatenate([kws.read_pcm(w) for w in (args.wavs or kws.SHARED_CLIPS)])
    print(f"audio: {audio.size / 16000:.2f} s ({len(args.wavs or kws.SHARED_CLIPS)} wavs) on {args.board}")
    print("| inference every | inferences/s | instructions per stride (mean / max) | per inference (max) "
          "| per second of audio | of 64 MHz | budget 9.6 M |")
    print("|---|---|---|---|---|---|---|")
    for every in (int(e) for e in args.every.split(",")):
        program = kws_build.build_program(every)
        with kws_build.open_device(program, args.board) as device:
            run = kws.run_stream(device, audio)
        stride, inference, per_s = kws.cost_per_second([run], every)
        mean = float(np.mean(run.stride_instructions))
        print(f"| {every} strides ({every * 20} ms) | {50 / every:g} | {mean:,.0f} / {stride:,} | {inference:,} "
              f"| {per_s / 1e6:.2f} M | {per_s / 64e6:.1%} | {'yes' if per_s <= BUDGET else 'NO'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Keyword spotting from raw audio on the device: TFLM's micro_speech pipeline (audio preprocessor every 20 ms,
micro_speech on a rolling 49-frame window, RecognizeCommands smoothing) compiled by micro, run in the host
build, on an emulated board (QEMU), or in TFLM itself (--board tflm: the oracle, both models in TFLM's
interpreter with the same pipeline and smoothing).

    python examples/keyword_spotting/kws.py classify --board {host,mps2_an386,tflm} FILE.wav...
        one line per file: `<file>: <label> <score>` (score 0..255: RecognizeCommands' average)
    python examples/keyword_spotting/kws.py stream --board ... LONG.wav
        every new command (not silence) with its time: `<time> ms: <label> <score>`
    --costs       instructions per 20 ms stride and per inference (on a board; exact on QEMU), and per second
                  of audio (50 strides and the inferences scheduled: one every INFERENCE_EVERY strides)
    --check       also run TFLM's pipeline (the oracle) and compare every frame's record byte for byte
                  (features, scores, smoothing), then say so
    --port PORT   a real board flashed with the bare-metal project below (its UARTE0, e.g. /dev/ttyUSB0)
    python examples/keyword_spotting/kws.py build --board nano33ble [--framework arduino|baremetal] -o DIR
        the PlatformIO project of the pipeline for the board (kws_project.py), built like `micro build`;
        then `micro flash --board nano33ble -d DIR --port /dev/ttyACM0` uploads it (arduino: the microphone
        sketch) or says how to flash the bare-metal .bin

The audio goes to the device as raw 16 kHz mono int16 PCM, one 20 ms stride (320 samples) per request
(micro's serial protocol on a board: WRITE, INVOKE, READ). Other sample rates are resampled, several channels
mixed to mono (said on stderr); other sample formats are refused with a message.

classify feeds the clip (padded to 1 s with silence when shorter) and then CLASSIFY_TAIL_MS of silence,
so RecognizeCommands has its minimum of 3 inferences spanning at least a quarter of its window. The clip's
label is the pipeline's clip decision: the decided label with the highest average score (kws_event_t
best_label).
"""

from __future__ import annotations

import argparse
import os
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

import kws_reference as ref  # noqa: E402

from micro.errors import MicroError  # noqa: E402

CLASSIFY_TAIL_MS = 2 * ref.INFERENCE_EVERY * ref.STRIDE_MS   # two more inferences after the first
SHARED = Path(os.environ.get("MICRO_SHARED", HERE.parent.parent.parent / "shared"))
SHARED_CLIPS = [SHARED / "data" / "tflm_micro_speech" / f
                for f in ("yes_1000ms.wav", "no_1000ms.wav", "noise_1000ms.wav", "silence_1000ms.wav")]


class WavError(MicroError):
    pass


def resample(x: np.ndarray, rate: int, to: int = ref.SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling (FFT: the spectrum cut or zero-padded), float in, float out."""
    n_out = int(round(x.size * to / rate))
    spectrum = np.fft.rfft(x)
    keep = n_out // 2 + 1
    if keep <= spectrum.size:
        spectrum = spectrum[:keep]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(keep - spectrum.size, spectrum.dtype)])
    return np.fft.irfft(spectrum, n_out) * (n_out / x.size)


def read_pcm(path, notes=None) -> np.ndarray:
    """16 kHz mono int16 samples of a wav: resampled and mixed to mono when needed; refused otherwise."""
    try:
        with wave.open(str(path)) as w:
            width, rate, channels = w.getsampwidth(), w.getframerate(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise WavError(f"{path}: not a PCM wav file ({exc}); convert it with "
                       f"`sox {path} -r 16000 -c 1 -b 16 out.wav`") from None
    except OSError as exc:
        raise WavError(f"{path}: cannot read it ({exc.strerror})") from None
    if width != 2:
        raise WavError(f"{path}: {8 * width}-bit samples; the pipeline takes 16-bit PCM (int16) at 16 kHz mono: "
                       f"convert it with `sox {path} -r 16000 -c 1 -b 16 out.wav`")
    x = np.frombuffer(raw, "<i2").reshape(-1, channels)
    if channels == 1 and rate == ref.SAMPLE_RATE:
        return x[:, 0].copy()
    notes = notes or sys.stderr
    y = x.astype(np.float64).mean(axis=1)
    if channels > 1:
        print(f"{path}: {channels} channels mixed to mono", file=notes)
    if rate != ref.SAMPLE_RATE:
        print(f"{path}: resampled from {rate} Hz to {ref.SAMPLE_RATE} Hz", file=notes)
        y = resample(y, rate)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def chunk(samples: np.ndarray) -> bytes:
    """The device's input record (kws_chunk_t): count, reserved, 320 samples (zero after count)."""
    body = np.zeros(ref.STRIDE_SAMPLES, "<i2")
    body[:samples.size] = samples
    return np.array([samples.size, 0], "<u2").tobytes() + body.tobytes()


@dataclass
class Run:
    events: list            # ref.Event per stride that completed a frame
    stride_instructions: list   # instructions of strides with a frame and no inference (board only)
    inference_instructions: list  # ... of strides with an inference


def run_stream(device, samples: np.ndarray) -> Run:
    """A new stream (reset), fed stride by stride; samples padded with silence to whole strides."""
    device.reset()
    pad = -samples.size % ref.STRIDE_SAMPLES
    samples = np.concatenate([samples, np.zeros(pad, np.int16)])
    run = Run([], [], [])
    for at in range(0, samples.size, ref.STRIDE_SAMPLES):
        record, instructions = device.step(chunk(samples[at:at + ref.STRIDE_SAMPLES]))
        event = ref.Event.unpack(record)
        if not event.flags & ref.FLAG_FRAME:
            continue
        run.events.append(event)
        if instructions is not None:
            (run.inference_instructions if event.flags & ref.FLAG_INFERENCE else run.stride_instructions).append(
                instructions)
    return run


def classify_samples(device, samples: np.ndarray) -> tuple[str, int, Run]:
    """The clip decision (label, score) of the clip padded as the module's doc says."""
    tail = CLASSIFY_TAIL_MS * ref.SAMPLE_RATE // 1000
    length = max(samples.size, ref.SAMPLE_RATE) + tail
    padded = np.concatenate([samples, np.zeros(length - samples.size, np.int16)])
    run = run_stream(device, padded)
    last = run.events[-1]
    return ref.LABELS[last.best_label], last.best_score, run


def open_board(board: str, port: str | None = None):
    """The pipeline on `board`: host, tflm (the oracle), a board QEMU emulates, or a real board at `port`."""
    import kws_build

    program = kws_build.build_program()
    if board == "tflm":
        return _Closing(ref.tflm_pipeline(program))
    return kws_build.open_device(program, board, port)


def build_command(args) -> int:
    """`kws.py build`: the project (kws_project.py), then built as `micro build` builds (bare metal offline;
    arduino needs PlatformIO's registry once, and stops at once with what to do when it is out of reach)."""
    import kws_project

    from micro.deploy.build import build

    project = kws_project.write_project(args.output, args.board, args.framework)
    print(f"keyword spotting for {project.board.name} ({project.framework}): project {project.dir}")
    print(f"  {project.kernels.summary()}")
    result = build(project)
    print(f"built {result.elf} in {result.seconds:.1f} s")
    for line in result.memory.lines():
        print(f"  {line}")
    print(f"next: micro flash --board {project.board.name} -d {project.dir} --port PORT")
    return 0


class _Closing:
    def __init__(self, device):
        self.device = device

    def __enter__(self):
        return self.device

    def __exit__(self, *exc):
        if self.device is not None:
            self.device.close()


def _cost_line(run: Run, board: str) -> str:
    if not run.stride_instructions and not run.inference_instructions:
        return ""
    per_stride = max(run.stride_instructions) if run.stride_instructions else 0
    per_inference = max(run.inference_instructions) if run.inference_instructions else 0
    return (f"  [{board}: {per_stride:,} instructions per 20 ms stride, "
            f"{per_inference - per_stride:,} per inference]")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name, text in (("classify", "one label per clip"), ("stream", "detections with their times")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--board", default="host", help="host, tflm (the oracle) or a board QEMU runs (mps2_an386)")
        p.add_argument("--costs", action="store_true", help="instructions per stride and per inference (board)")
        p.add_argument("--check", action="store_true", help="compare every frame with TFLM's pipeline")
        p.add_argument("--port", help="serial port of a real board running the bare-metal firmware (kws.py build "
                       "--framework baremetal, micro flash): its UARTE0, e.g. /dev/ttyUSB0")
        p.add_argument("wavs", nargs="*" if name == "classify" else 1,
                       help="wav files (classify default: the four shared micro_speech clips)")
    b = sub.add_parser("build", help="a PlatformIO project for a board that `micro flash` uploads")
    b.add_argument("--board", default="nano33ble", help="the board (default: nano33ble)")
    b.add_argument("--framework", choices=("arduino", "baremetal"),
                   help="arduino (default: the microphone sketch; PlatformIO's registry once) or baremetal "
                        "(offline: the pipeline behind micro's serial protocol on UARTE0)")
    b.add_argument("-o", "--output", required=True, help="project folder")
    args = ap.parse_args(argv)
    if args.command == "build":
        try:
            return build_command(args)
        except MicroError as exc:
            print(f"kws: {exc}", file=sys.stderr)
            return 1
    wavs = args.wavs or [str(p) for p in SHARED_CLIPS]
    try:
        clips = [(w, read_pcm(w)) for w in wavs]
        with open_board(args.board, args.port) as device, \
                (open_board("tflm") if args.check else _Closing(None)) as oracle:
            runs, same = [], True
            for wav, samples in clips:
                if args.command == "classify":
                    label, score, run = classify_samples(device, samples)
                    print(f"{wav}: {label} {score}" + (_cost_line(run, args.board) if args.costs else ""))
                    expected = classify_samples(oracle, samples)[2] if oracle else None
                else:
                    run = run_stream(device, samples)
                    for e in run.events:
                        if e.flags & ref.FLAG_NEW and e.label != 0:
                            print(f"{e.time_ms} ms: {ref.LABELS[e.label]} {e.score}")
                    if args.costs:
                        print(_cost_line(run, args.board).strip())
                    expected = run_stream(oracle, samples) if oracle else None
                runs.append(run)
                if expected is not None and [e.pack() for e in expected.events] != [e.pack() for e in run.events]:
                    first = next(i for i, (a, b) in enumerate(zip(expected.events, run.events)) if a != b)
                    print(f"{wav}: DIFFERS from TFLM's pipeline from frame {first + 1}", file=sys.stderr)
                    same = False
            if args.costs and any(r.inference_instructions for r in runs):
                print(cost_summary(runs, args.board))
            if args.check:
                print("every frame's features, scores and decision equal TFLM's pipeline, byte for byte" if same
                      else "the device DIFFERS from TFLM's pipeline")
                if not same:
                    return 1
    except MicroError as exc:
        print(f"kws: {exc}", file=sys.stderr)
        return 1
    return 0


def cost_per_second(runs: list[Run], inference_every: int = ref.INFERENCE_EVERY) -> tuple[int, int, float]:
    """(instructions per stride, per inference, per second of audio): the most expensive stride seen of
    each kind, 50 strides a second and 50 / inference_every inferences."""
    stride = max(i for r in runs for i in r.stride_instructions)
    inference = max(i for r in runs for i in r.inference_instructions) - stride
    strides_per_s = 1000 // ref.STRIDE_MS
    return stride, inference, strides_per_s * stride + strides_per_s / inference_every * inference


def cost_summary(runs: list[Run], board: str) -> str:
    stride, inference, per_s = cost_per_second(runs)
    return (f"cost on {board}: {per_s / 1e6:.2f} M instructions per second of audio (50 strides x {stride:,} "
            f"+ {50 / ref.INFERENCE_EVERY:g} inferences x {inference:,}) = {per_s / 64e6:.1%} of a 64 MHz "
            f"Cortex-M4 at one instruction per cycle (budget 9.6 M, 15%)")


if __name__ == "__main__":
    raise SystemExit(main())

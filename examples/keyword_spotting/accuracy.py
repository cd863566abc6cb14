"""Accuracy of keyword spotting from raw audio on the device, on a synthesized set (a script, not CI).

    python examples/keyword_spotting/accuracy.py [--boards mps2_an386,host,tflm] [--per-class 12]
                                                 [--out out/kws_accuracy]

Synthesizes 1 s clips of the four classes with espeak-ng and sox: "yes" and "no" and other words ("unknown")
in several voices, speeds and pitches, some with background noise mixed in (sox: white, pink, brown), and
"silence" clips of noise alone at several levels (and digital silence). Each clip is classified with
kws.py's classify on every board (the host build, firmware in QEMU, and TFLM's own pipeline: both models in
TFLM's interpreter with the same schedule and smoothing). Prints the accuracy per board, whether the boards'
labels agree clip for clip, the confusion matrix, and writes it as a PNG (out/kws_accuracy/confusion.png) with
the clip list (clips.tsv: file, truth, label and score per board).
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import kws  # noqa: E402
import kws_reference as ref  # noqa: E402

VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbcwmd",
          "en-us+f3", "en-gb+f2", "en-us+m3", "en+f4", "en-029+f1", "en-gb-scotland+m2"]
SPEEDS = [130, 175]
PITCHES = [35, 50, 70]
UNKNOWN_WORDS = ["up", "down", "left", "right", "go", "stop", "on", "off", "cat", "house", "seven", "bird"]
NOISES = ["whitenoise", "pinknoise", "brownnoise"]


def sh(*args: str) -> None:
    if args[0] == "sox":   # -R: sox's repeatable mode (fixed seeds of noise and dither): the same set every run
        args = ("sox", "-R", *args[1:])
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def speak(word: str, voice: str, speed: int, pitch: int, noise: str | None, noise_vol: float, out: Path) -> None:
    """The word in 1 s of 16 kHz int16 mono: espeak-ng, resampled, trimmed of silence, centred, noise mixed."""
    raw, clean = out.with_suffix(".raw.wav"), out.with_suffix(".clean.wav")
    sh("espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), word)
    # 16 kHz mono 16 bit; leading/trailing silence trimmed; cut to 0.9 s; centred in 1 s
    sh("sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(clean), "silence", "1", "0.02", "1%",
       "reverse", "silence", "1", "0.02", "1%", "reverse", "trim", "0", "0.9")
    length = float(subprocess.run(["soxi", "-D", str(clean)], check=True, capture_output=True, text=True).stdout)
    before = max(0.0, (1.0 - length) / 2)
    padded = out.with_suffix(".pad.wav")
    sh("sox", str(clean), str(padded), "pad", f"{before:.4f}", f"{1.0 - length - before:.4f}", "trim", "0", "1")
    if noise:
        noisy = out.with_suffix(".noise.wav")
        sh("sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(noisy), "synth", "1", noise, "vol", f"{noise_vol}")
        sh("sox", "-m", str(padded), str(noisy), "-b", "16", str(out))
        noisy.unlink()
    else:
        shutil.copy(padded, out)
    for p in (raw, clean, padded):
        p.unlink()


def silence(noise: str | None, vol: float, out: Path) -> None:
    if noise is None:
        sh("sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out), "trim", "0", "1")
    else:
        sh("sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out), "synth", "1", noise, "vol", f"{vol}")


def synthesize(folder: Path, per_class: int) -> list[tuple[Path, str]]:
    """per_class clips of each label; every combination distinct (voice, speed, pitch, noise)."""
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    combos = list(itertools.product(VOICES, SPEEDS, PITCHES))
    rng = np.random.default_rng(12)
    for label in ("yes", "no", "unknown"):
        picks = rng.choice(len(combos), per_class, replace=False)
        for i, k in enumerate(picks):
            voice, speed, pitch = combos[k]
            word = label if label != "unknown" else UNKNOWN_WORDS[i % len(UNKNOWN_WORDS)]
            noise = NOISES[i % len(NOISES)] if i % 2 else None
            vol = [0.01, 0.03, 0.05][i % 3]
            name = f"{label}_{word}_{voice.replace('+', '-')}_s{speed}_p{pitch}_{noise or 'clean'}.wav"
            speak(word, voice, int(speed), int(pitch), noise, vol, folder / name)
            clips.append((folder / name, label))
    for i in range(per_class):
        noise = None if i == 0 else NOISES[i % len(NOISES)]
        vol = [0.005, 0.01, 0.02, 0.05, 0.1][i % 5]
        name = f"silence_{noise or 'digital'}_{vol}_{i}.wav"
        silence(noise, vol, folder / name)
        clips.append((folder / name, "silence"))
    return clips


def confusion(truth: list[str], labels: list[str]) -> np.ndarray:
    m = np.zeros((len(ref.LABELS), len(ref.LABELS)), int)
    for t, p in zip(truth, labels):
        m[ref.LABELS.index(t), ref.LABELS.index(p)] += 1
    return m


def save_png(matrix: np.ndarray, title: str, path: Path) -> None:
    import matplotlib  # an optional dependency: only this picture needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(ref.LABELS)), ref.LABELS)
    ax.set_yticks(range(len(ref.LABELS)), ref.LABELS)
    ax.set_xlabel("label")
    ax.set_ylabel("truth")
    ax.set_title(title, fontsize=9)
    for (i, j), v in np.ndenumerate(matrix):
        ax.text(j, i, str(v), ha="center", va="center", color="white" if v > matrix.max() / 2 else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--boards", default="mps2_an386,host,tflm")
    ap.add_argument("--per-class", type=int, default=12)
    ap.add_argument("--out", default="out/kws_accuracy")
    args = ap.parse_args()
    for tool in ("espeak-ng", "sox", "soxi"):
        if shutil.which(tool) is None:
            print(f"accuracy: {tool} is not installed (apt-get install espeak-ng sox)", file=sys.stderr)
            return 1
    out = Path(args.out)
    clips = synthesize(out / "clips", args.per_class)
    truth = [t for _, t in clips]
    boards = args.boards.split(",")
    results: dict[str, list[tuple[str, int]]] = {}
    for board in boards:
        with kws.open_board(board) as device:
            results[board] = [kws.classify_samples(device, kws.read_pcm(path))[:2] for path, _ in clips]
    with open(out / "clips.tsv", "w") as f:
        f.write("file\ttruth\t" + "\t".join(f"{b} label\t{b} score" for b in boards) + "\n")
        for k, (path, t) in enumerate(clips):
            f.write(f"{path.name}\t{t}\t" + "\t".join(f"{results[b][k][0]}\t{results[b][k][1]}" for b in boards) + "\n")
    print(f"{len(clips)} clips ({args.per_class} per class), out/: {out}")
    print("| board | accuracy | " + " | ".join(f"{c} right" for c in ref.LABELS) + " |")
    print("|---|---|" + "---|" * len(ref.LABELS))
    for board in boards:
        labels = [lab for lab, _ in results[board]]
        m = confusion(truth, labels)
        right = int(np.trace(m))
        per = " | ".join(f"{m[i, i]}/{m[i].sum()}" for i in range(len(ref.LABELS)))
        print(f"| {board} | {right}/{len(clips)} ({right / len(clips):.1%}) | {per} |")
    first = boards[0]
    for board in boards[1:]:
        same = sum(a == b for a, b in zip(results[first], results[board]))
        print(f"{board} vs {first}: {same}/{len(clips)} clips with the same label and score")
    m = confusion(truth, [lab for lab, _ in results[first]])
    print(f"confusion matrix ({first}; rows: truth, columns: label {', '.join(ref.LABELS)}):")
    for i, row in enumerate(m):
        print(f"  {ref.LABELS[i]:8s} " + " ".join(f"{v:3d}" for v in row))
    right = int(np.trace(m))
    save_png(m, f"micro_speech pipeline on {first}: {right}/{len(clips)} right", out / "confusion.png")
    print(f"wrote {out / 'confusion.png'} and {out / 'clips.tsv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

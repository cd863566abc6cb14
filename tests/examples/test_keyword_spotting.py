"""Keyword spotting from raw audio (examples/keyword_spotting): the pipeline's C (preprocessor every 20 ms,
rolling window, micro_speech, RecognizeCommands) in the host build labels the four shared clips right and
equals TFLM's pipeline (kws_reference.py with both models in TFLM) on every frame's record; the recognizer's
C against its Python reference on random score sequences; the same records on QEMU (mps2_an386) as on the
host; the CLI's wav handling (resampling, mixing, refusal) and its output."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import wave

import numpy as np
import pytest

from support.paths import DATA, ROOT, need_tool

KWS_DIR = ROOT / "examples" / "keyword_spotting"
sys.path.insert(0, str(KWS_DIR))

import kws  # noqa: E402
import kws_build  # noqa: E402
import kws_reference as ref  # noqa: E402

CLIPS = {"yes_1000ms.wav": "yes", "no_1000ms.wav": "no", "noise_1000ms.wav": "silence",
         "silence_1000ms.wav": "silence"}


def clip(name: str) -> np.ndarray:
    return kws.read_pcm(DATA / "tflm_micro_speech" / name)


@pytest.fixture(scope="module")
def program():
    return kws_build.build_program()


@pytest.fixture(scope="module")
def host(program):
    with kws_build.open_device(program, "host") as device:
        yield device


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_host_labels_shared_clips(host, name):
    label, score, run = kws.classify_samples(host, clip(name))
    assert label == CLIPS[name], (name, label, score)
    assert len(run.events) == 65   # 1 s + 320 ms of silence: 65 frames, inferences at 49, 57, 65
    assert [e.frames for e in run.events if e.flags & ref.FLAG_INFERENCE] == [49, 57, 65]


def test_host_equals_tflm_pipeline(program, host):
    """Every frame's record (features, scores, decision, clip decision) equals TFLM's pipeline."""
    oracle = ref.tflm_pipeline(program)
    try:
        for name in ("yes_1000ms.wav", "noise_1000ms.wav"):
            expected = kws.classify_samples(oracle, clip(name))[2]
            got = kws.classify_samples(host, clip(name))[2]
            assert [e.pack() for e in got.events] == [e.pack() for e in expected.events], name
    finally:
        oracle.close()


def test_stream_detects_words_with_times(host):
    """yes, a pause, no: both detected once each, in order, at times inside their second."""
    pause = np.zeros(8000, np.int16)
    audio = np.concatenate([clip("yes_1000ms.wav"), pause, clip("no_1000ms.wav"), pause, pause])
    run = kws.run_stream(host, audio)
    words = [(ref.LABELS[e.label], e.time_ms) for e in run.events if e.flags & ref.FLAG_NEW and e.label]
    assert [w for w, _ in words] == ["yes", "no"], words
    assert 990 <= words[0][1] < 1500 and 2490 <= words[1][1] < 3000, words


# ---- the recognizer: C against the Python reference ----

@pytest.fixture(scope="module")
def recognizer_lib(tmp_path_factory):
    need_tool("gcc")
    out = tmp_path_factory.mktemp("kws_recognize") / "librecognize.so"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1", "-shared", "-fPIC",
                    "-o", str(out), str(KWS_DIR / "firmware" / "kws_recognize.c")], check=True)
    return ctypes.CDLL(str(out))


class Decision(ctypes.Structure):
    _fields_ = [("label", ctypes.c_uint8), ("score", ctypes.c_uint8), ("decided", ctypes.c_uint8),
                ("is_new", ctypes.c_uint8)]


def c_recognizer(lib, window, threshold, suppression, minimum):
    state = ctypes.create_string_buffer(4096)   # larger than kws_recognizer_t
    lib.kws_recognizer_init(state, ctypes.c_int32(window), ctypes.c_uint8(threshold), ctypes.c_int32(suppression),
                            ctypes.c_int32(minimum))

    def process(scores, time_ms):
        d = Decision()
        rc = lib.kws_recognizer_process(state, (ctypes.c_int8 * 4)(*scores), ctypes.c_int32(time_ms),
                                        ctypes.byref(d))
        return None if rc else ref.Decision(d.label, d.score, bool(d.decided), bool(d.is_new))
    return process


SEQUENCES = [
    # (average window ms, threshold, suppression ms, minimum count, step ms range, results)
    (1000, 200, 1500, 3, (100, 200), 120),   # TFLM's defaults at the sketch's pace
    (1000, 200, 1500, 3, (1, 20), 200),      # fast inferences: the 50-result queue overflows (quirk)
    (500, 150, 300, 2, (30, 120), 150),      # short suppression: repeated commands
    (1000, 200, 1500, 3, (-40, 160), 150),   # times going back: refused, nothing changes
]


@pytest.mark.parametrize("case", range(len(SEQUENCES)))
def test_recognizer_c_matches_python(recognizer_lib, case):
    window, threshold, suppression, minimum, (lo, hi), count = SEQUENCES[case]
    rng = np.random.default_rng(case)
    c = c_recognizer(recognizer_lib, window, threshold, suppression, minimum)
    py = ref.Recognizer(window, threshold, suppression, minimum)
    time_ms, word = 0, 2
    news = 0
    for _ in range(count):
        time_ms += int(rng.integers(lo, hi))
        if rng.random() < 0.1:
            word = int(rng.integers(0, 4))
        scores = rng.integers(-128, -60, 4)
        scores[word] = rng.integers(60, 128)   # one label dominates for a while, so commands happen
        expected = py.process(scores, time_ms)
        assert c(scores.tolist(), time_ms) == expected, (case, time_ms, scores)
        news += bool(expected and expected.is_new)
    assert news > 0


# ---- wav handling and the command line ----

def write_wav(path, samples: np.ndarray, rate: int, width: int = 2, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def test_wav_other_format_is_refused(tmp_path):
    path = tmp_path / "u8.wav"
    write_wav(path, np.full(8000, 128, np.uint8), 16000, width=1)
    with pytest.raises(kws.WavError, match=r"8-bit samples; the pipeline takes 16-bit PCM .*`sox .* -r 16000 -c 1 -b 16 out.wav`"):
        kws.read_pcm(path)
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(kws.WavError, match="not a PCM wav file"):
        kws.read_pcm(tmp_path / "text.wav")


def test_wav_resampled_and_mixed(tmp_path, capsys):
    t = np.arange(8000) / 8000
    tone = np.round(8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    path = tmp_path / "tone8k.wav"
    write_wav(path, np.stack([tone, tone], axis=1), 8000, channels=2)
    x = kws.read_pcm(path)
    err = capsys.readouterr().err
    assert "2 channels mixed to mono" in err and "resampled from 8000 Hz to 16000 Hz" in err
    assert x.dtype == np.int16 and x.size == 16000
    expected = 8000 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
    assert np.max(np.abs(x[100:-100] - expected[100:-100])) < 80


def test_cli_classify_host(capsys):
    wav = str(DATA / "tflm_micro_speech" / "no_1000ms.wav")
    assert kws.main(["classify", "--board", "host", wav]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{wav}: no 248"]


def test_cli_refuses_with_message(tmp_path, capsys):
    path = tmp_path / "u8.wav"
    write_wav(path, np.full(100, 128, np.uint8), 16000, width=1)
    assert kws.main(["classify", "--board", "host", str(path)]) == 1
    assert "8-bit samples" in capsys.readouterr().err


# ---- the same records on QEMU ----

def board_run(program, names, board_name="mps2_an386"):
    need_tool("arm-none-eabi-gcc")
    need_tool("qemu-system-arm")
    with kws_build.open_device(program, board_name) as board:
        return {n: kws.classify_samples(board, clip(n))[2] for n in names}


def assert_board_equals_host(program, host, names, board_name="mps2_an386"):
    runs = board_run(program, names, board_name)
    for name, run in runs.items():
        expected = kws.classify_samples(host, clip(name))[2]
        assert [e.pack() for e in run.events] == [e.pack() for e in expected.events], name
        assert run.stride_instructions and run.inference_instructions   # measured on QEMU
        # budget: 50 strides + 6.25 inferences per second of audio within 9.6 M instructions
        assert kws.cost_per_second([run])[2] <= 9.6e6


def test_qemu_equals_host_one_clip(program, host):
    assert_board_equals_host(program, host, ["no_1000ms.wav"])


@pytest.mark.slow
def test_qemu_equals_host_all_clips(program, host):
    assert_board_equals_host(program, host, sorted(CLIPS))


@pytest.mark.slow
def test_nano33ble_build_on_its_qemu_stand_in_equals_host(program, host):
    """The Nano 33 BLE's build (its defines) on the mps2-an386 machine, as `micro verify --board nano33ble`."""
    assert_board_equals_host(program, host, ["yes_1000ms.wav"], "nano33ble")


def test_firmware_builds_bare_metal_for_nano33ble(program):
    """The same pipeline firmware (serial harness, both models) linked for the Nano 33 BLE itself."""
    need_tool("arm-none-eabi-gcc")
    firmware = kws_build.build_board_firmware(program, "nano33ble")
    memory = firmware.memory
    assert firmware.elf.is_file()
    assert {"kws_feed", "audio_preprocessor_invoke", "micro_speech_invoke"} <= set(firmware.symbols)
    assert memory.weights > 20000   # both models' constants in the .weights section
    assert memory.code + memory.weights < memory.flash_limit

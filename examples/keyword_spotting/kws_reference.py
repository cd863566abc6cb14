"""The keyword-spotting pipeline in Python, rule for rule as firmware/kws_pipeline.c and kws_recognize.c run it:
the reference the device is compared with.

    Recognizer(...).process(scores, time_ms) -> Decision      RecognizeCommands (firmware/kws_recognize.h)
    Pipeline(preprocess, classify).feed_stride(samples) -> Event | None
        frames of 480 samples every 320, the rolling 49-frame window, inferences every `inference_every`
        frames once 49 exist, the recognizer, the clip decision (best decided score) -- with the two models
        given as functions (TFLM's interpreter for the oracle: tflm_pipeline()).
    Event.unpack(record) / Event.pack()                         the firmware's 64-byte kws_event_t
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

LABELS = ("silence", "unknown", "yes", "no")
SAMPLE_RATE = 16000
WINDOW_SAMPLES, STRIDE_SAMPLES = 480, 320
WINDOW_MS, STRIDE_MS = 30, 20
FEATURES, FRAMES = 40, 49
INFERENCE_EVERY = 8
AVERAGE_WINDOW_MS, DETECTION_THRESHOLD, SUPPRESSION_MS, MINIMUM_COUNT = 1000, 200, 1500, 3
QUEUE_MAX = 50
SILENT_FEATURE = -128

FLAG_FRAME, FLAG_INFERENCE, FLAG_DECIDED, FLAG_NEW = 1, 2, 4, 8
EVENT_FORMAT = "<IiBBBBB3xi4b40b"
EVENT_BYTES = struct.calcsize(EVENT_FORMAT)


@dataclass
class Event:
    """What one frame did (kws_event_t of firmware/kws_pipeline.h)."""
    frames: int = 0
    time_ms: int = 0
    flags: int = 0
    label: int = 0
    score: int = 0
    best_label: int = 0
    best_score: int = 0
    best_time_ms: int = -1
    scores: tuple = (0, 0, 0, 0)
    features: tuple = (0,) * FEATURES

    @classmethod
    def unpack(cls, record: bytes) -> "Event":
        v = struct.unpack(EVENT_FORMAT, record[:EVENT_BYTES])
        return cls(*v[:8], tuple(v[8:12]), tuple(v[12:]))

    def pack(self) -> bytes:
        return struct.pack(EVENT_FORMAT, self.frames, self.time_ms, self.flags, self.label, self.score,
                           self.best_label, self.best_score, self.best_time_ms, *self.scores, *self.features)


@dataclass
class Decision:
    label: int
    score: int
    decided: bool
    is_new: bool


@dataclass
class Recognizer:
    """TFLM micro_speech's RecognizeCommands, as firmware/kws_recognize.c (its comment lists the rules and
    the quirks kept: the 50-result queue drops the newest result when full; silence never suppresses)."""
    average_window_ms: int = AVERAGE_WINDOW_MS
    detection_threshold: int = DETECTION_THRESHOLD
    suppression_ms: int = SUPPRESSION_MS
    minimum_count: int = MINIMUM_COUNT
    queue: list = field(default_factory=list)
    previous_top: int = 0
    previous_top_time_ms: int | None = None

    def process(self, scores, time_ms: int) -> Decision | None:
        """None when time_ms is earlier than the oldest result kept (the C returns -1, changing nothing)."""
        if self.queue and time_ms < self.queue[0][0]:
            return None
        if len(self.queue) < QUEUE_MAX:   # TFLM: push first (a full queue drops the latest), then prune
            self.queue.append((time_ms, [int(s) for s in scores]))
        limit = time_ms - self.average_window_ms
        while self.queue and self.queue[0][0] < limit:
            self.queue.pop(0)
        if not self.queue:
            return Decision(self.previous_top, 0, False, False)
        duration = time_ms - self.queue[0][0]
        if len(self.queue) < self.minimum_count or duration < int(self.average_window_ms / 4):
            return Decision(self.previous_top, 0, False, False)
        n = len(self.queue)
        average = [sum(s[i] + 128 for _, s in self.queue) // n for i in range(len(LABELS))]
        top, top_score = 0, 0
        for i, a in enumerate(average):
            if a > top_score:
                top, top_score = i, a
        if self.previous_top == 0 or self.previous_top_time_ms is None:
            since_last = 2 ** 31 - 1
        else:
            since_last = time_ms - self.previous_top_time_ms
        is_new = top_score > self.detection_threshold and (top != self.previous_top or since_last > self.suppression_ms)
        if is_new:
            self.previous_top, self.previous_top_time_ms = top, time_ms
        return Decision(top, top_score, True, is_new)


class Pipeline:
    """firmware/kws_pipeline.c with the models as functions: preprocess(int16[480]) -> int8[40] (keeping its
    own state across calls), classify(int8[49*40]) -> int8[4]."""

    def __init__(self, preprocess, classify, inference_every: int = INFERENCE_EVERY):
        self.preprocess, self.classify, self.inference_every = preprocess, classify, inference_every
        self.reset()

    def reset(self) -> None:
        self.window = np.zeros(0, np.int16)
        self.features = np.full((FRAMES, FEATURES), SILENT_FEATURE, np.int8)  # oldest first
        self.frames = 0
        self.recognizer = Recognizer()
        self.scores = (0, 0, 0, 0)
        self.decision = Decision(0, 0, False, False)
        self.best = (0, 0, -1)

    def feed_stride(self, samples: np.ndarray) -> Event | None:
        """At most KWS_STRIDE_SAMPLES samples; the event of the frame they complete, if any."""
        self.window = np.concatenate([self.window, np.asarray(samples, np.int16)])
        if self.window.size < WINDOW_SAMPLES:
            return None
        frame, self.window = self.window[:WINDOW_SAMPLES], self.window[STRIDE_SAMPLES:]
        time_ms = self.frames * STRIDE_MS + WINDOW_MS
        feats = np.asarray(self.preprocess(frame), np.int8).ravel()
        self.features = np.concatenate([self.features[1:], feats[None, :]])
        self.frames += 1
        flags = FLAG_FRAME
        if self.frames >= FRAMES and (self.frames - FRAMES) % self.inference_every == 0:
            self.scores = tuple(int(s) for s in np.asarray(self.classify(self.features.ravel()), np.int8).ravel())
            flags |= FLAG_INFERENCE
            self.decision = self.recognizer.process(self.scores, time_ms)
            if self.decision.decided:
                flags |= FLAG_DECIDED
                if self.decision.score > self.best[1]:
                    self.best = (self.decision.label, self.decision.score, time_ms)
            if self.decision.is_new:
                flags |= FLAG_NEW
        return Event(self.frames, time_ms, flags, self.decision.label, self.decision.score, *self.best,
                     self.scores, tuple(int(f) for f in feats))


def tflm_pipeline(program, inference_every: int = INFERENCE_EVERY) -> "TflmDevice":
    """The oracle: TFLM's interpreter (micro.verify.oracle) running both models in the same pipeline."""
    return TflmDevice(program, inference_every)


class TflmDevice:
    """The reference pipeline behind the devices' interface (kws_build.open_device): reset(), step(chunk)."""

    board = "tflm"

    def __init__(self, program, inference_every: int = INFERENCE_EVERY):
        from micro.verify.oracle import Oracle  # the oracle is a test extra

        self.oracles = []
        runners = []
        for compiled in (program.preprocessor, program.speech):
            oracle = Oracle(program.model_bytes[compiled.name], compiled.model)
            self.oracles.append(oracle)
            g = compiled.graph
            shape = g.tensors[g.inputs[0]].shape
            out = g.outputs[0]
            runners.append(lambda x, o=oracle, s=shape, t=out: o.run([np.asarray(x).reshape(s)], [t])[t])
        self.pipeline = Pipeline(runners[0], runners[1], inference_every)

    def reset(self) -> None:
        self.oracles[0].reset()
        self.pipeline.reset()

    def step(self, chunk: bytes) -> tuple[bytes, int | None]:
        count = struct.unpack_from("<H", chunk)[0]
        samples = np.frombuffer(chunk[4:4 + 2 * count], np.int16)
        event = self.pipeline.feed_stride(samples)
        return (event.pack() if event else bytes(EVENT_BYTES)), None

    def close(self) -> None:
        for oracle in self.oracles:
            oracle.close()

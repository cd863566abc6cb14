/* Keyword spotting on the device, from raw audio to a word: TFLM's micro_speech pipeline with both models
 * compiled by micro.
 *
 *   16 kHz int16 PCM --(every 20 ms: the last 30 ms)--> audio_preprocessor (TFLM's audio_preprocessor_int8,
 *   signal ops with state across frames) --> 40 int8 features --> a rolling window of 49 frames (0.99 s)
 *   --(every KWS_INFERENCE_EVERY frames)--> micro_speech (micro_speech_quantized: silence, unknown, yes, no)
 *   --> RecognizeCommands (kws_recognize.h): scores averaged over 1 s, a threshold, suppression --> a word.
 *
 * Frame k covers samples [320 k, 320 k + 480), as TFLM's micro_speech_test feeds the preprocessor; its time
 * is the end of that window, 20 k + 30 ms after the reset. The first inference runs once 49 frames exist
 * (its window is exactly what TFLM's test classifies for a one-second clip), then every KWS_INFERENCE_EVERY
 * frames (default 8: 160 ms, 6.25 inferences a second; the cost budget of examples/keyword_spotting/README.md).
 *
 * The models are the generated audio_preprocessor.[ch] and micro_speech.[ch] (model names given at compile
 * time, examples/keyword_spotting/kws_build.py); kernels are shared. All state is static: one pipeline. */
#ifndef KWS_PIPELINE_H
#define KWS_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "kws_recognize.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KWS_SAMPLE_RATE 16000
#define KWS_WINDOW_SAMPLES 480   /* 30 ms */
#define KWS_STRIDE_SAMPLES 320   /* 20 ms */
#define KWS_STRIDE_MS 20
#define KWS_WINDOW_MS 30
#define KWS_FEATURES 40
#define KWS_FRAMES 49
#ifndef KWS_INFERENCE_EVERY
#define KWS_INFERENCE_EVERY 8
#endif

enum {
    KWS_FLAG_FRAME = 1,      /* a feature frame was computed (the preprocessor ran) */
    KWS_FLAG_INFERENCE = 2,  /* the model ran on the window; scores are new */
    KWS_FLAG_DECIDED = 4,    /* the recognizer had enough results to decide (label, score) */
    KWS_FLAG_NEW = 8         /* ... and it is a new command */
};

/* What one frame did: the record the firmware returns per 20 ms stride (64 bytes, no padding, little-endian
 * on every target micro builds for; examples/keyword_spotting/kws_reference.py Event reads it). */
typedef struct {
    uint32_t frames;         /* frames computed since the reset (this one included) */
    int32_t time_ms;         /* end of this frame's window, ms since the reset */
    uint8_t flags;           /* KWS_FLAG_* */
    uint8_t label;           /* the recognizer's latest label (silence until the first decision) */
    uint8_t score;           /* its average score 0..255 (0 while undecided) */
    uint8_t best_label;      /* the clip decision: the label of the highest decided score since the reset */
    uint8_t best_score;      /* ... that score (0: nothing decided yet) */
    uint8_t reserved[3];
    int32_t best_time_ms;    /* ... when (-1: nothing decided yet) */
    int8_t scores[KWS_LABELS];      /* the latest inference's output (silence, unknown, yes, no) */
    int8_t features[KWS_FEATURES];  /* this frame's features */
} kws_event_t;

extern const char *const kws_labels[KWS_LABELS];

/* Both models initialised, then kws_reset(). Call once at boot. */
void kws_init(void);

/* A new stream: preprocessor state, sample window, feature window, recognizer and clip decision as at boot. */
void kws_reset(void);

/* Takes samples until the next frame is complete (or all n). When a frame completes, it runs (features,
 * and the model and recognizer on their schedule), *ev is filled and KWS_FLAG_FRAME is set in ev->flags
 * (other flags as they apply); otherwise *ev is untouched. Returns the samples taken: call again with the
 * rest. At most one frame completes per call, and per KWS_STRIDE_SAMPLES samples fed. */
uint32_t kws_feed(const int16_t *pcm, uint32_t n, kws_event_t *ev);

/* "Heard yes (201) @1290ms", as TFLM's micro_speech responder prints a command, into buf (NUL-terminated,
 * cut to fit cap). Returns the length. */
size_t kws_heard_text(char *buf, size_t cap, uint8_t label, uint8_t score, int32_t time_ms);

#ifdef __cplusplus
}
#endif

#endif /* KWS_PIPELINE_H */

/* Smoothing of the model's scores over time: TFLM micro_speech's RecognizeCommands (recognize_commands.h/.cc
 * of the tflite-micro-arduino-examples micro_speech sketch) in C99, rule for rule.
 *
 * Every inference's int8 scores enter a queue with their time; results older than the averaging window are
 * dropped; with fewer than `minimum_count` results, or results spanning less than a quarter of the window,
 * nothing is decided (the previous label is reported with score 0). Otherwise the scores (+128, so 0..255)
 * are averaged per label (integer division), the top label is the first strictly highest average, and it is a
 * new command when its average exceeds `detection_threshold` and it differs from the last command or the
 * last command is older than `suppression_ms`. Defaults (TFLM's): window 1000 ms, threshold 200,
 * suppression 1500 ms, minimum count 3.
 *
 * TFLM quirks kept (each marked QUIRK where it is implemented): the queue holds at most 50 results and a
 * result that does not fit is dropped (PreviousResultsQueue::push_back); "silence" (label 0) never
 * suppresses anything, itself included, so a long silence is a new "silence" command at every decision. */
#ifndef KWS_RECOGNIZE_H
#define KWS_RECOGNIZE_H

#include <stdint.h>

#define KWS_LABELS 4           /* silence, unknown, yes, no (micro_speech's kCategoryLabels) */
#define KWS_QUEUE_MAX 50       /* PreviousResultsQueue::kMaxResults */

#define KWS_AVERAGE_WINDOW_MS 1000
#define KWS_DETECTION_THRESHOLD 200
#define KWS_SUPPRESSION_MS 1500
#define KWS_MINIMUM_COUNT 3

typedef struct {
    int32_t time_ms;
    int8_t scores[KWS_LABELS];
} kws_result_t;

typedef struct {
    int32_t average_window_ms;
    uint8_t detection_threshold;
    int32_t suppression_ms;
    int32_t minimum_count;
    kws_result_t queue[KWS_QUEUE_MAX];
    int front;
    int size;
    uint8_t previous_top;          /* label of the last command (starts as silence) */
    int previous_top_valid;        /* 0 until the first command (TFLM: time == INT32_MIN) */
    int32_t previous_top_time_ms;
} kws_recognizer_t;

/* The decision for one inference. */
typedef struct {
    uint8_t label;                 /* found_command: the top label (or the last command while undecided) */
    uint8_t score;                 /* its average score 0..255 (0 while undecided) */
    uint8_t decided;               /* enough results in the window to decide */
    uint8_t is_new;                /* a new command: report it */
} kws_decision_t;

void kws_recognizer_init(kws_recognizer_t *r, int32_t average_window_ms, uint8_t detection_threshold,
                         int32_t suppression_ms, int32_t minimum_count);

/* Feeds the scores of the inference at time_ms. Returns 0, or -1 when time_ms is earlier than the oldest
 * result kept (results must come in time order; nothing is changed then). */
int kws_recognizer_process(kws_recognizer_t *r, const int8_t scores[KWS_LABELS], int32_t time_ms,
                           kws_decision_t *out);

#endif /* KWS_RECOGNIZE_H */

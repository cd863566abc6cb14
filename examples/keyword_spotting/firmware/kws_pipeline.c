/* The keyword-spotting pipeline (kws_pipeline.h). */
#include "kws_pipeline.h"

#include <string.h>

#include "audio_preprocessor.h"
#include "micro_speech.h"

/* The models must be the ones this pipeline was written for (a C99 static assertion). */
#define KWS_CHECK(name, cond) typedef char kws_check_##name[(cond) ? 1 : -1]
KWS_CHECK(window, AUDIO_PREPROCESSOR_INPUT0_ELEMENTS == KWS_WINDOW_SAMPLES && AUDIO_PREPROCESSOR_INPUT0_DTYPE_INT16);
KWS_CHECK(features, AUDIO_PREPROCESSOR_OUTPUT0_ELEMENTS == KWS_FEATURES && AUDIO_PREPROCESSOR_OUTPUT0_DTYPE_INT8);
KWS_CHECK(model_input, MICRO_SPEECH_INPUT0_ELEMENTS == KWS_FRAMES * KWS_FEATURES && MICRO_SPEECH_INPUT0_DTYPE_INT8);
KWS_CHECK(model_output, MICRO_SPEECH_OUTPUT0_ELEMENTS == KWS_LABELS && MICRO_SPEECH_OUTPUT0_DTYPE_INT8);
KWS_CHECK(event_layout, sizeof(kws_event_t) == 64);
KWS_CHECK(schedule, KWS_INFERENCE_EVERY >= 1);

/* The preprocessor's output for digital silence (all-zero samples): the feature window starts full of it. */
#define KWS_SILENT_FEATURE (-128)

const char *const kws_labels[KWS_LABELS] = {"silence", "unknown", "yes", "no"};

static int16_t window[KWS_WINDOW_SAMPLES];  /* the next frame's samples, window_fill of them so far */
static uint32_t window_fill;
static int8_t features[KWS_FRAMES][KWS_FEATURES];  /* ring of the last 49 frames; oldest at `oldest` */
static uint32_t oldest;
static uint32_t frames;
static kws_recognizer_t recognizer;
static int8_t scores[KWS_LABELS];
static kws_decision_t decision;
static uint8_t best_label, best_score;
static int32_t best_time_ms;

void kws_reset(void)
{
    audio_preprocessor_reset();
    window_fill = 0;
    memset(features, KWS_SILENT_FEATURE, sizeof(features));
    oldest = 0;
    frames = 0;
    kws_recognizer_init(&recognizer, KWS_AVERAGE_WINDOW_MS, KWS_DETECTION_THRESHOLD, KWS_SUPPRESSION_MS,
                        KWS_MINIMUM_COUNT);
    memset(scores, 0, sizeof(scores));
    memset(&decision, 0, sizeof(decision));
    best_label = 0;
    best_score = 0;
    best_time_ms = -1;
}

void kws_init(void)
{
    audio_preprocessor_init();
    micro_speech_init();
    kws_reset();
}

/* The model on the window (oldest frame first), then the recognizer. */
static void infer(int32_t time_ms, kws_event_t *ev)
{
    int8_t *input = (int8_t *)micro_speech_input(0);
    const size_t head = (KWS_FRAMES - oldest) * KWS_FEATURES;
    memcpy(input, features[oldest], head);
    memcpy(input + head, features[0], oldest * KWS_FEATURES);
    micro_speech_invoke();
    memcpy(scores, micro_speech_output(0), KWS_LABELS);
    ev->flags |= KWS_FLAG_INFERENCE;
    /* Times only grow, so the recognizer cannot refuse them. */
    (void)kws_recognizer_process(&recognizer, scores, time_ms, &decision);
    if (decision.decided) {
        ev->flags |= KWS_FLAG_DECIDED;
        if (decision.score > best_score) {
            best_label = decision.label;
            best_score = decision.score;
            best_time_ms = time_ms;
        }
    }
    if (decision.is_new)
        ev->flags |= KWS_FLAG_NEW;
}

/* One frame from the full sample window. */
static void frame(kws_event_t *ev)
{
    const int32_t time_ms = (int32_t)frames * KWS_STRIDE_MS + KWS_WINDOW_MS;
    memcpy(audio_preprocessor_input(0), window, sizeof(window));
    audio_preprocessor_invoke();
    memcpy(features[oldest], audio_preprocessor_output(0), KWS_FEATURES);
    oldest = oldest + 1 == KWS_FRAMES ? 0 : oldest + 1;
    frames++;
    ev->flags = KWS_FLAG_FRAME;
    if (frames >= KWS_FRAMES && (frames - KWS_FRAMES) % KWS_INFERENCE_EVERY == 0)
        infer(time_ms, ev);
    ev->frames = frames;
    ev->time_ms = time_ms;
    ev->label = decision.label;
    ev->score = decision.score;
    ev->best_label = best_label;
    ev->best_score = best_score;
    memset(ev->reserved, 0, sizeof(ev->reserved));
    ev->best_time_ms = best_time_ms;
    memcpy(ev->scores, scores, sizeof(scores));
    memcpy(ev->features, features[oldest == 0 ? KWS_FRAMES - 1 : oldest - 1], KWS_FEATURES);
}

uint32_t kws_feed(const int16_t *pcm, uint32_t n, kws_event_t *ev)
{
    const uint32_t need = KWS_WINDOW_SAMPLES - window_fill;
    const uint32_t take = n < need ? n : need;
    memcpy(window + window_fill, pcm, take * sizeof(int16_t));
    window_fill += take;
    if (window_fill == KWS_WINDOW_SAMPLES) {
        frame(ev);
        /* the next frame starts one stride later: keep the last 10 ms */
        memmove(window, window + KWS_STRIDE_SAMPLES, (KWS_WINDOW_SAMPLES - KWS_STRIDE_SAMPLES) * sizeof(int16_t));
        window_fill = KWS_WINDOW_SAMPLES - KWS_STRIDE_SAMPLES;
    }
    return take;
}

static size_t put(char *buf, size_t cap, size_t at, const char *s)
{
    while (*s && at + 1 < cap)
        buf[at++] = *s++;
    if (cap)
        buf[at < cap ? at : cap - 1] = 0;
    return at;
}

static size_t put_int(char *buf, size_t cap, size_t at, int32_t v)
{
    char digits[12];
    int i = 11;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    digits[i] = 0;
    do {
        digits[--i] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    if (v < 0)
        digits[--i] = '-';
    return put(buf, cap, at, digits + i);
}

size_t kws_heard_text(char *buf, size_t cap, uint8_t label, uint8_t score, int32_t time_ms)
{
    size_t n = put(buf, cap, 0, "Heard ");
    n = put(buf, cap, n, label < KWS_LABELS ? kws_labels[label] : "?");
    n = put(buf, cap, n, " (");
    n = put_int(buf, cap, n, score);
    n = put(buf, cap, n, ") @");
    n = put_int(buf, cap, n, time_ms);
    return put(buf, cap, n, "ms");
}

/* RecognizeCommands in C99 (see kws_recognize.h). */
#include "kws_recognize.h"

void kws_recognizer_init(kws_recognizer_t *r, int32_t average_window_ms, uint8_t detection_threshold,
                         int32_t suppression_ms, int32_t minimum_count)
{
    r->average_window_ms = average_window_ms;
    r->detection_threshold = detection_threshold;
    r->suppression_ms = suppression_ms;
    r->minimum_count = minimum_count;
    r->front = 0;
    r->size = 0;
    r->previous_top = 0;
    r->previous_top_valid = 0;
    r->previous_top_time_ms = 0;
}

static kws_result_t *at(kws_recognizer_t *r, int offset)
{
    int index = r->front + offset;
    if (index >= KWS_QUEUE_MAX)
        index -= KWS_QUEUE_MAX;
    return &r->queue[index];
}

int kws_recognizer_process(kws_recognizer_t *r, const int8_t scores[KWS_LABELS], int32_t time_ms,
                           kws_decision_t *out)
{
    int64_t time_limit, duration, since_last;
    int32_t average[KWS_LABELS], top_score = 0;
    uint8_t top = 0;
    int i, k;

    if (r->size > 0 && time_ms < at(r, 0)->time_ms)
        return -1;
    /* Add the latest, then drop results older than the window (TFLM's order).
     * QUIRK: a full queue drops the latest result (PreviousResultsQueue::push_back only logs), before the old
     * ones are dropped that would have made room. */
    if (r->size < KWS_QUEUE_MAX) {
        kws_result_t *slot;
        r->size++;
        slot = at(r, r->size - 1);
        slot->time_ms = time_ms;
        for (i = 0; i < KWS_LABELS; i++)
            slot->scores[i] = scores[i];
    }
    time_limit = (int64_t)time_ms - r->average_window_ms;
    while (r->size > 0 && at(r, 0)->time_ms < time_limit) {
        r->front = r->front + 1 == KWS_QUEUE_MAX ? 0 : r->front + 1;
        r->size--;
    }
    /* (an empty queue: the latest was dropped and every result kept was old; TFLM would read front() of it) */
    duration = r->size > 0 ? (int64_t)time_ms - at(r, 0)->time_ms : 0;
    if (r->size == 0 || r->size < r->minimum_count || duration < r->average_window_ms / 4) {
        out->label = r->previous_top;
        out->score = 0;
        out->decided = 0;
        out->is_new = 0;
        return 0;
    }

    for (i = 0; i < KWS_LABELS; i++)
        average[i] = 0;
    for (k = 0; k < r->size; k++) {
        const kws_result_t *res = at(r, k);
        for (i = 0; i < KWS_LABELS; i++)
            average[i] += (int32_t)res->scores[i] + 128;
    }
    for (i = 0; i < KWS_LABELS; i++) {
        average[i] /= r->size;
        if (average[i] > top_score) { /* the first strictly highest; label 0 when every average is 0 */
            top_score = average[i];
            top = (uint8_t)i;
        }
    }

    /* QUIRK: after "silence" (label 0), or before any command, nothing is suppressed. */
    if (r->previous_top == 0 || !r->previous_top_valid)
        since_last = INT32_MAX;
    else
        since_last = (int64_t)time_ms - r->previous_top_time_ms;
    out->is_new = (uint8_t)(top_score > r->detection_threshold &&
                            (top != r->previous_top || since_last > r->suppression_ms));
    if (out->is_new) {
        r->previous_top = top;
        r->previous_top_valid = 1;
        r->previous_top_time_ms = time_ms;
    }
    out->label = top;
    out->score = (uint8_t)top_score;
    out->decided = 1;
    return 0;
}

/* The pipeline as the harness's model record (kws_app.h, mn_model_api.h). */
#include "kws_app.h"

#include <string.h>

#include "audio_preprocessor.h"
#include "kws_identity.h"
#include "micro_speech.h"
#include "mn_model_api.h"

typedef char kws_check_chunk_layout[sizeof(kws_chunk_t) == 4 + 2 * KWS_STRIDE_SAMPLES ? 1 : -1];

static kws_chunk_t chunk;
static kws_event_t event;

void kws_app_reset(void)
{
    kws_reset();
    memset(&event, 0, sizeof(event));
}

void kws_app_init(void)
{
    kws_init();
    memset(&chunk, 0, sizeof(chunk));
    memset(&event, 0, sizeof(event));
}

void kws_app_invoke(void)
{
    const int16_t *pcm = chunk.samples;
    uint32_t n = chunk.count;
    memset(&event, 0, sizeof(event));
    if (n > KWS_STRIDE_SAMPLES) {
        event.flags = KWS_FLAG_REFUSED;
        return;
    }
    while (n) { /* at most one frame completes in KWS_STRIDE_SAMPLES samples */
        const uint32_t took = kws_feed(pcm, n, &event);
        pcm += took;
        n -= took;
    }
}

void *kws_app_input(int index)
{
    return index == 0 ? &chunk : 0;
}

const void *kws_app_output(int index)
{
    return index == 0 ? &event : 0;
}

static const uint32_t input_bytes[] = {sizeof(kws_chunk_t)};
static const uint32_t output_bytes[] = {sizeof(kws_event_t)};

const mn_model_t mn_model = {
    "kws",
    KWS_IDENTITY_SHA256,
    AUDIO_PREPROCESSOR_ARENA_BYTES + MICRO_SPEECH_ARENA_BYTES,
    1,
    1,
    input_bytes,
    output_bytes,
    kws_app_init,
    kws_app_invoke,
    kws_app_input,
    kws_app_output,
    kws_app_reset,
};

/* The keyword-spotting pipeline behind micro's serial protocol: to the harness (mn_serve.c) it is a "model"
 * with one input, a chunk of PCM, and one output, the record of the frame the chunk completed. The host
 * (examples/keyword_spotting/kws_build.py and kws.py) streams audio as WRITE + INVOKE + READ per 20 ms stride and
 * starts a new stream with RESET (mode 0: kws_reset); every INVOKE is measured like a model's invoke
 * (exact instructions on QEMU, cycles where the board counts them). The host build calls the same functions
 * through ctypes. */
#ifndef KWS_APP_H
#define KWS_APP_H

#include <stdint.h>

#include "kws_pipeline.h"

/* Input 0 (644 bytes): `count` samples (at most KWS_STRIDE_SAMPLES; more are refused) of 16 kHz mono PCM. */
typedef struct {
    uint16_t count;
    uint16_t reserved;
    int16_t samples[KWS_STRIDE_SAMPLES];
} kws_chunk_t;

/* Output 0 (64 bytes): kws_event_t; flags 0 when the chunk completed no frame, KWS_FLAG_REFUSED when its
 * count was too large (nothing was fed). */
#define KWS_FLAG_REFUSED 0x80

void kws_app_init(void);
void kws_app_reset(void);
void kws_app_invoke(void);
void *kws_app_input(int index);
const void *kws_app_output(int index);

#endif /* KWS_APP_H */

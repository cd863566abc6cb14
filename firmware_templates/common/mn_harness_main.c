/* Firmware main for host-driven runs: announce, then serve the serial protocol (mn_protocol.h) forever.
 *
 * The banner line and the requests (HELLO / WRITE / INVOKE / READ / EXIT / RESET) are handled by mn_serve.c, the
 * request handler the Arduino library shares (INFO and RESULT layouts in mn_serve.h); its board hooks are in
 * mn_harness_util.c.
 */
#include "mn_board.h"
#include "mn_harness.h"
#include "mn_model_api.h"
#include "mn_protocol.h"
#include "mn_serve.h"

#ifdef MN_HARNESS_TRACE
#ifndef MN_TRACE
#error "MN_HARNESS_TRACE needs MN_TRACE (the model's per-op trace hook)"
#endif
static uint8_t trace_buf[MN_PROTO_MAX_PAYLOAD + MN_PROTO_OVERHEAD];

/* Push every tensor an op produced to the host as TRACE frames (debug builds only). */
static void trace_tensor(int op_index, int tensor_index, const void *data, size_t bytes)
{
    const uint8_t *src = (const uint8_t *)data;
    uint8_t *out = trace_buf + MN_PROTO_HEADER;
    uint32_t off = 0, total = (uint32_t)bytes;
    do {
        uint32_t k = total - off, i;
        if (k > MN_PROTO_MAX_PAYLOAD - 12u)
            k = MN_PROTO_MAX_PAYLOAD - 12u;
        mn_put_u16(out, (uint16_t)op_index);
        mn_put_u16(out + 2, (uint16_t)tensor_index);
        mn_put_u32(out + 4, total);
        mn_put_u32(out + 8, off);
        for (i = 0; i < k; i++)
            out[12 + i] = src[off + i];
        mn_proto_write(trace_buf, mn_proto_encode(trace_buf, MN_T_TRACE, 0, out, (uint16_t)(12u + k)));
        off += k;
    } while (off < total);
}
#endif

int main(void)
{
    mn_board_init();
    mn_stack_paint();
    mn_model.init();
    mn_measure_calibrate();
#ifdef MN_HARNESS_TRACE
    mn_model_set_trace(trace_tensor);
#endif
    mn_serve_banner();
    for (;;)
        mn_serve_one();
}

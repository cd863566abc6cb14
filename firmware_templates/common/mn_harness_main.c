/* Firmware main for host-driven runs: announce, then serve the serial protocol (mn_protocol.h) forever.
 *
 * At boot it prints one text line (for humans and for `Wait For Line On Uart`):
 *   micro-harness proto=1 board=<board> model=<name> sha256=<hex> arena=<bytes>
 * and then answers framed requests. INFO payload (answer to HELLO), little-endian:
 *   proto u8, max_payload u16, has_cycles u8, arena_bytes u32, stack_bytes u32, n_in u8, n_out u8,
 *   input bytes u32 x n_in, output bytes u32 x n_out, then board, model and sha256 as NUL-terminated text.
 */
#include "mn_board.h"
#include "mn_harness.h"
#include "mn_model_api.h"
#include "mn_protocol.h"

static mn_frame_t rx;
static uint8_t tx[MN_PROTO_MAX_PAYLOAD + MN_PROTO_OVERHEAD];
static size_t tx_len;
static int cache_valid; /* tx holds the response to the request (cache_seq, cache_crc) */
static uint8_t cache_seq;
static uint32_t cache_crc;
static uint32_t invoke_count;

#define OUT (tx + MN_PROTO_HEADER) /* responses are built in place */

static uint16_t put_text(uint8_t *p, const char *s)
{
    uint16_t n = 0;
    while (s[n]) {
        p[n] = (uint8_t)s[n];
        n++;
    }
    p[n] = 0;
    return (uint16_t)(n + 1);
}

static void respond(uint8_t type, uint8_t seq, uint16_t len)
{
    tx_len = mn_proto_encode(tx, type, seq, OUT, len);
    mn_proto_write(tx, tx_len);
}

static uint16_t error_payload(uint8_t code, const char *text)
{
    OUT[0] = code;
    return (uint16_t)(1 + put_text(OUT + 1, text));
}

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

static void invoke_model(void)
{
#if defined(MN_HARNESS_TEST_FAULT) /* tests of the host's error reporting */
    __asm__ volatile("udf #0");
#elif defined(MN_HARNESS_TEST_HANG)
    for (;;) {
    }
#endif
    mn_model.invoke();
}

static uint16_t do_hello(void)
{
    uint16_t n = 0;
    int i;
    OUT[n++] = MN_PROTO_VERSION;
    mn_put_u16(OUT + n, MN_PROTO_MAX_PAYLOAD);
    n += 2;
    OUT[n++] = (uint8_t)mn_board_has_cycles;
    mn_put_u32(OUT + n, mn_model.arena_bytes);
    n += 4;
    mn_put_u32(OUT + n, mn_stack_size());
    n += 4;
    OUT[n++] = mn_model.num_inputs;
    OUT[n++] = mn_model.num_outputs;
    for (i = 0; i < mn_model.num_inputs; i++, n += 4)
        mn_put_u32(OUT + n, mn_model.input_bytes[i]);
    for (i = 0; i < mn_model.num_outputs; i++, n += 4)
        mn_put_u32(OUT + n, mn_model.output_bytes[i]);
    n += put_text(OUT + n, mn_board_name);
    n += put_text(OUT + n, mn_model.name);
    n += put_text(OUT + n, mn_model.sha256);
    return n;
}

/* Returns the response type; *len receives the payload size. */
static uint8_t handle(const mn_frame_t *f, uint16_t *len)
{
    const uint8_t *p = f->payload;
    int i;
    switch (f->type) {
    case MN_T_HELLO:
        *len = do_hello();
        return MN_T_INFO;
    case MN_T_WRITE: {
        uint8_t index;
        uint32_t offset, n;
        if (f->len < 5) {
            *len = error_payload(MN_ERR_BAD_REQUEST, "WRITE: short payload");
            return MN_T_ERROR;
        }
        index = p[0];
        offset = mn_get_u32(p + 1);
        n = (uint32_t)f->len - 5u;
        if (index >= mn_model.num_inputs || offset > mn_model.input_bytes[index] ||
            n > mn_model.input_bytes[index] - offset) {
            *len = error_payload(MN_ERR_RANGE, "WRITE: outside the input tensor");
            return MN_T_ERROR;
        }
        {
            uint8_t *dst = (uint8_t *)mn_model.input(index) + offset;
            uint32_t k;
            for (k = 0; k < n; k++)
                dst[k] = p[5 + k];
        }
        *len = 0;
        return MN_T_ACK;
    }
    case MN_T_INVOKE: {
        uint32_t cycles;
        uint16_t n = 0;
        if (f->len != 1u + 4u * mn_model.num_inputs || p[0] != mn_model.num_inputs) {
            *len = error_payload(MN_ERR_BAD_REQUEST, "INVOKE: expected one CRC-32 per input");
            return MN_T_ERROR;
        }
        for (i = 0; i < mn_model.num_inputs; i++) {
            if (mn_crc32(0, (const uint8_t *)mn_model.input(i), mn_model.input_bytes[i]) !=
                mn_get_u32(p + 1 + 4 * i)) {
                *len = error_payload(MN_ERR_INPUT_CRC, "INVOKE: input CRC-32 differs from the host's");
                return MN_T_ERROR;
            }
        }
        cycles = mn_measure(invoke_model) - mn_measure_overhead_cycles;
        invoke_count++;
        OUT[n++] = 0;
        mn_put_u32(OUT + n, invoke_count);
        n += 4;
        mn_put_u32(OUT + n, mn_board_has_cycles ? cycles : 0u);
        n += 4;
        OUT[n++] = (uint8_t)mn_board_has_cycles;
        mn_put_u32(OUT + n, mn_stack_used());
        n += 4;
        OUT[n++] = mn_model.num_outputs;
        for (i = 0; i < mn_model.num_outputs; i++, n += 4)
            mn_put_u32(OUT + n, mn_crc32(0, (const uint8_t *)mn_model.output(i), mn_model.output_bytes[i]));
        *len = n;
        return MN_T_RESULT;
    }
    case MN_T_READ: {
        uint8_t index;
        uint32_t offset, n, k;
        const uint8_t *src;
        if (f->len != 7) {
            *len = error_payload(MN_ERR_BAD_REQUEST, "READ: payload must be 7 bytes");
            return MN_T_ERROR;
        }
        index = p[0];
        offset = mn_get_u32(p + 1);
        n = mn_get_u16(p + 5);
        if (index >= mn_model.num_outputs || offset > mn_model.output_bytes[index] ||
            n > mn_model.output_bytes[index] - offset || n > MN_PROTO_MAX_PAYLOAD - 5u) {
            *len = error_payload(MN_ERR_RANGE, "READ: outside the output tensor or too long");
            return MN_T_ERROR;
        }
        src = (const uint8_t *)mn_model.output(index) + offset;
        OUT[0] = index;
        mn_put_u32(OUT + 1, offset);
        for (k = 0; k < n; k++)
            OUT[5 + k] = src[k];
        *len = (uint16_t)(5u + n);
        return MN_T_DATA;
    }
    case MN_T_EXIT:
        *len = 0;
        return MN_T_ACK;
    default:
        *len = error_payload(MN_ERR_BAD_REQUEST, "unknown request type");
        return MN_T_ERROR;
    }
}

int main(void)
{
    mn_board_init();
    mn_stack_paint();
    mn_model.init();
    mn_measure_calibrate();
#ifdef MN_HARNESS_TRACE
    mn_model_set_trace(trace_tensor);
#endif

    mn_puts("\r\nmicro-harness proto=");
    mn_putu(MN_PROTO_VERSION);
    mn_puts(" board=");
    mn_puts(mn_board_name);
    mn_puts(" model=");
    mn_puts(mn_model.name);
    mn_puts(" sha256=");
    mn_puts(mn_model.sha256);
    mn_puts(" arena=");
    mn_putu(mn_model.arena_bytes);
    mn_puts("\r\n");

    for (;;) {
        uint16_t len;
        uint8_t type;
        if (!mn_proto_recv(&rx)) {
            respond(MN_T_NAK, 0, 0);
            continue;
        }
        if (rx.type == MN_T_HELLO) {
            cache_valid = 0;
        } else if (cache_valid && rx.seq == cache_seq && rx.crc == cache_crc) {
            mn_proto_write(tx, tx_len); /* the host missed our answer: repeat it, do not act twice */
            continue;
        }
        if (rx.type == MN_T_INVOKE)
            respond(MN_T_ACK, rx.seq, 0); /* "started": the host now waits as long as an invoke takes */
        type = handle(&rx, &len);
        respond(type, rx.seq, len);
        cache_valid = 1;
        cache_seq = rx.seq;
        cache_crc = rx.crc;
        if (rx.type == MN_T_EXIT)
            mn_board_exit(rx.len ? rx.payload[0] : 0);
    }
}

/* micro's serial protocol served one request at a time: the request handling shared by the bare-metal
 * harness firmware and the Arduino library (see mn_serve.h and mn_protocol.h). */
#include "mn_serve.h"

#include "mn_model_api.h"
#include "mn_protocol.h"

static mn_frame_t rx;
static uint8_t tx[MN_PROTO_MAX_PAYLOAD + MN_PROTO_OVERHEAD];
static size_t tx_len;
static int cache_valid; /* tx holds the response to the request (cache_seq, cache_crc) */
static uint32_t cache_seq;
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

void mn_puts(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    mn_serve_write((const uint8_t *)s, n);
}

void mn_putu(uint32_t v)
{
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    mn_puts(buf + i);
}

static void respond(uint8_t type, uint32_t seq, uint16_t len)
{
    tx_len = mn_proto_encode(tx, type, seq, OUT, len);
    mn_serve_write(tx, tx_len);
}

/* An ERROR response (code, text): its payload is built, *len set, and MN_T_ERROR returned. */
static uint8_t fail(uint16_t *len, uint8_t code, const char *msg)
{
    OUT[0] = code;
    *len = (uint16_t)(1 + put_text(OUT + 1, msg));
    return MN_T_ERROR;
}

/* Bytes [offset, offset + n) lie inside a tensor of `size` bytes (no overflow). */
static int in_tensor(uint32_t size, uint32_t offset, uint32_t n)
{
    return offset <= size && n <= size - offset;
}

void mn_serve_banner(void)
{
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
}

void mn_serve_begin(void)
{
    mn_model.init();
    mn_serve_banner();
}

static void invoke_model(void)
{
#if defined(MN_HARNESS_TEST_FAULT) /* tests of the host's error reporting (bare-metal builds only) */
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
    OUT[n++] = (uint8_t)(mn_serve_has_cycles() ? 1 : 0);
    mn_put_u32(OUT + n, mn_model.arena_bytes);
    n += 4;
    mn_put_u32(OUT + n, mn_serve_stack_size());
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

static uint8_t do_write(const mn_frame_t *f, uint16_t *len)
{
    const uint8_t *p = f->payload;
    uint8_t index;
    uint32_t offset, n, k;
    uint8_t *dst;
    if (f->len < 5)
        return fail(len, MN_ERR_BAD_REQUEST, "WRITE: short payload");
    index = p[0];
    offset = mn_get_u32(p + 1);
    n = (uint32_t)f->len - 5u;
    if (index >= mn_model.num_inputs || !in_tensor(mn_model.input_bytes[index], offset, n))
        return fail(len, MN_ERR_RANGE, "WRITE: outside the input tensor");
    dst = (uint8_t *)mn_model.input(index) + offset;
    for (k = 0; k < n; k++)
        dst[k] = p[5 + k];
    *len = 0;
    return MN_T_ACK;
}

static uint8_t do_invoke(const mn_frame_t *f, uint16_t *len)
{
    const uint8_t *p = f->payload;
    uint32_t cycles;
    uint16_t n = 0;
    int i;
    if (f->len != 1u + 4u * mn_model.num_inputs || p[0] != mn_model.num_inputs)
        return fail(len, MN_ERR_BAD_REQUEST, "INVOKE: expected one CRC-32 per input");
    for (i = 0; i < mn_model.num_inputs; i++) {
        if (mn_crc32(0, (const uint8_t *)mn_model.input(i), mn_model.input_bytes[i]) != mn_get_u32(p + 1 + 4 * i))
            return fail(len, MN_ERR_INPUT_CRC, "INVOKE: input CRC-32 differs from the host's");
    }
    cycles = mn_serve_measure(invoke_model);
    invoke_count++;
    OUT[n++] = 0;
    mn_put_u32(OUT + n, invoke_count);
    n += 4;
    mn_put_u32(OUT + n, mn_serve_has_cycles() ? cycles : 0u);
    n += 4;
    OUT[n++] = (uint8_t)(mn_serve_has_cycles() ? 1 : 0);
    mn_put_u32(OUT + n, mn_serve_stack_used());
    n += 4;
    OUT[n++] = mn_model.num_outputs;
    for (i = 0; i < mn_model.num_outputs; i++, n += 4)
        mn_put_u32(OUT + n, mn_crc32(0, (const uint8_t *)mn_model.output(i), mn_model.output_bytes[i]));
    *len = n;
    return MN_T_RESULT;
}

static uint8_t do_read(const mn_frame_t *f, uint16_t *len)
{
    const uint8_t *p = f->payload;
    uint8_t index;
    uint32_t offset, n, k;
    const uint8_t *src;
    if (f->len != 7)
        return fail(len, MN_ERR_BAD_REQUEST, "READ: payload must be 7 bytes");
    index = p[0];
    offset = mn_get_u32(p + 1);
    n = mn_get_u16(p + 5);
    if (index >= mn_model.num_outputs || !in_tensor(mn_model.output_bytes[index], offset, n) ||
        n > MN_PROTO_MAX_PAYLOAD - 5u)
        return fail(len, MN_ERR_RANGE, "READ: outside the output tensor or too long");
    src = (const uint8_t *)mn_model.output(index) + offset;
    OUT[0] = index;
    mn_put_u32(OUT + 1, offset);
    for (k = 0; k < n; k++)
        OUT[5 + k] = src[k];
    *len = (uint16_t)(5u + n);
    return MN_T_DATA;
}

int mn_serve_one(void)
{
    uint16_t len = 0;
    uint8_t type;
    if (!mn_proto_recv(&rx)) {
        /* NAK from a buffer of its own: tx holds the cached response to the last request, which a repeat
         * of that request must get again (a NAK in tx would answer every later repeat with NAK). */
        uint8_t nak[MN_PROTO_OVERHEAD];
        mn_serve_write(nak, mn_proto_encode(nak, MN_T_NAK, 0, nak, 0));
        return 0;
    }
    if (rx.type == MN_T_HELLO) {
        cache_valid = 0;
    } else if (cache_valid && rx.seq == cache_seq && rx.crc == cache_crc) {
        mn_serve_write(tx, tx_len); /* the host missed our answer: repeat it, do not act twice */
        return rx.type;
    } else if (cache_valid && (uint32_t)(rx.seq - cache_seq - 1u) >= 0x7FFFFFFFu) {
        return 0; /* not newer than the last request served: a replayed old frame; ignore it */
    }
    switch (rx.type) {
    case MN_T_HELLO:
        len = do_hello();
        type = MN_T_INFO;
        break;
    case MN_T_WRITE:
        type = do_write(&rx, &len);
        break;
    case MN_T_INVOKE:
        respond(MN_T_ACK, rx.seq, 0); /* "started": the host now waits as long as an invoke takes */
        type = do_invoke(&rx, &len);
        break;
    case MN_T_READ:
        type = do_read(&rx, &len);
        break;
    case MN_T_EXIT:
        type = MN_T_ACK;
        break;
    case MN_T_RESET: /* a repeated RESET is answered from the cache above: it acts once */
        if (rx.len != 1 || rx.payload[0] > MN_RESET_INIT) {
            type = fail(&len, MN_ERR_BAD_REQUEST, "RESET: payload must be one byte, mode 0 or 1");
            break;
        }
        if (rx.payload[0] == MN_RESET_INIT)
            mn_model.init();
        else
            mn_model.reset();
        type = MN_T_ACK;
        break;
    default:
        type = fail(&len, MN_ERR_BAD_REQUEST, "unknown request type");
        break;
    }
    respond(type, rx.seq, len);
    cache_valid = 1;
    cache_seq = rx.seq;
    cache_crc = rx.crc;
    if (rx.type == MN_T_EXIT) {
        cache_valid = 0;
        mn_serve_exit(rx.len ? rx.payload[0] : 0);
    }
    return rx.type;
}

/* micro serial protocol: framing and CRCs (see mn_protocol.h). */
#include "mn_protocol.h"

#include "mn_board.h"

static const uint32_t crc32_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t mn_crc32(uint32_t crc, const uint8_t *data, size_t n)
{
    size_t i;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ crc32_nibble[crc & 15u];
        crc = (crc >> 4) ^ crc32_nibble[crc & 15u];
    }
    return ~crc;
}

uint8_t mn_crc8(const uint8_t *data, size_t n)
{
    uint8_t crc = 0;
    size_t i;
    int b;
    for (i = 0; i < n; i++) {
        crc ^= data[i];
        for (b = 0; b < 8; b++)
            crc = (uint8_t)((crc & 0x80u) ? ((unsigned)crc << 1) ^ 0x07u : (unsigned)crc << 1);
    }
    return crc;
}

void mn_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void mn_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

uint16_t mn_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t mn_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Next byte within MN_PROTO_BYTE_TIMEOUT_MS, or -1. */
static int getc_timeout(void)
{
    uint32_t t0 = mn_board_millis();
    for (;;) {
        int c = mn_board_getc();
        if (c >= 0)
            return c;
        if ((uint32_t)(mn_board_millis() - t0) > MN_PROTO_BYTE_TIMEOUT_MS)
            return -1;
        mn_board_idle();
    }
}

int mn_proto_recv(mn_frame_t *f)
{
    uint8_t hdr[8]; /* type, seq u32, len u16, CRC-8 */
    uint8_t tail[4];
    int c, i;
    uint32_t crc;

    /* hunt for 0xA5 0x5A, without a time limit */
    c = -1;
    for (;;) {
        while (c != 0xA5) {
            c = mn_board_getc();
            if (c < 0)
                mn_board_idle();
        }
        c = getc_timeout();
        if (c == 0x5A)
            break;
        if (c < 0)
            return 0;
    }
    for (i = 0; i < 8; i++) {
        c = getc_timeout();
        if (c < 0)
            return 0;
        hdr[i] = (uint8_t)c;
    }
    if (mn_crc8(hdr, 7) != hdr[7])
        return 0;
    f->type = hdr[0];
    f->seq = mn_get_u32(hdr + 1);
    f->len = mn_get_u16(hdr + 5);
    if (f->len > MN_PROTO_MAX_PAYLOAD)
        return 0;
    for (i = 0; i < (int)f->len; i++) {
        c = getc_timeout();
        if (c < 0)
            return 0;
        f->payload[i] = (uint8_t)c;
    }
    for (i = 0; i < 4; i++) {
        c = getc_timeout();
        if (c < 0)
            return 0;
        tail[i] = (uint8_t)c;
    }
    crc = mn_crc32(0, hdr, 7);
    crc = mn_crc32(crc, f->payload, f->len);
    if (crc != mn_get_u32(tail))
        return 0;
    f->crc = crc;
    return 1;
}

size_t mn_proto_encode(uint8_t *buf, uint8_t type, uint32_t seq, const uint8_t *payload, uint16_t len)
{
    uint32_t crc;
    uint16_t i;
    buf[0] = 0xA5;
    buf[1] = 0x5A;
    buf[2] = type;
    mn_put_u32(buf + 3, seq);
    mn_put_u16(buf + 7, len);
    buf[9] = mn_crc8(buf + 2, 7);
    for (i = 0; i < len; i++)
        buf[MN_PROTO_HEADER + i] = payload[i];
    crc = mn_crc32(0, buf + 2, 7);
    crc = mn_crc32(crc, payload, len);
    mn_put_u32(buf + MN_PROTO_HEADER + len, crc);
    return (size_t)len + MN_PROTO_OVERHEAD;
}

void mn_proto_write(const uint8_t *buf, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        mn_board_putc(buf[i]);
}

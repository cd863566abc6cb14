/* micro's serial protocol (mn_protocol.h, version 3), device side: the one request handler of every firmware.
 *
 * Used by the bare-metal harness firmware (mn_harness_main.c owns main() and calls mn_serve_one() forever) and
 * by the Arduino library (../arduino/mn_arduino_harness.cpp calls it from the sketch's loop()), so both answer
 * byte for byte alike (same banner, INFO and RESULT layouts, the same repeat cache) and micro's host harness
 * (micro/deploy/protocol.py, `micro verify --port`) cannot tell them apart.
 *
 * At boot the firmware prints one text line (for humans and for `Wait For Line On Uart`):
 *   micro-harness proto=3 board=<board> model=<name> sha256=<hex> arena=<bytes>
 * and then answers framed requests. INFO payload (answer to HELLO), little-endian:
 *   proto u8, max_payload u16, has_cycles u8, arena_bytes u32, stack_bytes u32, n_in u8, n_out u8,
 *   input bytes u32 x n_in, output bytes u32 x n_out, then board, model and sha256 as NUL-terminated text.
 *
 * Bytes are read through mn_board_getc / mn_board_millis / mn_board_idle (mn_board.h, used by mn_protocol.c);
 * everything else the board does is behind the small hooks at the end of this header (bare metal:
 * mn_harness_util.c; Arduino: mn_arduino_harness.cpp).
 */
#ifndef MN_SERVE_H
#define MN_SERVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Prints the one-line text banner (the model must be initialised). */
void mn_serve_banner(void);

/* Initialises the model, then prints the banner: the start for sketches, which do not own main(). */
void mn_serve_begin(void);

/* Receives one request frame (waiting for it as mn_proto_recv does) and answers it. Returns the request type
 * (MN_T_HELLO ... MN_T_RESET), or 0 for a corrupted frame (answered with NAK) or a stale one (older than the
 * last request served: ignored). After MN_T_EXIT the board's mn_serve_exit(code) has been called. */
int mn_serve_one(void);

/* Text on the serial line (through mn_serve_write): a string, an unsigned decimal number. */
void mn_puts(const char *s);
void mn_putu(uint32_t v);

/* ---- provided by the board (bare metal: mn_harness_util.c; Arduino: mn_arduino_harness.cpp) ---- */

/* Writes raw bytes to the serial line (a whole frame at once: USB serial sends it in few packets). */
void mn_serve_write(const uint8_t *data, size_t n);

/* Runs fn (the model's invoke) once and returns its cost in CPU cycles; mn_serve_has_cycles() is 1 where that
 * count is meaningful (else the host reads 0 and, on QEMU, counts instructions between mn_cost_begin/end). */
int mn_serve_has_cycles(void);
uint32_t mn_serve_measure(void (*fn)(void));

/* Stack bytes reserved and used (high-water mark), or 0 where unknown. */
uint32_t mn_serve_stack_size(void);
uint32_t mn_serve_stack_used(void);

/* The host sent EXIT(code): stop (bare metal, emulator), or keep serving (a real board keeps serving so the
 * host can reconnect). */
void mn_serve_exit(int code);

/* Board name announced in the banner and in INFO (the record name in micro/boards, e.g. "nano33ble"). */
extern const char mn_board_name[];

#ifdef __cplusplus
}
#endif

#endif /* MN_SERVE_H */

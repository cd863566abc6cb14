/* micro's serial protocol (mn_protocol.h, version 1), served one request at a time: the device side for
 * sketches (Arduino `setup()`/`loop()`), where the firmware does not own main().
 *
 * It answers exactly as firmware_templates/common/mn_harness_main.c does (same INFO and RESULT layouts, the
 * same repeat cache), so micro's host harness (micro/harness/protocol.py, `micro verify --port`) cannot tell
 * the two apart. The platform glue provides the byte I/O that mn_protocol.c uses (mn_board_getc,
 * mn_board_millis, mn_board_idle; see mn_board.h) plus the hooks below.
 */
#ifndef MN_SERVE_H
#define MN_SERVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises the model and prints the one-line text banner:
 *   micro-harness proto=1 board=<board> model=<name> sha256=<hex> arena=<bytes> */
void mn_serve_begin(void);

/* Receives one request frame (the caller knows a byte is waiting) and answers it. Returns the request type
 * (MN_T_HELLO ... MN_T_EXIT), or 0 for a corrupted frame (answered with NAK). After MN_T_EXIT the glue's
 * mn_serve_exit(code) has been called. */
int mn_serve_one(void);

/* ---- provided by the platform glue ---- */

/* Writes raw bytes to the serial line (a whole frame at once: USB serial sends it in few packets). */
void mn_serve_write(const uint8_t *data, size_t n);

/* Cycle counter around the invoke: mn_serve_has_cycles() is 1 where mn_serve_cycles() counts CPU cycles. */
int mn_serve_has_cycles(void);
uint32_t mn_serve_cycles(void);

/* Stack bytes reserved and used (high-water mark), or 0 where unknown. */
uint32_t mn_serve_stack_size(void);
uint32_t mn_serve_stack_used(void);

/* The host sent EXIT(code): stop, or keep serving (a real board keeps serving so the host can reconnect). */
void mn_serve_exit(int code);

/* Board name announced in INFO (the record name in micro/boards, e.g. "nano33ble"). */
extern const char mn_board_name[];

#ifdef __cplusplus
}
#endif

#endif /* MN_SERVE_H */

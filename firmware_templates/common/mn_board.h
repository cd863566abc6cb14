/* What every board directory (firmware_templates/<board>/) provides to the common harness code.
 *
 * A board supplies: startup code and vector table (startup.c), a linker script template (linker.ld.in,
 * filled in by micro/harness/firmware.py), and the functions below (board.c). All I/O is polled; the only
 * interrupt the harness uses is a 1 kHz tick for timeouts, which is paused around every measured invoke so
 * that it never adds instructions to the measurement.
 */
#ifndef MN_BOARD_H
#define MN_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Clocks, UART, tick. Called once, first thing in main(). */
void mn_board_init(void);

/* Blocking write of one byte to the host serial line. */
void mn_board_putc(uint8_t byte);

/* Non-blocking read: the next received byte (0..255), or -1 when none is waiting. */
int mn_board_getc(void);

/* Nothing to do until the next interrupt (a received byte or the tick): WFI where the UART's RX interrupt
 * wakes the core (it saves the emulator's host CPU), or simply return. */
void mn_board_idle(void);

/* External interrupt `irq` (0-based) fired: clear its source. */
void mn_board_irq(uint32_t irq);

/* Milliseconds since mn_board_init (wraps after ~49 days); frozen while the tick is paused. */
uint32_t mn_board_millis(void);

/* Stop / restart the 1 kHz tick interrupt (around measured code). */
void mn_board_tick_pause(void);
void mn_board_tick_resume(void);

/* Cost of measured code in cycles, where the core counts them (DWT->CYCCNT). MN_BOARD_HAS_CYCLES is 1 when
 * mn_board_cycles() is meaningful; on an emulator without a cycle counter it is 0 and the host measures
 * instructions instead (see mn_cost_begin/mn_cost_end in mn_harness.h). */
uint32_t mn_board_cycles(void);
extern const int mn_board_has_cycles;

/* Stop with an exit code: semihosting exit on an emulator, a parked core on hardware. Never returns. */
void mn_board_exit(int code) __attribute__((noreturn));

/* Board name as announced to the host (the name of the record in micro/boards). */
extern const char mn_board_name[];

/* Stack bounds from the linker script (lowest address, one past the highest). */
extern uint32_t mn_stack_bottom[];
extern uint32_t mn_stack_end[];

#endif /* MN_BOARD_H */

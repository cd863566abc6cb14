/* Shared helpers of the two bare-metal firmware mains (mn_harness_main.c: serial protocol; mn_selftest_main.c:
 * embedded test vectors): cost measurement, stack high-water mark; text output (mn_puts, mn_putu)
 * comes from mn_serve.h. mn_harness_util.c also implements mn_serve.h's board hooks. */
#ifndef MN_HARNESS_H
#define MN_HARNESS_H

#include <stdint.h>

#include "mn_serve.h"

/* Markers around measured code. The QEMU instruction-count plugin (micro/deploy/qemu_plugin/mn_icount.c)
 * counts the instructions executed from entering mn_cost_begin to entering mn_cost_end; both are
 * non-inlined functions with distinct bodies so their addresses are stable and distinct. */
void mn_cost_begin(void);
void mn_cost_end(void);

#ifdef MN_PROFILE
/* Profiling builds: the generated invoke calls this before every op, and with -1 after the last. */
void mn_profile_mark(int op_index);
#endif

/* Runs fn between the markers with the tick paused; returns cycles where the board counts them, else 0.
 * Every call is one "pair" for the plugin: the first call (pair 0) is mn_measure_calibrate(). */
uint32_t mn_measure(void (*fn)(void));

/* Measures an empty function once (pair 0): the fixed overhead the host subtracts. */
void mn_measure_calibrate(void);
extern uint32_t mn_measure_overhead_cycles;

/* Fills the unused part of the stack with a pattern; mn_stack_used() is then the high-water mark. */
void mn_stack_paint(void);
uint32_t mn_stack_used(void);
uint32_t mn_stack_size(void);

#endif /* MN_HARNESS_H */

/* Cost markers, stack high-water mark and the board hooks of the request handler (mn_serve.h), shared by the
 * bare-metal firmware mains. */
#include "mn_harness.h"

#include "mn_board.h"
#include "mn_protocol.h"
#include "mn_serve.h"

#define MN_STACK_PATTERN 0xC5A3E1F7u

volatile uint32_t mn_cost_marker;
uint32_t mn_measure_overhead_cycles;

__attribute__((noipa)) void mn_cost_begin(void)
{
    mn_cost_marker = 0x4245u; /* "BE" */
}

__attribute__((noipa)) void mn_cost_end(void)
{
    mn_cost_marker = 0x454Eu; /* "EN" */
}

#ifdef MN_PROFILE
/* The per-op mark of the generated invoke in profiling builds (MN_PROFILE): QEMU's instruction-count plugin
 * samples its counters each time this function is entered (micro/profile). noipa: one address, never
 * inlined or cloned for a constant argument (link-time optimisation of the harness would do that). */
volatile int32_t mn_profile_marker;

__attribute__((noipa)) void mn_profile_mark(int op_index)
{
    mn_profile_marker = op_index;
}
#endif

static void mn_nothing(void)
{
    __asm__ volatile("" ::: "memory");
}

uint32_t mn_measure(void (*fn)(void))
{
    uint32_t c0, c1;
    mn_board_tick_pause();
    c0 = mn_board_cycles();
    mn_cost_begin();
    fn();
    mn_cost_end();
    c1 = mn_board_cycles();
    mn_board_tick_resume();
    return c1 - c0;
}

void mn_measure_calibrate(void)
{
    mn_measure_overhead_cycles = mn_measure(mn_nothing);
}

void mn_stack_paint(void)
{
    volatile uint32_t here = 0;
    uint32_t *p = mn_stack_bottom;
    uint32_t *limit = (uint32_t *)((uintptr_t)&here & ~(uintptr_t)3u) - 32; /* stay clear of live frames */
    while (p < limit)
        *p++ = MN_STACK_PATTERN;
}

uint32_t mn_stack_used(void)
{
    const uint32_t *p = mn_stack_bottom;
    while (p < mn_stack_end && *p == MN_STACK_PATTERN)
        p++;
    return (uint32_t)((uintptr_t)mn_stack_end - (uintptr_t)p);
}

uint32_t mn_stack_size(void)
{
    return (uint32_t)((uintptr_t)mn_stack_end - (uintptr_t)mn_stack_bottom);
}

/* ---- mn_serve.h hooks over mn_board.h ---- */

void mn_serve_write(const uint8_t *data, size_t n)
{
    mn_proto_write(data, n);
}

int mn_serve_has_cycles(void)
{
    return mn_board_has_cycles;
}

uint32_t mn_serve_measure(void (*fn)(void))
{
    return mn_measure(fn) - mn_measure_overhead_cycles;
}

uint32_t mn_serve_stack_size(void)
{
    return mn_stack_size();
}

uint32_t mn_serve_stack_used(void)
{
    return mn_stack_used();
}

void mn_serve_exit(int code)
{
    mn_board_exit(code);
}

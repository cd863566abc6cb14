/* Cost markers, stack high-water mark and text output shared by the firmware mains. */
#include "mn_harness.h"

#include "mn_board.h"

#define MN_STACK_PATTERN 0xC5A3E1F7u

volatile uint32_t mn_cost_marker;
uint32_t mn_measure_overhead_cycles;

__attribute__((noinline)) void mn_cost_begin(void)
{
    mn_cost_marker = 0x4245u; /* "BE" */
}

__attribute__((noinline)) void mn_cost_end(void)
{
    mn_cost_marker = 0x454Eu; /* "EN" */
}

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

void mn_puts(const char *s)
{
    while (*s)
        mn_board_putc((uint8_t)*s++);
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

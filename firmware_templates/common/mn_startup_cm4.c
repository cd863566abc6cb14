/* Reset and exception entry for every Cortex-M board (M0 to M55): vector table, .data/.bss initialisation,
 * FPU enable where the CPU flags give one (__ARM_FP). The file name is historical.
 * Faults stop the board with exit code 3 (mn_board_exit), which the host reports as a crash. */
#include <stdint.h>

#include "mn_board.h"

extern void mn_stack_top(void); /* linker symbol: initial stack pointer (typed as a function for the table) */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
int main(void);

void Reset_Handler(void);
void mn_fault_handler(void);
void mn_unused_handler(void);
void SysTick_Handler(void); /* in board.c */
void mn_board_early_init(void); /* in board.c: what must happen before .data/.bss (e.g. VTOR) */

#define MN_SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

void mn_irq_entry(void);

#define MN_NUM_IRQS 48
#define MN_IRQ4 mn_irq_entry, mn_irq_entry, mn_irq_entry, mn_irq_entry
#define MN_IRQ16 MN_IRQ4, MN_IRQ4, MN_IRQ4, MN_IRQ4

__attribute__((section(".isr_vector"), used)) void (*const mn_vectors[16 + MN_NUM_IRQS])(void) = {
    mn_stack_top,      /* initial SP */
    Reset_Handler,     /* reset */
    mn_fault_handler,  /* NMI */
    mn_fault_handler,  /* HardFault */
    mn_fault_handler,  /* MemManage */
    mn_fault_handler,  /* BusFault */
    mn_fault_handler,  /* UsageFault */
    0, 0, 0, 0,        /* reserved */
    mn_unused_handler, /* SVCall */
    mn_unused_handler, /* DebugMonitor */
    0,                 /* reserved */
    mn_unused_handler, /* PendSV */
    SysTick_Handler,   /* SysTick */
    MN_IRQ16, MN_IRQ16, MN_IRQ16, /* external interrupts 0..47: mn_board_irq(n) */
};

/* Every external interrupt: the board clears its source in mn_board_irq. */
void mn_irq_entry(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    mn_board_irq((ipsr & 0x1FFu) - 16u);
}

void Reset_Handler(void)
{
    uint32_t *src = _sidata, *dst = _sdata;
    mn_board_early_init();
    while (dst < _edata)
        *dst++ = *src++;
    for (dst = _sbss; dst < _ebss; dst++)
        *dst = 0;
#if defined(__ARM_FP)
    MN_SCB_CPACR |= 0xFu << 20; /* CP10, CP11: full access to the FPU */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    mn_board_exit(main());
}

void mn_fault_handler(void)
{
    mn_board_exit(3);
}

void mn_unused_handler(void)
{
    mn_board_exit(4);
}

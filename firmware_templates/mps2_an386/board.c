/* Board support for Arm MPS2 AN386 (Cortex-M4F) as emulated by QEMU (`-M mps2-an386`):
 * CMSDK APB UART0 at 0x40004000 (one-byte RX buffer, polled; its RX interrupt (IRQ 0) only wakes the core
 * from WFI while it waits, so an idle QEMU does not spin a host CPU), SysTick 1 kHz tick from the 25 MHz clock,
 * semihosting exit. QEMU does not emulate DWT->CYCCNT, so cycles are not reported: the host counts
 * instructions with the mn_icount plugin instead. */
#include <stdint.h>

#include "mn_board.h"

#define MN_CPU_HZ 25000000u

#define UART0_DATA (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE (*(volatile uint32_t *)0x40004004u)
#define UART0_CTRL (*(volatile uint32_t *)0x40004008u)
#define UART0_INTCLEAR (*(volatile uint32_t *)0x4000400Cu)
#define UART0_BAUDDIV (*(volatile uint32_t *)0x40004010u)
#define UART_CTRL_TXEN 1u
#define UART_CTRL_RXEN 2u
#define UART_CTRL_RXINTEN 8u
#define UART_INT_RX 2u
#define UART0_RX_IRQ 0u
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)
#define NVIC_ICER0 (*(volatile uint32_t *)0xE000E180u)
#define UART_STATE_TXFULL 1u
#define UART_STATE_RXFULL 2u

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define ICSR_PENDSTCLR (1u << 25)

const char mn_board_name[] = "mps2_an386";
const int mn_board_has_cycles = 0;

static volatile uint32_t ticks_ms;

void SysTick_Handler(void)
{
    ticks_ms++;
}

void mn_board_early_init(void)
{
}

void mn_board_init(void)
{
    UART0_BAUDDIV = 16u;
    UART0_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
    (void)UART0_DATA;        /* QEMU: without this read the first received byte is held back ~1 s */
    UART0_INTCLEAR = UART_INT_RX;
    NVIC_ISER0 = 1u << UART0_RX_IRQ; /* only to wake the core from WFI; the byte is read by polling */
    SYST_RVR = MN_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u;           /* core clock, interrupt, enable */
}

void mn_board_putc(uint8_t byte)
{
    while (UART0_STATE & UART_STATE_TXFULL) {
    }
    UART0_DATA = byte;
}

int mn_board_getc(void)
{
    if (UART0_STATE & UART_STATE_RXFULL)
        return (int)(UART0_DATA & 0xFFu);
    return -1;
}

void mn_board_idle(void)
{
    __asm__ volatile("wfi");
}

void mn_board_irq(uint32_t irq)
{
    if (irq == UART0_RX_IRQ)
        UART0_INTCLEAR = UART_INT_RX;
}

uint32_t mn_board_millis(void)
{
    return ticks_ms;
}

/* Around measured code: no tick and no UART interrupt (a byte the host sends meanwhile stays in the UART and
 * its interrupt runs after mn_board_tick_resume), so the instruction count is the model's alone. */
void mn_board_tick_pause(void)
{
    SYST_CSR = 5u;              /* keep counting, no interrupt */
    SCB_ICSR = ICSR_PENDSTCLR;  /* drop a tick that was already pending */
    NVIC_ICER0 = 1u << UART0_RX_IRQ;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

void mn_board_tick_resume(void)
{
    NVIC_ISER0 = 1u << UART0_RX_IRQ;
    SYST_CSR = 7u;
}

uint32_t mn_board_cycles(void)
{
    return 0u;
}

/* Semihosting SYS_EXIT_EXTENDED (0x20): {ADP_Stopped_ApplicationExit, code}; QEMU exits with `code`. */
void mn_board_exit(int code)
{
    uint32_t block[2];
    block[0] = 0x20026u;
    block[1] = (uint32_t)code;
    {
        register uint32_t r0 __asm__("r0") = 0x20u;
        register uint32_t *r1 __asm__("r1") = block;
        __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    }
    for (;;) {
    }
}

/* Board support for Arm's MPS2/MPS3 FPGA images as QEMU emulates them (`-M mps2-an385 | mps2-an386 |
 * mps2-an500 | mps2-an505 | mps3-an547`): CMSDK APB UART0 (one-byte RX buffer, polled; its RX interrupt only
 * wakes the core from WFI while it waits, so an idle QEMU does not spin a host CPU), SysTick 1 kHz tick,
 * semihosting exit. Where the UART sits, its RX interrupt and the core clock differ per image and come from
 * the board file (micro/deploy/boards/<board>.toml, `defines`):
 *   MN_UART_BASE    UART0: 0x40004000 (AN385/AN386/AN500); the Secure alias 0x50200000 (AN505) or
 *                   0x59303000 (AN547), as the firmware runs in the Secure state these TrustZone cores reset in
 *   MN_UART_RX_IRQ  its RX interrupt: 0 (AN385/AN386/AN500), 33 (AN505), 34 (AN547)
 *   MN_CPU_HZ       the SysTick clock: 25 MHz (AN385/AN386/AN500), 20 MHz (AN505), 32 MHz (AN547)
 * QEMU does not emulate DWT->CYCCNT, so cycles are not reported: the host counts instructions with the
 * mn_icount plugin instead. */
#include <stdint.h>

#include "mn_board.h"

#ifndef MN_UART_BASE
#define MN_UART_BASE 0x40004000u
#endif
#ifndef MN_UART_RX_IRQ
#define MN_UART_RX_IRQ 0u
#endif
#ifndef MN_CPU_HZ
#define MN_CPU_HZ 25000000u
#endif

#define REG(addr) (*(volatile uint32_t *)(addr))
#define UART0_DATA REG(MN_UART_BASE + 0x00u)
#define UART0_STATE REG(MN_UART_BASE + 0x04u)
#define UART0_CTRL REG(MN_UART_BASE + 0x08u)
#define UART0_INTCLEAR REG(MN_UART_BASE + 0x0Cu)
#define UART0_BAUDDIV REG(MN_UART_BASE + 0x10u)
#define UART_CTRL_TXEN 1u
#define UART_CTRL_RXEN 2u
#define UART_CTRL_RXINTEN 8u
#define UART_INT_RX 2u
#define UART_STATE_TXFULL 1u
#define UART_STATE_RXFULL 2u
/* NVIC set/clear-enable word and bit of the UART's RX interrupt */
#define NVIC_ISER REG(0xE000E100u + 4u * ((uint32_t)(MN_UART_RX_IRQ) / 32u))
#define NVIC_ICER REG(0xE000E180u + 4u * ((uint32_t)(MN_UART_RX_IRQ) / 32u))
#define UART_RX_IRQ_BIT (1u << ((uint32_t)(MN_UART_RX_IRQ) % 32u))

#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define SCB_ICSR REG(0xE000ED04u)
#define ICSR_PENDSTCLR (1u << 25)

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
    NVIC_ISER = UART_RX_IRQ_BIT; /* only to wake the core from WFI; the byte is read by polling */
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
    if (irq == (uint32_t)(MN_UART_RX_IRQ))
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
    NVIC_ICER = UART_RX_IRQ_BIT;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

void mn_board_tick_resume(void)
{
    NVIC_ISER = UART_RX_IRQ_BIT;
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

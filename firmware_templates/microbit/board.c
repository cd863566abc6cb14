/* Board support for the BBC micro:bit v1 (nRF51822: Cortex-M0 at 16 MHz, 256 KB flash, 16 KB RAM) as QEMU
 * emulates it (`-M microbit`): UART0 at 0x40002000 (QEMU's nrf51_uart: a 6-byte RX FIFO; the chardev is
 * not read while it is full, so no byte is lost), SysTick 1 kHz tick, semihosting exit.
 *
 * What QEMU's nRF51 lacks, and what this file does about it:
 *   - no cycle counter (the Cortex-M0 has no DWT): the host counts instructions with the mn_icount plugin;
 *   - its UART ignores a TXD write while the previous byte is still pending (no FIFO), so every byte waits
 *     for EVENTS_TXDRDY before the next one;
 *   - EVENTS_RXDRDY is the only "byte waiting" flag and its interrupt is level-triggered on it: the RX
 *     interrupt is enabled only inside mn_board_idle (to wake WFI) and disabled again by mn_board_irq, so
 *     the flag stays for the polled read;
 *   - no debugger exit: the firmware stops through semihosting (QEMU's -semihosting-config). */
#include <stdint.h>

#include "mn_board.h"

#define MN_CPU_HZ 16000000u
#define REG(addr) (*(volatile uint32_t *)(addr))

#define UART0 0x40002000u
#define UART_TASKS_STARTRX REG(UART0 + 0x000u)
#define UART_TASKS_STARTTX REG(UART0 + 0x008u)
#define UART_EVENTS_RXDRDY REG(UART0 + 0x108u)
#define UART_EVENTS_TXDRDY REG(UART0 + 0x11Cu)
#define UART_INTENSET REG(UART0 + 0x304u)
#define UART_INTENCLR REG(UART0 + 0x308u)
#define UART_ENABLE REG(UART0 + 0x500u)
#define UART_RXD REG(UART0 + 0x518u)
#define UART_TXD REG(UART0 + 0x51Cu)
#define UART_BAUDRATE REG(UART0 + 0x524u)
#define UART_INT_RXDRDY (1u << 2)
#define UART_ENABLE_ON 4u
#define UART_BAUD_115200 0x01D7E000u
#define UART0_IRQ 2u /* peripheral ID of 0x40002000 */

#define NVIC_ISER0 REG(0xE000E100u)
#define NVIC_ICER0 REG(0xE000E180u)
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
    UART_ENABLE = UART_ENABLE_ON;
    UART_BAUDRATE = UART_BAUD_115200;
    UART_EVENTS_TXDRDY = 0u;
    UART_EVENTS_RXDRDY = 0u;
    UART_TASKS_STARTTX = 1u;
    UART_TASKS_STARTRX = 1u;
    NVIC_ISER0 = 1u << UART0_IRQ;
    SYST_RVR = MN_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* core clock, interrupt, enable */
}

void mn_board_putc(uint8_t byte)
{
    UART_EVENTS_TXDRDY = 0u;
    UART_TXD = byte;
    while (!UART_EVENTS_TXDRDY) {
    }
}

int mn_board_getc(void)
{
    if (!UART_EVENTS_RXDRDY)
        return -1;
    UART_EVENTS_RXDRDY = 0u; /* before the read: reading RXD raises it again while the FIFO holds more */
    return (int)(UART_RXD & 0xFFu);
}

void mn_board_idle(void)
{
    if (UART_EVENTS_RXDRDY)
        return;
    UART_INTENSET = UART_INT_RXDRDY; /* a byte (or the tick) wakes WFI */
    __asm__ volatile("wfi");
}

void mn_board_irq(uint32_t irq)
{
    if (irq == UART0_IRQ)
        UART_INTENCLR = UART_INT_RXDRDY; /* keep EVENTS_RXDRDY for mn_board_getc */
}

uint32_t mn_board_millis(void)
{
    return ticks_ms;
}

void mn_board_tick_pause(void)
{
    SYST_CSR = 5u;             /* keep counting, no interrupt */
    SCB_ICSR = ICSR_PENDSTCLR; /* drop a tick that was already pending */
    NVIC_ICER0 = 1u << UART0_IRQ;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

void mn_board_tick_resume(void)
{
    NVIC_ISER0 = 1u << UART0_IRQ;
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

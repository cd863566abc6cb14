/* Board support for the Arduino Nano 33 BLE (nRF52840, Cortex-M4F at 64 MHz), bare metal:
 * the application sits at 0x10000 after the Arduino bootloader (VTOR is set here), UARTE0 at 0x40002000 on
 * the D1/TX (P1.03) and D0/RX (P1.10) pins at 115200 8N1, EasyDMA one byte at a time with the ENDRX->STARTRX
 * shortcut (a byte that arrives before the previous one was read is lost; the protocol recovers from it),
 * SysTick 1 kHz tick, DWT->CYCCNT for cycles. mn_board_exit parks the core (there is no semihosting host). */
#include <stdint.h>

#include "mn_board.h"

#define MN_CPU_HZ 64000000u
#define REG(addr) (*(volatile uint32_t *)(addr))

#define CLOCK_TASKS_HFCLKSTART REG(0x40000000u)
#define CLOCK_EVENTS_HFCLKSTARTED REG(0x40000100u)

#define UARTE0 0x40002000u
#define UARTE_TASKS_STARTRX REG(UARTE0 + 0x000u)
#define UARTE_TASKS_STARTTX REG(UARTE0 + 0x008u)
#define UARTE_EVENTS_ENDRX REG(UARTE0 + 0x110u)
#define UARTE_EVENTS_ENDTX REG(UARTE0 + 0x120u)
#define UARTE_EVENTS_ERROR REG(UARTE0 + 0x124u)
#define UARTE_SHORTS REG(UARTE0 + 0x200u)
#define UARTE_ERRORSRC REG(UARTE0 + 0x480u)
#define UARTE_ENABLE REG(UARTE0 + 0x500u)
#define UARTE_PSEL_RTS REG(UARTE0 + 0x508u)
#define UARTE_PSEL_TXD REG(UARTE0 + 0x50Cu)
#define UARTE_PSEL_CTS REG(UARTE0 + 0x510u)
#define UARTE_PSEL_RXD REG(UARTE0 + 0x514u)
#define UARTE_BAUDRATE REG(UARTE0 + 0x524u)
#define UARTE_RXD_PTR REG(UARTE0 + 0x534u)
#define UARTE_RXD_MAXCNT REG(UARTE0 + 0x538u)
#define UARTE_TXD_PTR REG(UARTE0 + 0x544u)
#define UARTE_TXD_MAXCNT REG(UARTE0 + 0x548u)
#define UARTE_CONFIG REG(UARTE0 + 0x56Cu)
#define SHORTS_ENDRX_STARTRX (1u << 5)
#define PIN_DISCONNECTED 0xFFFFFFFFu
#define PIN_P1(n) ((1u << 5) | (n))

#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define SCB_ICSR REG(0xE000ED04u)
#define SCB_VTOR REG(0xE000ED08u)
#define DEMCR REG(0xE000EDFCu)
#define DWT_CTRL REG(0xE0001000u)
#define DWT_CYCCNT REG(0xE0001004u)

const int mn_board_has_cycles = 1;

extern void (*const mn_vectors[])(void);
static volatile uint32_t ticks_ms;
static volatile uint8_t rx_byte; /* EasyDMA target: must be in RAM */
static volatile uint8_t tx_byte;

void SysTick_Handler(void)
{
    ticks_ms++;
}

void mn_board_early_init(void)
{
    SCB_VTOR = (uint32_t)(uintptr_t)mn_vectors;
}

void mn_board_init(void)
{
    CLOCK_EVENTS_HFCLKSTARTED = 0u;
    CLOCK_TASKS_HFCLKSTART = 1u; /* crystal oscillator: accurate baud rate */
    while (CLOCK_EVENTS_HFCLKSTARTED == 0u) {
    }
    UARTE_PSEL_TXD = PIN_P1(3u);
    UARTE_PSEL_RXD = PIN_P1(10u);
    UARTE_PSEL_RTS = PIN_DISCONNECTED;
    UARTE_PSEL_CTS = PIN_DISCONNECTED;
    UARTE_CONFIG = 0u;                 /* no parity, no flow control */
    UARTE_BAUDRATE = 0x01D7E000u;      /* 115200 */
    UARTE_ENABLE = 8u;                 /* UARTE */
    UARTE_RXD_PTR = (uint32_t)(uintptr_t)&rx_byte;
    UARTE_RXD_MAXCNT = 1u;
    UARTE_SHORTS = SHORTS_ENDRX_STARTRX;
    UARTE_EVENTS_ENDRX = 0u;
    UARTE_TASKS_STARTRX = 1u;

    DEMCR |= 1u << 24;                 /* TRCENA */
    DWT_CYCCNT = 0u;
    DWT_CTRL |= 1u;                    /* CYCCNTENA */

    SYST_RVR = MN_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u;
}

void mn_board_putc(uint8_t byte)
{
    tx_byte = byte;
    UARTE_TXD_PTR = (uint32_t)(uintptr_t)&tx_byte;
    UARTE_TXD_MAXCNT = 1u;
    UARTE_EVENTS_ENDTX = 0u;
    UARTE_TASKS_STARTTX = 1u;
    while (UARTE_EVENTS_ENDTX == 0u) {
    }
}

int mn_board_getc(void)
{
    if (UARTE_EVENTS_ERROR) {
        UARTE_ERRORSRC = UARTE_ERRORSRC; /* write 1s to clear */
        UARTE_EVENTS_ERROR = 0u;
    }
    if (UARTE_EVENTS_ENDRX) {
        UARTE_EVENTS_ENDRX = 0u;
        return (int)rx_byte;
    }
    return -1;
}

void mn_board_idle(void)
{
    /* busy-wait: no interrupt is enabled for UARTE0 RX */
}

void mn_board_irq(uint32_t irq)
{
    (void)irq;
}

uint32_t mn_board_millis(void)
{
    return ticks_ms;
}

void mn_board_tick_pause(void)
{
    SYST_CSR = 5u;
    SCB_ICSR = 1u << 25; /* PENDSTCLR */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

void mn_board_tick_resume(void)
{
    SYST_CSR = 7u;
}

uint32_t mn_board_cycles(void)
{
    return DWT_CYCCNT;
}

void mn_board_exit(int code)
{
    (void)code;
    __asm__ volatile("cpsid i" ::: "memory");
    for (;;) {
        __asm__ volatile("wfi");
    }
}

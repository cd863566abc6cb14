/* Arduino glue of micro's serial harness: the board hooks of the shared request handler (mn_serve.h) -- byte
 * I/O on a Stream, millis(), the DWT cycle counter. */
#if defined(ARDUINO)

#include <Arduino.h>

#include "mn_arduino_harness.h"

extern "C" {
#include "mn_board.h"
#include "mn_serve.h"
}

#ifndef MN_BOARD_NAME
#if defined(ARDUINO_ARDUINO_NANO33BLE)
#define MN_BOARD_NAME "nano33ble"
#elif defined(ARDUINO_AVR_NANO)
#define MN_BOARD_NAME "nano"
#elif defined(ARDUINO_AVR_UNO)
#define MN_BOARD_NAME "uno"
#else
#define MN_BOARD_NAME "arduino"
#endif
#endif

#if (defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_7M__)) && !defined(MN_NO_CYCLES)
#define MN_HAS_DWT 1
#define MN_DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define MN_DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define MN_DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#else
#define MN_HAS_DWT 0
#endif

static Stream *mn_port = 0;

extern "C" {

const char mn_board_name[] = MN_BOARD_NAME;

int mn_board_getc(void)
{
    if (mn_port == 0 || mn_port->available() <= 0)
        return -1;
    return mn_port->read();
}

void mn_board_putc(uint8_t byte)
{
    if (mn_port != 0)
        mn_port->write(byte);
}

void mn_board_idle(void)
{
    yield();
}

uint32_t mn_board_millis(void)
{
    return (uint32_t)millis();
}

void mn_serve_write(const uint8_t *data, size_t n)
{
    if (mn_port != 0)
        mn_port->write(data, n);
}

int mn_serve_has_cycles(void)
{
    return MN_HAS_DWT;
}

uint32_t mn_serve_measure(void (*fn)(void))
{
#if MN_HAS_DWT
    uint32_t c0 = MN_DWT_CYCCNT;
    fn();
    return MN_DWT_CYCCNT - c0;
#else
    fn();
    return 0u;
#endif
}

uint32_t mn_serve_stack_size(void)
{
    return 0u;
}

uint32_t mn_serve_stack_used(void)
{
    return 0u;
}

__attribute__((weak)) void micro_harness_on_exit(int code)
{
    (void)code;
}

void mn_serve_exit(int code)
{
    micro_harness_on_exit(code);
}

} /* extern "C" */

void micro_harness_begin(Stream &port)
{
    mn_port = &port;
#if MN_HAS_DWT
    MN_DEMCR |= 1u << 24; /* TRCENA */
    MN_DWT_CYCCNT = 0u;
    MN_DWT_CTRL |= 1u;    /* CYCCNTENA */
#endif
    mn_serve_begin();
}

void micro_harness_poll(void)
{
    while (mn_port != 0 && mn_port->available() > 0)
        mn_serve_one();
}

#endif /* ARDUINO */

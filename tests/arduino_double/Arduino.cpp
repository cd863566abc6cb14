/* POSIX implementation of the Arduino test double (see Arduino.h). */
#include "Arduino.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

DoubleSerial Serial;

static int in_fd = 0;
static int out_fd = 1;
static int peeked = -1;
static bool closed_line = false;
static unsigned long long virtual_us = 0;
static struct timespec t_start;

static unsigned long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)(t.tv_sec - t_start.tv_sec) * 1000000ull +
           (unsigned long long)((t.tv_nsec - t_start.tv_nsec) / 1000) + virtual_us;
}

extern "C" {
void (*arduino_double_before_loop)(void) = 0;
int arduino_double_stop = 0;

void pinMode(int pin, int mode)
{
    (void)pin;
    (void)mode;
}

void digitalWrite(int pin, int value)
{
    fprintf(stderr, "digitalWrite(%d, %d)\n", pin, value);
}



unsigned long millis(void) { return (unsigned long)(now_us() / 1000ull); }
unsigned long micros(void) { return (unsigned long)now_us(); }
void delay(unsigned long ms) { virtual_us += (unsigned long long)ms * 1000ull; }
void delayMicroseconds(unsigned int us) { virtual_us += us; }
void yield(void) { usleep(20); }

/* micro's harness calls this on EXIT: the host is done, so is the process. */
void micro_harness_on_exit(int code)
{
    Serial.flush();
    _exit(code);
}

} /* extern "C" */

size_t Print::write(const uint8_t *buffer, size_t size)
{
    size_t n = 0;
    while (size--)
        n += write(*buffer++);
    return n;
}

size_t Print::print(unsigned long n, int base)
{
    char buf[8 * sizeof(long) + 1];
    char *p = buf + sizeof(buf) - 1;
    if (base < 2)
        base = 10;
    *p = 0;
    do {
        unsigned long d = n % (unsigned long)base;
        n /= (unsigned long)base;
        *--p = (char)(d < 10 ? '0' + d : 'A' + d - 10);
    } while (n);
    return write(p);
}

size_t Print::print(long n, int base)
{
    if (base == 10 && n < 0)
        return print('-') + print(0ul - (unsigned long)n, 10);
    return print((unsigned long)n, base);
}

size_t Print::print(double number, int digits)
{
    /* as ArduinoCore-API's Print::printFloat */
    size_t n = 0;
    if (isnan(number))
        return print("nan");
    if (isinf(number))
        return print("inf");
    if (number > 4294967040.0 || number < -4294967040.0)
        return print("ovf");
    if (number < 0.0) {
        n += print('-');
        number = -number;
    }
    double rounding = 0.5;
    for (int i = 0; i < digits; ++i)
        rounding /= 10.0;
    number += rounding;
    unsigned long int_part = (unsigned long)number;
    double remainder = number - (double)int_part;
    n += print(int_part);
    if (digits > 0)
        n += print('.');
    while (digits-- > 0) {
        remainder *= 10.0;
        unsigned int to_print = (unsigned int)remainder;
        n += print(to_print);
        remainder -= to_print;
    }
    return n;
}

void DoubleSerial::begin(unsigned long baud) { (void)baud; }

static int fill_peek(void)
{
    if (peeked >= 0 || closed_line)
        return peeked;
    struct pollfd p = {in_fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0)
        return -1;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        uint8_t c;
        ssize_t r = ::read(in_fd, &c, 1);
        if (r == 1)
            peeked = c;
        else if (r == 0 || (errno != EAGAIN && errno != EINTR))
            closed_line = true;
    }
    return peeked;
}

int DoubleSerial::available()
{
    if (fill_peek() < 0)
        return 0;
    int more = 0;
    if (ioctl(in_fd, FIONREAD, &more) != 0 || more < 0)
        more = 0;
    return 1 + more;
}

int DoubleSerial::read()
{
    int c = fill_peek();
    peeked = -1;
    return c;
}

int DoubleSerial::peek() { return fill_peek(); }

size_t DoubleSerial::write(uint8_t c) { return write(&c, 1); }

size_t DoubleSerial::write(const uint8_t *buffer, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t w = ::write(out_fd, buffer + done, size - done);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                usleep(100);
                continue;
            }
            return done;
        }
        done += (size_t)w;
    }
    return done;
}

void DoubleSerial::flush() { fsync(out_fd); }

int main(void)
{
    clock_gettime(CLOCK_MONOTONIC, &t_start);
    const char *fd = getenv("ARDUINO_DOUBLE_SERIAL_FD");
    if (fd && *fd) {
        in_fd = out_fd = atoi(fd);
    }
    const char *loops_env = getenv("ARDUINO_DOUBLE_LOOPS");
    const char *timeout_env = getenv("ARDUINO_DOUBLE_TIMEOUT");
    long loops = loops_env ? atol(loops_env) : 0;
    unsigned timeout = timeout_env ? (unsigned)atoi(timeout_env) : 300u;
    signal(SIGALRM, SIG_DFL);
    alarm(timeout);
    setvbuf(stdout, NULL, _IONBF, 0);
    setup();
    for (long i = 0; loops <= 0 || i < loops; i++) {
        if (arduino_double_before_loop)
            arduino_double_before_loop();
        loop();
        if ((closed_line && loops <= 0) || arduino_double_stop)
            break;
    }
    Serial.flush();
    return 0;
}

/* A small test double of the Arduino core API, for running sketches on the host (tests/test_export_arduino.py).
 *
 * It declares the part of ArduinoCore-API the sketches and micro's Arduino harness use: Print/Stream/
 * HardwareSerial with begin/available/read/peek/write/print/println/flush and `if (!Serial)`, millis/micros/
 * delay/yield, setup()/loop(). The header is portable (no POSIX) so the same sources also compile for
 * Cortex-M4F with arm-none-eabi-g++; Arduino.cpp implements it on a POSIX host:
 *
 *   Serial      bytes on the file descriptor in ARDUINO_DOUBLE_SERIAL_FD (a pty master the test passes in),
 *               else stdin/stdout
 *   millis()    real time since start plus every delay() (delay() does not sleep: loops run at full speed)
 *   digitalWrite one line per call on stderr; PDM (PDM.h/PDM.cpp): the microphone, samples from a file
 *   main()      setup(), then loop() ARDUINO_DOUBLE_LOOPS times (0 or unset: until the serial line closes or
 *               the sketch exits); ARDUINO_DOUBLE_TIMEOUT seconds (default 300) ends a stuck run (SIGALRM)
 */
#ifndef ARDUINO_DOUBLE_ARDUINO_H
#define ARDUINO_DOUBLE_ARDUINO_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef ARDUINO
#define ARDUINO 10819
#endif

/* Digital pins: pinMode/digitalWrite are recorded (Arduino.cpp: one line "digitalWrite(<pin>, <value>)" on stderr
 * per call). Pin numbers of the arduino:mbed_nano variant (Nano 33 BLE): the RGB LED is active low. */
#define LOW 0
#define HIGH 1
#define INPUT 0
#define OUTPUT 1
#define LED_BUILTIN 13
#define LEDR 22
#define LEDG 23
#define LEDB 24

#ifdef __cplusplus
extern "C" {
#endif
void pinMode(int pin, int mode);
void digitalWrite(int pin, int value);
/* The double's own: called before every loop() (set by a device double such as PDM.cpp: its "interrupt"),
 * and a request to end the run after the current loop() (e.g. the PDM recording is over). */
extern void (*arduino_double_before_loop)(void);
extern int arduino_double_stop;
unsigned long millis(void);
unsigned long micros(void);
void delay(unsigned long ms);
void delayMicroseconds(unsigned int us);
void yield(void);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus

typedef uint8_t byte;
typedef bool boolean;

#define DEC 10
#define HEX 16
#define OCT 8
#define BIN 2

class Print {
public:
    virtual ~Print() {}
    virtual size_t write(uint8_t c) = 0;
    virtual size_t write(const uint8_t *buffer, size_t size);
    size_t write(const char *str) { return str ? write(reinterpret_cast<const uint8_t *>(str), strlen(str)) : 0; }
    size_t write(const char *buffer, size_t size) { return write(reinterpret_cast<const uint8_t *>(buffer), size); }
    virtual void flush() {}

    size_t print(const char s[]) { return write(s); }
    size_t print(char c) { return write(static_cast<uint8_t>(c)); }
    size_t print(unsigned char n, int base = DEC) { return print(static_cast<unsigned long>(n), base); }
    size_t print(int n, int base = DEC) { return print(static_cast<long>(n), base); }
    size_t print(unsigned int n, int base = DEC) { return print(static_cast<unsigned long>(n), base); }
    size_t print(long n, int base = DEC);
    size_t print(unsigned long n, int base = DEC);
    size_t print(double n, int digits = 2);

    size_t println(void) { return write("\r\n"); }
    template <typename T> size_t println(T value) { size_t n = print(value); return n + println(); }
    template <typename T> size_t println(T value, int format) { size_t n = print(value, format); return n + println(); }
};

class Stream : public Print {
public:
    virtual int available() = 0;
    virtual int read() = 0;
    virtual int peek() = 0;
};

class HardwareSerial : public Stream {
public:
    virtual void begin(unsigned long baud) = 0;
    virtual void end() {}
    virtual operator bool() { return true; }
};

class DoubleSerial : public HardwareSerial {
public:
    void begin(unsigned long baud) override;
    void end() override {}
    int available() override;
    int read() override;
    int peek() override;
    size_t write(uint8_t c) override;
    size_t write(const uint8_t *buffer, size_t size) override;
    using Print::write;
    void flush() override;
    operator bool() override { return true; }
};

extern DoubleSerial Serial;

void setup(void);
void loop(void);

#endif /* __cplusplus */

#endif /* ARDUINO_DOUBLE_ARDUINO_H */

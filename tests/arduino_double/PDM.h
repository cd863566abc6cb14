/* Test double of the Arduino mbed core's PDM library (the Nano 33 BLE's microphone), as its PDM.h declares it.
 *
 * PDM.cpp on a POSIX host: the "microphone" plays the raw 16-bit little-endian mono samples of the file named
 * by ARDUINO_DOUBLE_PDM_FILE. Before every loop() (the double's main, Arduino.h arduino_double_before_loop)
 * one buffer of samples (setBufferSize, default 512 bytes as the core's DEFAULT_PDM_BUFFER_SIZE) arrives and
 * the onReceive callback runs, as the core's interrupt would; read() takes bytes of it. When the file is
 * over, the run ends after that loop(). The header is portable (also compiled for Cortex-M4F). */
#ifndef ARDUINO_DOUBLE_PDM_H
#define ARDUINO_DOUBLE_PDM_H

#include <Arduino.h>

class PDMClass {
public:
    int begin(int channels, int sampleRate);
    void end();
    int available();
    int read(void *buffer, size_t size);
    void onReceive(void (*function)(void));
    void setGain(int gain);
    void setBufferSize(int bufferSize);
};

extern PDMClass PDM;

#endif /* ARDUINO_DOUBLE_PDM_H */

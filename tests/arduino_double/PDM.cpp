/* POSIX implementation of the PDM double (see PDM.h). */
#include "PDM.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PDMClass PDM;

static FILE *source = 0;
static void (*on_receive)(void) = 0;
static size_t buffer_size = 512;
static unsigned char buffer[8192];
static size_t buffered = 0;
static size_t taken = 0;

static void deliver(void)
{
    if (!source)
        return;
    buffered = fread(buffer, 1, buffer_size, source);
    taken = 0;
    if (buffered == 0) {
        arduino_double_stop = 1;
        return;
    }
    if (on_receive)
        on_receive();
}

int PDMClass::begin(int channels, int sampleRate)
{
    const char *path = getenv("ARDUINO_DOUBLE_PDM_FILE");
    if (channels != 1 || sampleRate != 16000 || !path || !(source = fopen(path, "rb")))
        return 0;
    arduino_double_before_loop = deliver;
    return 1;
}

void PDMClass::end()
{
    if (source)
        fclose(source);
    source = 0;
    arduino_double_before_loop = 0;
}

int PDMClass::available() { return (int)(buffered - taken); }

int PDMClass::read(void *out, size_t size)
{
    size_t n = buffered - taken < size ? buffered - taken : size;
    memcpy(out, buffer + taken, n);
    taken += n;
    return (int)n;
}

void PDMClass::onReceive(void (*function)(void)) { on_receive = function; }

void PDMClass::setGain(int gain) { (void)gain; }

void PDMClass::setBufferSize(int size)
{
    if (size > 0 && (size_t)size <= sizeof(buffer))
        buffer_size = (size_t)size;
}

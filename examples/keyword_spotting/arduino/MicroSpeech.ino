/* Keyword spotting on the Arduino Nano 33 BLE: the microphone's 16 kHz audio into TFLM's micro_speech
 * pipeline compiled by micro (library MicroSpeechKws: the audio preprocessor every 20 ms, micro_speech on a
 * rolling one-second window, RecognizeCommands smoothing), a word out.
 *
 * As TFLM's micro_speech sketch: the PDM microphone (the mbed core's PDM library) fills a ring buffer from
 * its interrupt; loop() feeds the samples to the pipeline in order; each new command is printed
 * ("Heard yes (201) @1290ms") and lights the RGB LED: green for yes, red for no, blue for unknown (off again
 * 3 s later); the built-in LED toggles at every inference. Times are audio time (samples heard / 16), so they
 * match the host and QEMU runs of the same audio (examples/keyword_spotting/kws.py stream). */
#include <PDM.h>

#include <MicroSpeechKws.h>

/* 0.5 s of audio: loop() has that long to catch up before the oldest samples are overwritten. */
#define RING_SAMPLES 8192
#define PDM_BUFFER_BYTES 512

static int16_t ring[RING_SAMPLES];
static volatile uint32_t ring_written;   /* samples written since boot (the interrupt's) */
static uint32_t ring_read;               /* samples fed to the pipeline since boot */
static uint32_t samples_lost;
static int16_t pdm_buffer[PDM_BUFFER_BYTES / 2];
static uint32_t inferences;
static int32_t last_command_ms = -1;

/* The PDM interrupt: the new samples into the ring. */
static void on_pdm_data(void)
{
    int bytes = PDM.available();
    if (bytes > PDM_BUFFER_BYTES)
        bytes = PDM_BUFFER_BYTES;
    const int n = PDM.read(pdm_buffer, bytes) / 2;
    uint32_t at = ring_written;
    for (int i = 0; i < n; i++)
        ring[(at + i) % RING_SAMPLES] = pdm_buffer[i];
    ring_written = at + n;
}

/* TFLM's arduino_command_responder: print a new command, light its LED, switch it off after 3 s, toggle the
 * built-in LED per inference. */
static void respond(const kws_event_t *ev)
{
    if (ev->flags & KWS_FLAG_NEW) {
        char text[48];
        kws_heard_text(text, sizeof(text), ev->label, ev->score, ev->time_ms);
        Serial.println(text);
        digitalWrite(LEDR, HIGH);
        digitalWrite(LEDG, HIGH);
        digitalWrite(LEDB, HIGH);
        const char first = kws_labels[ev->label][0];
        if (first == 'y')
            digitalWrite(LEDG, LOW);
        else if (first == 'n')
            digitalWrite(LEDR, LOW);
        else if (first == 'u')
            digitalWrite(LEDB, LOW);
        last_command_ms = ev->time_ms;
    }
    if (last_command_ms >= 0 && ev->time_ms - last_command_ms > 3000) {
        last_command_ms = -1;
        digitalWrite(LEDR, HIGH);
        digitalWrite(LEDG, HIGH);
        digitalWrite(LEDB, HIGH);
    }
    inferences++;
    digitalWrite(LED_BUILTIN, (inferences & 1) ? HIGH : LOW);
}

void setup()
{
    Serial.begin(115200);
    pinMode(LED_BUILTIN, OUTPUT);
    pinMode(LEDR, OUTPUT);
    pinMode(LEDG, OUTPUT);
    pinMode(LEDB, OUTPUT);
    digitalWrite(LEDR, HIGH);   /* the RGB LED is active low: off */
    digitalWrite(LEDG, HIGH);
    digitalWrite(LEDB, HIGH);
    kws_init();
    PDM.onReceive(on_pdm_data);
    PDM.setBufferSize(PDM_BUFFER_BYTES);
    if (!PDM.begin(1, KWS_SAMPLE_RATE)) {
        Serial.println("Failed to start PDM");
        while (1) {
            yield();
        }
    }
    PDM.setGain(13);   /* TFLM's micro_speech sketch's gain */
}

void loop()
{
    const uint32_t written = ring_written;
    if (written - ring_read > RING_SAMPLES) {   /* fell behind: skip what was overwritten */
        samples_lost += written - ring_read - RING_SAMPLES;
        ring_read = written - RING_SAMPLES;
    }
    while (ring_read != written) {
        const uint32_t at = ring_read % RING_SAMPLES;
        uint32_t n = written - ring_read;
        if (n > RING_SAMPLES - at)
            n = RING_SAMPLES - at;   /* contiguous in the ring */
        kws_event_t ev;
        ev.flags = 0;
        ring_read += kws_feed(ring + at, n, &ev);
        if (ev.flags & KWS_FLAG_INFERENCE)
            respond(&ev);
    }
}

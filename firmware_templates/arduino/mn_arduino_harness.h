/* micro's serial harness for Arduino sketches: serves micro's framed protocol (mn_protocol.h) on any Arduino
 * Stream (Serial, Serial1, ...), so `micro verify --board nano33ble --port /dev/ttyACM0 model.tflite` can run
 * the compiled model on the board and compare every output byte with TensorFlow Lite Micro.
 *
 *     void setup() { Serial.begin(115200); micro_harness_begin(Serial); }
 *     void loop()  { micro_harness_poll(); }
 *
 * micro_harness_begin() initialises the model and prints a one-line banner; micro_harness_poll() answers
 * every request that is waiting and returns when none is. On Cortex-M4/M7 the CPU cycles of every invoke
 * (DWT->CYCCNT) are reported to the host (define MN_NO_CYCLES to leave the DWT alone).
 */
#ifndef MN_ARDUINO_HARNESS_H
#define MN_ARDUINO_HARNESS_H

#ifdef __cplusplus

class Stream;

void micro_harness_begin(Stream &port);
void micro_harness_poll(void);

/* Called when the host sends EXIT(code). The default keeps serving (so the host can reconnect); a sketch (or
 * a test double) may define its own to stop. */
extern "C" void micro_harness_on_exit(int code);

#endif /* __cplusplus */

#endif /* MN_ARDUINO_HARNESS_H */

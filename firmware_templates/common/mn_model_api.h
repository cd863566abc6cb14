/* The compiled model as the harness sees it: a generated mn_model_binding.c fills this record with the
 * model's own functions (<name>_init, <name>_invoke, ...) and sizes, so the harness code never depends on
 * the model's name. */
#ifndef MN_MODEL_API_H
#define MN_MODEL_API_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;            /* C identifier of the model */
    const char *sha256;          /* SHA-256 of the .tflite file, hex */
    uint32_t arena_bytes;
    uint8_t num_inputs;
    uint8_t num_outputs;
    const uint32_t *input_bytes;  /* num_inputs entries */
    const uint32_t *output_bytes; /* num_outputs entries */
    void (*init)(void);
    void (*invoke)(void);
    void *(*input)(int index);
    const void *(*output)(int index);
    void (*reset)(void);          /* state back to its initial value (<name>_reset; protocol RESET) */
} mn_model_t;

extern const mn_model_t mn_model;

#ifdef MN_TRACE
/* Debug builds (MN_TRACE): fn is called after every op with each tensor it produced. */
void mn_model_set_trace(void (*fn)(int op_index, int tensor_index, const void *data, size_t bytes));
#endif

#endif /* MN_MODEL_API_H */

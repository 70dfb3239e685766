/* The smallest C program that classifies raw images with the int8 CNN through the C API: the
 * Fashion-MNIST model parsed in place from flash, a static arena, the 100 test images, no
 * printing -- the C twin of firmware-demo's `cnn_only`, for the flash and RAM comparison. Exits
 * 0 when every class equals the host's. */
#include "dl2pa.h"
#include "vectors.h"

extern const uint8_t cnn_dl2p[], cnn_dl2p_end[], images_bin[], images_bin_end[];

static int8_t arena[32 * 1024];

int main(void) {
    /* On the stack, as in the Rust program, so that both count the same static RAM. */
    float x[28 * 28];
    dl2pa_model m;
    unsigned long correct;
    if (dl2pa_model_parse(cnn_dl2p, (size_t)(cnn_dl2p_end - cnn_dl2p), &m) != DL2PA_STATUS_OK) return 1;
    return vectors_differ(&m, images_bin, (size_t)(images_bin_end - images_bin), x, 28 * 28, arena,
                          sizeof arena, &correct) != 0;
}

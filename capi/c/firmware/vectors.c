#include "vectors.h"

#include <string.h>

uint32_t vectors_word(const uint8_t *b, size_t i) {
    const uint8_t *w = b + 4 * i;
    return (uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24;
}

static unsigned half(const uint8_t *b, size_t at) { return (unsigned)b[at] | (unsigned)b[at + 1] << 8; }

long vectors_differ(const dl2pa_model *m, const uint8_t *raw, size_t raw_len, float *x,
                    size_t x_len, int8_t *arena, size_t arena_len, unsigned long *correct) {
    if (raw_len < 8) return -1;
    size_t n = vectors_word(raw, 0), f = vectors_word(raw, 1);
    if (f > x_len || raw_len != 8 + 4 * n * f + 4 * n) return -1;
    size_t labels = 8 + 4 * n * f, host = labels + 2 * n;
    long differ = 0;
    *correct = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(x, raw + 8 + 4 * i * f, 4 * f); /* little-endian f32, as the target */
        dl2pa_prediction_i32 p;
        unsigned got = dl2pa_classify_raw(m, x, f, arena, arena_len, &p) == DL2PA_STATUS_OK
                           ? p.class_index
                           : 0xFFFF;
        *correct += got == half(raw, labels + 2 * i);
        differ += got != half(raw, host + 2 * i);
    }
    return differ;
}

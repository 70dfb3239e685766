/* The test-vector files of `dl2pa export --test-vectors` (host/src/export/vectors.rs):
 * count u32, inputs u32, count x inputs f32 raw inputs, count x u16 labels, count x u16 the
 * host's classes (0xFFFF: none), little-endian. */
#ifndef VECTORS_H
#define VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "dl2pa.h"

/* The little-endian u32 at word i of b. */
uint32_t vectors_word(const uint8_t *b, size_t i);

/* Classifies every raw input of the vectors file `raw` (`raw_len` bytes) with the model `m`
 * through the C API, in `arena`, with `x` (at least `x_len` floats) holding one input. Returns
 * how many classes differ from the host's, or -1 if the file does not fit `m` or the buffers.
 * `*correct` counts the classes equal to the labels. */
long vectors_differ(const dl2pa_model *m, const uint8_t *raw, size_t raw_len, float *x,
                    size_t x_len, int8_t *arena, size_t arena_len, unsigned long *correct);

#endif

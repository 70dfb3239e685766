/* The misuses of the C API a C caller can commit through its documented types, and the status
 * each must get (included by host_test.c). Outputs must stay unwritten on failure. */

static void expect(dl2pa_status got, dl2pa_status want, const char *what) {
    checks++;
    if (got != want) {
        wrong++;
        fprintf(stderr, "%s: got %d (%s), expected %d (%s)\n", what, (int)got,
                dl2pa_status_message(got), (int)want, dl2pa_status_message(want));
    }
}

static void parse_errors(void) {
    size_t len;
    uint8_t *b = load(model_paths[0], &len);
    dl2pa_model m, copy;
    dl2pa_model_info info;
    expect(dl2pa_model_parse(NULL, len, &m), DL2PA_STATUS_NULL_POINTER, "parse: NULL bytes");
    expect(dl2pa_model_parse(b, len, NULL), DL2PA_STATUS_NULL_POINTER, "parse: NULL handle");
    expect(dl2pa_model_parse(b, 5, &m), DL2PA_STATUS_FORMAT_TRUNCATED_HEADER, "parse: 5 bytes");
    expect(dl2pa_model_parse(b, len - 1, &m), DL2PA_STATUS_FORMAT_LENGTH_MISMATCH, "parse: truncated");
    expect(dl2pa_model_get_info(&m, &info), DL2PA_STATUS_BAD_HANDLE, "info after a failed parse");
    b[len / 2] ^= 0x40;
    expect(dl2pa_model_parse(b, len, &m), DL2PA_STATUS_FORMAT_CHECKSUM_MISMATCH, "parse: corrupted");
    b[len / 2] ^= 0x40;
    b[0] = 'X';
    expect(dl2pa_model_parse(b, len, &m), DL2PA_STATUS_FORMAT_WRONG_MAGIC, "parse: wrong magic");
    b[0] = 'D';
    expect(dl2pa_model_parse(b, len, &m), DL2PA_STATUS_OK, "parse: restored");
    /* The handle in the model's own bytes would let a write change what it describes. */
    expect(dl2pa_model_parse(b, len, (dl2pa_model *)(void *)b), DL2PA_STATUS_OVERLAP, "parse: handle over the bytes");
    memcpy(&copy, &m, sizeof m);
    expect(dl2pa_model_get_info(&copy, &info), DL2PA_STATUS_BAD_HANDLE, "info: a copied handle");
    memset(&copy, 0, sizeof copy);
    expect(dl2pa_model_get_info(&copy, &info), DL2PA_STATUS_BAD_HANDLE, "info: a zeroed handle");
    expect(dl2pa_model_get_info(NULL, &info), DL2PA_STATUS_NULL_POINTER, "info: NULL handle");
    expect(dl2pa_model_get_info(&m, NULL), DL2PA_STATUS_NULL_POINTER, "info: NULL out");
    expect(dl2pa_model_get_info((const dl2pa_model *)((const char *)&m + 1), &info), DL2PA_STATUS_ALIGNMENT,
           "info: misaligned handle");
    uint32_t sigma[64];
    expect(dl2pa_model_get_sigma(&m, sigma, 3), DL2PA_STATUS_BUFFER_TOO_SMALL, "sigma: short buffer");
    free(b);
}

static void classify_errors(void) {
    size_t len;
    uint8_t *b = load(model_paths[0], &len);
    dl2pa_model m;
    dl2pa_model_info info;
    dl2pa_model_parse(b, len, &m);
    dl2pa_model_get_info(&m, &info);
    const size_t d = info.dim;
    int8_t x[64] = {0}, scratch[64];
    float xf[65] = {0};
    int32_t scores[64];
    dl2pa_prediction_i32 p = {77, 77}, top[4];
    dl2pa_prediction_f32 pf;
    size_t n;
    x[0] = 1;
    xf[0] = 1.0f;
    expect(dl2pa_classify_i8(&m, x, d - 1, &p), DL2PA_STATUS_LENGTH, "classify_i8: short input");
    expect(dl2pa_classify_i8(&m, NULL, d, &p), DL2PA_STATUS_NULL_POINTER, "classify_i8: NULL input");
    expect(dl2pa_classify_i8(&m, x, d, NULL), DL2PA_STATUS_NULL_POINTER, "classify_i8: NULL out");
    x[0] = 0;
    expect(dl2pa_classify_i8(&m, x, d, &p), DL2PA_STATUS_ZERO_VECTOR, "classify_i8: zero input");
    x[0] = 1;
    checks++;
    if (p.class_index != 77 || p.score != 77) { wrong++; fprintf(stderr, "an error wrote the output\n"); }
    expect(dl2pa_classify_i8(&m, x, d, (dl2pa_prediction_i32 *)(void *)x), DL2PA_STATUS_OVERLAP,
           "classify_i8: out over the input");
    expect(dl2pa_scores_i8(&m, x, d, scores, info.classes - 1), DL2PA_STATUS_BUFFER_TOO_SMALL, "scores: short");
    expect(dl2pa_top_k_i8(&m, x, d, top, 4, NULL), DL2PA_STATUS_NULL_POINTER, "top_k: NULL count");
    expect(dl2pa_top_k_i8(&m, x, d, top, 4, (size_t *)(void *)top), DL2PA_STATUS_OVERLAP, "top_k: count in top");
    expect(dl2pa_top_k_i8(&m, x, d, top, 0, &n), DL2PA_STATUS_OK, "top_k: k = 0");
    expect(dl2pa_classify_f32(&m, xf, d, scratch, d - 1, &pf), DL2PA_STATUS_BUFFER_TOO_SMALL, "f32: short scratch");
    expect(dl2pa_classify_f32(&m, xf, d, NULL, 0, &pf), DL2PA_STATUS_NULL_POINTER, "f32: no scratch (int8 model)");
    expect(dl2pa_classify_f32(&m, (const float *)(const void *)((const char *)xf + 1), d, scratch, d, &pf),
           DL2PA_STATUS_ALIGNMENT, "f32: misaligned input");
    expect(dl2pa_classify_f32(&m, xf, d, (int8_t *)xf, 4 * d, &pf), DL2PA_STATUS_OVERLAP, "f32: scratch over the input");
    xf[1] = NAN;
    expect(dl2pa_classify_f32(&m, xf, d, scratch, d, &pf), DL2PA_STATUS_NOT_FINITE, "f32: NaN");
    xf[1] = 0.0f;
    expect(dl2pa_classify_f32(&m, xf, SIZE_MAX / 2, scratch, d, &pf), DL2PA_STATUS_LENGTH, "f32: huge length");
    int8_t arena[64];
    expect(dl2pa_classify_raw(&m, xf, d, arena, sizeof arena, &p), DL2PA_STATUS_NO_BACKBONE, "raw: no backbone");
    free(b);

    b = load(model_paths[1], &len);
    expect(dl2pa_model_parse(b, len, &m), DL2PA_STATUS_OK, "parse the f32 model");
    expect(dl2pa_classify_i8(&m, x, d, &p), DL2PA_STATUS_NOT_INT8, "classify_i8 on an f32 model");
    expect(dl2pa_classify_f32(&m, xf, d, NULL, 0, &pf), DL2PA_STATUS_OK, "f32 model: no scratch needed");
    free(b);
}

static void raw_errors(void) {
    size_t len;
    uint8_t *b = load(model_paths[3], &len);
    dl2pa_model m;
    dl2pa_model_info info;
    dl2pa_prediction_i32 p;
    dl2pa_model_parse(b, len, &m);
    dl2pa_model_get_info(&m, &info);
    float *x = calloc(info.inputs, 4);
    int8_t *arena = malloc(info.arena_bytes), z[64];
    x[0] = 1.0f;
    expect(dl2pa_classify_raw(&m, x, info.inputs, arena, info.arena_bytes - 1, &p), DL2PA_STATUS_ARENA_TOO_SMALL,
           "raw: arena one byte short");
    expect(dl2pa_classify_raw(&m, x, info.inputs - 1, arena, info.arena_bytes, &p), DL2PA_STATUS_LENGTH, "raw: short input");
    expect(dl2pa_classify_raw(&m, x, info.inputs, NULL, info.arena_bytes, &p), DL2PA_STATUS_NULL_POINTER, "raw: NULL arena");
    expect(dl2pa_classify_raw(&m, x, info.inputs, (int8_t *)(void *)b, info.arena_bytes, &p), DL2PA_STATUS_OVERLAP,
           "raw: arena over the model bytes");
    expect(dl2pa_classify_raw(&m, x, info.inputs, (int8_t *)(void *)x, info.arena_bytes, &p), DL2PA_STATUS_OVERLAP,
           "raw: arena over the input");
    expect(dl2pa_embed_raw(&m, x, info.inputs, arena, info.arena_bytes, z, info.dim - 1), DL2PA_STATUS_BUFFER_TOO_SMALL,
           "embed: short embedding");
    x[3] = INFINITY;
    expect(dl2pa_classify_raw(&m, x, info.inputs, arena, info.arena_bytes, &p), DL2PA_STATUS_NOT_FINITE, "raw: infinity");
    free(x);
    free(arena);
    free(b);
}

static void assign_errors(void) {
    float c[6] = {1, 2, 3, 4, 5, 6}, fl[32];
    uint32_t ix[32], s[3];
    size_t nf, ni;
    expect(dl2pa_assign_workspace(2, 3, &nf, &ni), DL2PA_STATUS_OK, "workspace sizes");
    checks++;
    if (nf != 2 + 4 * 3 || ni != 2 * 2 + 3 * 3) { wrong++; fprintf(stderr, "workspace sizes\n"); }
    expect(dl2pa_assign_workspace(SIZE_MAX, 2, &nf, &ni), DL2PA_STATUS_LENGTH, "workspace: overflow");
    expect(dl2pa_assign_solve(c, 6, 3, 2, 0, fl, 32, ix, 32, s, 3), DL2PA_STATUS_ROWS_EXCEED_COLS, "solve: 3 x 2");
    expect(dl2pa_assign_solve(c, 5, 2, 3, 0, fl, 32, ix, 32, s, 3), DL2PA_STATUS_LENGTH, "solve: 5 costs for 2 x 3");
    expect(dl2pa_assign_solve(c, 6, 2, 3, 0, fl, 13, ix, 32, s, 3), DL2PA_STATUS_BUFFER_TOO_SMALL, "solve: short floats");
    expect(dl2pa_assign_solve(c, 6, 2, 3, 0, fl, 32, ix, 12, s, 3), DL2PA_STATUS_BUFFER_TOO_SMALL, "solve: short indices");
    expect(dl2pa_assign_solve(c, 6, 2, 3, 0, fl, 32, ix, 32, s, 1), DL2PA_STATUS_BUFFER_TOO_SMALL, "solve: short assignment");
    expect(dl2pa_assign_solve(c, 6, 2, 3, 0, c, 6, ix, 32, s, 3), DL2PA_STATUS_OVERLAP, "solve: workspace over the costs");
    expect(dl2pa_assign_solve(c, 6, 2, 3, 0, NULL, 32, ix, 32, s, 3), DL2PA_STATUS_NULL_POINTER, "solve: NULL floats");
    c[4] = NAN;
    expect(dl2pa_assign_solve(c, 6, 2, 3, 0, fl, 32, ix, 32, s, 3), DL2PA_STATUS_NOT_FINITE, "solve: NaN");
    c[4] = 3e38f;
    expect(dl2pa_assign_solve(c, 6, 2, 3, 0, fl, 32, ix, 32, s, 3), DL2PA_STATUS_COST_TOO_LARGE, "solve: huge cost");
    c[4] = 5;
    expect(dl2pa_assign_solve(c, 6, 2, 3, 0, fl, 32, ix, 32, s, 3), DL2PA_STATUS_OK, "solve: 2 x 3");
    checks++;
    if (s[0] != 0 || s[1] != 1) { wrong++; fprintf(stderr, "solve: 2 x 3 gave %u %u\n", s[0], s[1]); }
}

static void message_errors(void) {
    for (int code = -2; code < 260; code++) {
        const char *m = dl2pa_status_message(code);
        checks++;
        if (!m || !*m) { wrong++; fprintf(stderr, "no message for %d\n", code); }
    }
    checks++;
    if (strcmp(dl2pa_status_message(12345), "unknown status code")) wrong++;
}

static void check_errors(void) {
    if (models < 4) { fprintf(stderr, "reference: expected 4 models\n"); exit(2); }
    parse_errors();
    classify_errors();
    raw_errors();
    assign_errors();
    message_errors();
}

/* The C API on the host, against the Rust core: every case of reference.txt (written by
 * `cargo run --example reference`) must give the same classes, scores, embeddings, sigma and
 * assignments, and every misuse below its documented status code.
 * Usage: host_test reference.txt — exits 0 only if nothing differs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl2pa.h"

static int cases, differ, checks, wrong;

/* A file's bytes (malloc'd), or exit. */
static uint8_t *load(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "%s: cannot open\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "%s: cannot read\n", path); exit(2); }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static long num(FILE *f) {
    long v;
    if (fscanf(f, "%ld", &v) != 1) { fprintf(stderr, "reference: expected a number\n"); exit(2); }
    return v;
}

/* A float written as the hex of its bits. */
static float fbits(FILE *f) {
    unsigned v;
    if (fscanf(f, "%x", &v) != 1) { fprintf(stderr, "reference: expected float bits\n"); exit(2); }
    float x;
    memcpy(&x, &v, 4);
    return x;
}

static uint32_t bits(float x) { uint32_t v; memcpy(&v, &x, 4); return v; }

static void same(int ok, const char *what, long at) {
    cases++;
    if (!ok) {
        differ++;
        if (differ <= 10) fprintf(stderr, "differs: %s (case %ld)\n", what, at);
    }
}

/* The current model of the reference file. */
static dl2pa_model model;
static uint8_t *model_bytes;
static size_t model_len;

/* The models of the reference file, in order: int8, f32, int8 + MLP, int8 + CNN. */
static char model_paths[4][4096];
static int models;

static void read_model(FILE *f) {
    char path[4096];
    if (fscanf(f, "%4095s", path) != 1) exit(2);
    if (models < 4) strcpy(model_paths[models++], path);
    free(model_bytes);
    model_bytes = load(path, &model_len);
    dl2pa_status s = dl2pa_model_parse(model_bytes, model_len, &model);
    if (s != DL2PA_STATUS_OK) { fprintf(stderr, "%s: %s\n", path, dl2pa_status_message(s)); exit(1); }
}

static void read_info(FILE *f) {
    dl2pa_model_info i;
    if (dl2pa_model_get_info(&model, &i) != DL2PA_STATUS_OK) exit(1);
    long want[13];
    for (int k = 0; k < 13; k++) want[k] = k == 4 ? (long)bits(fbits(f)) : num(f);
    long got[13] = {i.classes, i.dim, i.num_prototypes, i.quant, bits(i.step), i.backbone,
                    i.inputs, i.input_height, i.input_width, i.input_channels,
                    (long)i.arena_bytes, (long)i.flash_bytes, (long)i.macs};
    same(memcmp(want, got, sizeof want) == 0, "model info", 0);
}

static void read_sigma(FILE *f) {
    long k = num(f);
    uint32_t *s = calloc((size_t)k, 4);
    int ok = dl2pa_model_get_sigma(&model, s, (size_t)k) == DL2PA_STATUS_OK;
    for (long c = 0; c < k; c++) ok &= s[c] == (uint32_t)num(f);
    same(ok, "sigma", 0);
    free(s);
}

/* The k best of `scores` (best first, equal scores: lower class first), as the core ranks. */
static void rank(const int32_t *scores, long classes, dl2pa_prediction_i32 *top, size_t k) {
    for (size_t r = 0; r < k; r++) {
        long best = -1;
        for (long c = 0; c < classes; c++) {
            int taken = 0;
            for (size_t q = 0; q < r; q++) taken |= top[q].class_index == (uint32_t)c;
            if (!taken && (best < 0 || scores[c] > scores[best])) best = c;
        }
        top[r].class_index = (uint32_t)best;
        top[r].score = scores[best];
    }
}

static void read_i8(FILE *f, long at) {
    long d = num(f);
    int8_t x[4096];
    for (long j = 0; j < d; j++) x[j] = (int8_t)num(f);
    long cls = num(f), score = num(f), k = num(f);
    int32_t *want = calloc((size_t)k, 4), *got = calloc((size_t)k, 4);
    for (long c = 0; c < k; c++) want[c] = (int32_t)num(f);
    dl2pa_prediction_i32 p;
    int ok = dl2pa_classify_i8(&model, x, (size_t)d, &p) == DL2PA_STATUS_OK;
    same(ok && p.class_index == (uint32_t)cls && p.score == score, "classify_i8", at);
    ok = dl2pa_scores_i8(&model, x, (size_t)d, got, (size_t)k) == DL2PA_STATUS_OK;
    same(ok && memcmp(want, got, 4 * (size_t)k) == 0, "scores_i8", at);
    dl2pa_prediction_i32 top[3], ref[3];
    size_t n = 0, kk = k < 3 ? (size_t)k : 3;
    rank(want, k, ref, kk);
    ok = dl2pa_top_k_i8(&model, x, (size_t)d, top, 3, &n) == DL2PA_STATUS_OK;
    same(ok && n == kk && memcmp(top, ref, n * sizeof top[0]) == 0, "top_k_i8", at);
    free(want);
    free(got);
}

static void read_f32(FILE *f, long at) {
    long d = num(f);
    float x[4096];
    int8_t scratch[4096];
    for (long j = 0; j < d; j++) x[j] = fbits(f);
    long cls = num(f);
    float score = fbits(f);
    dl2pa_prediction_f32 p;
    int ok = dl2pa_classify_f32(&model, x, (size_t)d, scratch, sizeof scratch, &p) == DL2PA_STATUS_OK;
    same(ok && p.class_index == (uint32_t)cls && bits(p.score) == bits(score), "classify_f32", at);
}

static void read_raw(FILE *f, long at) {
    long n = num(f);
    float *x = calloc((size_t)n, 4);
    for (long j = 0; j < n; j++) x[j] = fbits(f);
    long cls = num(f), score = num(f), d = num(f);
    int8_t z[4096], got[4096];
    for (long j = 0; j < d; j++) z[j] = (int8_t)num(f);
    dl2pa_model_info i;
    dl2pa_model_get_info(&model, &i);
    int8_t *arena = malloc(i.arena_bytes);
    dl2pa_prediction_i32 p;
    int ok = dl2pa_classify_raw(&model, x, (size_t)n, arena, i.arena_bytes, &p) == DL2PA_STATUS_OK;
    same(ok && p.class_index == (uint32_t)cls && p.score == score, "classify_raw", at);
    ok = dl2pa_embed_raw(&model, x, (size_t)n, arena, i.arena_bytes, got, sizeof got) == DL2PA_STATUS_OK;
    same(ok && memcmp(z, got, (size_t)d) == 0, "embed_raw", at);
    free(arena);
    free(x);
}

static void read_assign(FILE *f, long at) {
    long rows = num(f), cols = num(f), max = num(f);
    float *c = calloc((size_t)(rows * cols), 4);
    for (long j = 0; j < rows * cols; j++) c[j] = fbits(f);
    size_t nf, ni;
    dl2pa_assign_workspace((size_t)rows, (size_t)cols, &nf, &ni);
    float *fl = calloc(nf, 4);
    uint32_t *ix = calloc(ni, 4), *sigma = calloc((size_t)rows, 4);
    int ok = dl2pa_assign_solve(c, (size_t)(rows * cols), (size_t)rows, (size_t)cols, (int32_t)max,
                                fl, nf, ix, ni, sigma, (size_t)rows) == DL2PA_STATUS_OK;
    for (long r = 0; r < rows; r++) ok &= sigma[r] == (uint32_t)num(f);
    same(ok, "assignment", at);
    free(c); free(fl); free(ix); free(sigma);
}

#include "host_errors.c"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: host_test reference.txt\n"); return 2; }
    if (dl2pa_version() != DL2PA_VERSION) { fprintf(stderr, "library and header versions differ\n"); return 1; }
    FILE *f = fopen(argv[1], "r");
    if (!f) { fprintf(stderr, "%s: cannot open\n", argv[1]); return 2; }
    char word[16];
    long line = 0;
    while (fscanf(f, "%15s", word) == 1) {
        line++;
        if (!strcmp(word, "model")) read_model(f);
        else if (!strcmp(word, "info")) read_info(f);
        else if (!strcmp(word, "sigma")) read_sigma(f);
        else if (!strcmp(word, "i8")) read_i8(f, line);
        else if (!strcmp(word, "f32")) read_f32(f, line);
        else if (!strcmp(word, "raw")) read_raw(f, line);
        else if (!strcmp(word, "assign")) read_assign(f, line);
        else { fprintf(stderr, "reference: unknown case '%s'\n", word); return 2; }
    }
    fclose(f);
    printf("C host test: %d results from the C API, %d differ from the Rust core\n", cases, differ);
    check_errors();
    printf("C host test: %d misuses, %d without their documented status\n", checks, wrong);
    return differ || wrong || cases == 0;
}

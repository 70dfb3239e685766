/* The C API on an emulated Cortex-M4F, on the Rust firmware demo's inputs -- the golden int8
 * test embeddings (as examples/reference.rs writes them: count, dim, int8 rows, labels, host
 * classes), the golden MLP's raw inputs, the Fashion-MNIST CNN's raw images, the golden
 * assignment problem -- and the golden CNN's raw digits, each compared with the class or sigma
 * the host recorded. Prints one line per part and exits 0 only if nothing differs. */
#include "dl2pa.h"
#include "semihosting.h"
#include "vectors.h"

#define BLOB(name) extern const uint8_t name[], name##_end[]
BLOB(model_dl2p);
BLOB(embeddings_bin);
BLOB(mlp_dl2p);
BLOB(raw_bin);
BLOB(golden_cnn_dl2p);
BLOB(raw_cnn_bin);
BLOB(cnn_dl2p);
BLOB(images_bin);
BLOB(assign_bin);
#define LEN(name) ((size_t)(name##_end - name))

static int8_t arena[32 * 1024];
static float x[28 * 28];
static dl2pa_model model;

static void report(const char *what, unsigned long n, unsigned long correct, long differ) {
    sh_print(what);
    sh_print(": ");
    sh_print_u(n);
    sh_print(" classified, ");
    sh_print_u(correct);
    sh_print(" correct, ");
    sh_print_u((unsigned long)differ);
    sh_print(" differ from the host\n");
}

static long embeddings_differ(void) {
    if (dl2pa_model_parse(model_dl2p, LEN(model_dl2p), &model) != DL2PA_STATUS_OK) return -1;
    size_t n = vectors_word(embeddings_bin, 0), d = vectors_word(embeddings_bin, 1);
    if (LEN(embeddings_bin) != 8 + n * d + 4 * n) return -1;
    const int8_t *e = (const int8_t *)(embeddings_bin + 8);
    const uint8_t *labels = embeddings_bin + 8 + n * d, *host = labels + 2 * n;
    long differ = 0;
    unsigned long correct = 0;
    for (size_t i = 0; i < n; i++) {
        dl2pa_prediction_i32 p;
        unsigned got = dl2pa_classify_i8(&model, e + i * d, d, &p) == DL2PA_STATUS_OK ? p.class_index : 0xFFFF;
        correct += got == (unsigned)(labels[2 * i] | labels[2 * i + 1] << 8);
        differ += got != (unsigned)(host[2 * i] | host[2 * i + 1] << 8);
    }
    report("golden int8 embeddings", n, correct, differ);
    return differ;
}

static long raw_differ(const char *what, const uint8_t *m, size_t m_len, const uint8_t *raw, size_t raw_len) {
    dl2pa_model_info info;
    unsigned long correct;
    if (dl2pa_model_parse(m, m_len, &model) != DL2PA_STATUS_OK || dl2pa_model_get_info(&model, &info) != DL2PA_STATUS_OK)
        return -1;
    long differ = vectors_differ(&model, raw, raw_len, x, 28 * 28, arena, sizeof arena, &correct);
    if (differ >= 0) report(what, vectors_word(raw, 0), correct, differ);
    return differ;
}

#define MAX_SIDE 32
static float costs[MAX_SIDE * MAX_SIDE], floats[5 * MAX_SIDE];
static uint32_t indices[5 * MAX_SIDE], sigma[MAX_SIDE];

static long assignment_differ(void) {
    size_t n = vectors_word(assign_bin, 0), m = vectors_word(assign_bin, 1);
    if (n > MAX_SIDE || m > MAX_SIDE || LEN(assign_bin) != 4 * (2 + n * m + n)) return -1;
    for (size_t k = 0; k < n * m; k++) {
        uint32_t w = vectors_word(assign_bin, 2 + k);
        __builtin_memcpy(&costs[k], &w, 4);
    }
    if (dl2pa_assign_solve(costs, n * m, n, m, 1, floats, 5 * MAX_SIDE, indices, 5 * MAX_SIDE, sigma, MAX_SIDE) !=
        DL2PA_STATUS_OK)
        return -1;
    long differ = 0;
    for (size_t i = 0; i < n; i++) differ += sigma[i] != vectors_word(assign_bin, 2 + n * m + i);
    sh_print("assignment ");
    sh_print_u(n);
    sh_print("x");
    sh_print_u(m);
    sh_print(": ");
    sh_print_u((unsigned long)differ);
    sh_print(" of sigma differ from the host\n");
    return differ;
}

int main(void) {
    sh_print("dl2pa C API on a Cortex-M4F (QEMU mps2-an386), library version ");
    sh_print_u(dl2pa_version() >> 16);
    sh_print(".");
    sh_print_u((dl2pa_version() >> 8) & 0xff);
    sh_print(".");
    sh_print_u(dl2pa_version() & 0xff);
    sh_print("\n");
    long parts[5] = {
        embeddings_differ(),
        raw_differ("raw inputs through the int8 MLP", mlp_dl2p, LEN(mlp_dl2p), raw_bin, LEN(raw_bin)),
        raw_differ("raw digits through the golden int8 CNN", golden_cnn_dl2p, LEN(golden_cnn_dl2p), raw_cnn_bin,
                   LEN(raw_cnn_bin)),
        raw_differ("raw images through the int8 CNN", cnn_dl2p, LEN(cnn_dl2p), images_bin, LEN(images_bin)),
        assignment_differ(),
    };
    long total = 0;
    for (int i = 0; i < 5; i++) {
        if (parts[i] < 0) {
            sh_print("a part could not run (inputs do not fit)\n");
            return 1;
        }
        total += parts[i];
    }
    sh_print("C firmware demo: ");
    sh_print_u((unsigned long)total);
    sh_print(" differ from the host\n");
    return total != 0;
}

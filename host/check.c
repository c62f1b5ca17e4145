#include "check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define MAX_BACKENDS 8

/* The lockstep backend: runs each call on every member backend. Member 0
 * writes the caller's buffers; the others write scratch copies that are
 * compared with member 0's. */
typedef struct lockstep {
    crrm_backend *member[MAX_BACKENDS];
    int count;
    uint64_t runs;   /* kernel runs compared */
    int mismatch;    /* 1 after the first difference */
    char report[512];
    void *scratch[2];
    size_t scratch_size[2];
} lockstep;

static void *scratch(lockstep *ls, int i, size_t bytes)
{
    if (ls->scratch_size[i] < bytes) {
        free(ls->scratch[i]);
        ls->scratch[i] = malloc(bytes);
        ls->scratch_size[i] = ls->scratch[i] ? bytes : 0;
    }
    return ls->scratch[i];
}

/* Fills a backend's output buffer with a pattern before its run, so a
 * backend that writes nothing cannot match by leftover data. */
static void poison(void *buffer, size_t bytes)
{
    memset(buffer, 0xA5, bytes);
}

/* Compares n elements of width bytes (2 or 4, signed unless is_unsigned);
 * records the first difference. cols names the row and column. */
static int compare(lockstep *ls, int member, const char *kernel,
                   const char *tensor, const void *expected, const void *actual,
                   size_t n, int width, int is_unsigned, size_t cols)
{
    for (size_t i = 0; i < n; i++) {
        long long e, a;
        if (width == 2) {
            e = ((const int16_t *)expected)[i];
            a = ((const int16_t *)actual)[i];
        } else if (is_unsigned) {
            e = ((const uint32_t *)expected)[i];
            a = ((const uint32_t *)actual)[i];
        } else {
            e = ((const int32_t *)expected)[i];
            a = ((const int32_t *)actual)[i];
        }
        if (e != a) {
            snprintf(ls->report, sizeof ls->report,
                     "kernel %s (run %" PRIu64 "), tensor %s, index %zu "
                     "(row %zu, column %zu): %s %lld, %s %lld",
                     kernel, ls->runs + 1, tensor, i, i / cols, i % cols,
                     ls->member[0]->ops->name, e, ls->member[member]->ops->name,
                     a);
            ls->mismatch = 1;
            return crrm_error("backends differ: %s", ls->report);
        }
    }
    return 0;
}

static int ls_lowrank_fwd(crrm_backend *be, const int16_t *x, const int16_t *v,
                          const int16_t *u, int16_t *t, int32_t *y,
                          uint32_t rows, uint32_t in, uint32_t rank,
                          uint32_t outs, uint32_t t_shift, uint32_t y_shift)
{
    lockstep *ls = be->state;
    crrm_backend *ref = ls->member[0];
    if (ref->ops->lowrank_fwd(ref, x, v, u, t, y, rows, in, rank, outs,
                              t_shift, y_shift))
        return -1;
    size_t nt = (size_t)rows * rank, ny = (size_t)rows * outs;
    int16_t *t2 = scratch(ls, 0, 2 * nt);
    int32_t *y2 = scratch(ls, 1, 4 * ny);
    if (!t2 || !y2)
        return crrm_error("check: out of memory");
    for (int i = 1; i < ls->count; i++) {
        crrm_backend *other = ls->member[i];
        poison(t2, 2 * nt);
        poison(y2, 4 * ny);
        if (other->ops->lowrank_fwd(other, x, v, u, t2, y2, rows, in, rank,
                                    outs, t_shift, y_shift) ||
            compare(ls, i, "lowrank_fwd", "t", t, t2, nt, 2, 0, rank) ||
            compare(ls, i, "lowrank_fwd", "y", y, y2, ny, 4, 0, outs))
            return -1;
    }
    ls->runs++;
    return 0;
}

static int ls_gemm(crrm_backend *be, const int16_t *a, const int16_t *b,
                   int32_t *c, uint32_t m, uint32_t n, uint32_t k,
                   uint32_t trans_a, uint32_t trans_b, uint32_t shift)
{
    lockstep *ls = be->state;
    crrm_backend *ref = ls->member[0];
    if (ref->ops->gemm(ref, a, b, c, m, n, k, trans_a, trans_b, shift))
        return -1;
    int32_t *c2 = scratch(ls, 0, 4 * (size_t)m * n);
    if (!c2)
        return crrm_error("check: out of memory");
    for (int i = 1; i < ls->count; i++) {
        crrm_backend *other = ls->member[i];
        poison(c2, 4 * (size_t)m * n);
        if (other->ops->gemm(other, a, b, c2, m, n, k, trans_a, trans_b,
                             shift) ||
            compare(ls, i, "gemm", "c", c, c2, (size_t)m * n, 4, 0, n))
            return -1;
    }
    ls->runs++;
    return 0;
}

static int ls_mi_hist(crrm_backend *be, const int16_t *t,
                      const uint8_t *labels, uint32_t *hist, uint32_t *joint,
                      uint32_t rows, uint32_t units, uint32_t classes,
                      uint32_t bins_log2, uint32_t range_log2)
{
    lockstep *ls = be->state;
    crrm_backend *ref = ls->member[0];
    if (ref->ops->mi_hist(ref, t, labels, hist, joint, rows, units, classes,
                          bins_log2, range_log2))
        return -1;
    size_t nh = (size_t)units << bins_log2, nj = nh * classes;
    uint32_t *h2 = scratch(ls, 0, 4 * nh);
    uint32_t *j2 = scratch(ls, 1, 4 * nj);
    if (!h2 || !j2)
        return crrm_error("check: out of memory");
    for (int i = 1; i < ls->count; i++) {
        crrm_backend *other = ls->member[i];
        poison(h2, 4 * nh);
        poison(j2, 4 * nj);
        if (other->ops->mi_hist(other, t, labels, h2, j2, rows, units, classes,
                                bins_log2, range_log2) ||
            compare(ls, i, "mi_hist", "hist", hist, h2, nh, 4, 1,
                    1u << bins_log2) ||
            compare(ls, i, "mi_hist", "joint", joint, j2, nj, 4, 1,
                    1u << bins_log2))
            return -1;
    }
    ls->runs++;
    return 0;
}

static void ls_close(crrm_backend *be)
{
    (void)be;
}

static const struct crrm_backend_ops lockstep_ops = {
    .name = "lockstep",
    .lowrank_fwd = ls_lowrank_fwd,
    .gemm = ls_gemm,
    .mi_hist = ls_mi_hist,
    .close = ls_close,
};

/* Splits names at commas into at most MAX_BACKENDS entries of list. */
static int split_names(const char *names, char list[][32], int *count)
{
    *count = 0;
    const char *at = names;
    while (*at) {
        const char *end = strchr(at, ',');
        size_t len = end ? (size_t)(end - at) : strlen(at);
        if (len == 0 || len >= 32 || *count == MAX_BACKENDS)
            return crrm_error("--backends '%s' is not a list like sw,sim",
                              names);
        memcpy(list[*count], at, len);
        list[*count][len] = '\0';
        (*count)++;
        at += len + (end ? 1 : 0);
    }
    if (*count < 2)
        return crrm_error("--backends '%s' names fewer than two backends",
                          names);
    return 0;
}

int crrm_check(const char *names, const crrm_backend_options *device,
               const crrm_train_options *o, const crrm_data *data)
{
    char list[MAX_BACKENDS][32];
    int count;
    if (split_names(names, list, &count))
        return -1;

    lockstep ls = {.count = 0};
    crrm_backend wrapper = {.ops = &lockstep_ops, .state = &ls};
    int status = -1;
    for (int i = 0; i < count; i++) {
        ls.member[i] = crrm_backend_open(list[i], device);
        if (!ls.member[i])
            goto done;
        ls.count++;
    }

    // Lockstep run: every kernel output compared element by element.
    crrm_train_options quiet = *o;
    quiet.evaluate = 0;
    quiet.save = NULL;
    quiet.log = NULL;
    crrm_model m;
    crrm_train_result r;
    printf("check: %" PRIu64 " step%s on %s, kernel outputs in lockstep\n",
           o->steps, o->steps == 1 ? "" : "s", names);
    if (crrm_train(&quiet, data, &wrapper, &m, &r)) {
        if (ls.mismatch) {
            printf("check: FAIL first difference: %s\n", ls.report);
            status = CRRM_CHECK_MISMATCH;
        }
        goto done;
    }
    crrm_model_free(&m);
    printf("check: %" PRIu64 " kernel runs identical on every backend\n",
           ls.runs);

    // Separate runs: each backend alone, final weights compared.
    char first_sha[65] = "";
    for (int i = 0; i < count; i++) {
        if (crrm_train(&quiet, data, ls.member[i], &m, &r))
            goto done;
        crrm_model_free(&m);
        printf("check: %-8s weights_sha256 %s\n", list[i], r.weights_sha256);
        if (i == 0) {
            memcpy(first_sha, r.weights_sha256, sizeof first_sha);
        } else if (strcmp(first_sha, r.weights_sha256) != 0) {
            printf("check: FAIL final weights differ between %s and %s\n",
                   list[0], list[i]);
            status = CRRM_CHECK_MISMATCH;
            goto done;
        }
    }
    printf("check: PASS %s agree bit for bit\n", names);
    status = 0;
done:
    for (int i = 0; i < ls.count; i++)
        crrm_backend_close(ls.member[i]);
    free(ls.scratch[0]);
    free(ls.scratch[1]);
    return status;
}

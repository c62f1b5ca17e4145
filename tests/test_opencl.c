/*
 * test_opencl.c - the opencl backend against the HLS C kernels called
 * directly: random and edge shapes, extreme values, rounding ties,
 * saturation and histogram edges must give identical outputs. Also the
 * errors for a missing platform, device or kernel directory, and
 * `crrm check --backends sw,opencl` on synthetic and Fashion-MNIST batches.
 *
 * Criterion runs each test in its own process, so each test opens the
 * backend again; the OpenCL platform's program cache (PoCL keeps one in
 * ~/.cache/pocl) makes every build after the first one cheap.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

#ifdef CRRM_HAVE_OPENCL
#include "backend_opencl.h"
#include "check.h"
#include "crrm_kernels.h"
#include "data.h"
#include "error.h"
#include "reference.h"
#include "train.h"

static crrm_backend *be;

static void open_backend(void)
{
    crrm_backend_options options = {0};
    be = crrm_backend_open("opencl", &options);
    cr_assert_not_null(be, "opening the opencl backend failed: %s",
                       crrm_last_error());
}

static void close_backend(void)
{
    crrm_backend_close(be);
    be = NULL;
}

/* Runs one GEMM on the backend and on crrm_gemm and compares every output. */
static void check_gemm(uint32_t m, uint32_t n, uint32_t k, uint32_t ta,
                       uint32_t tb, uint32_t shift, const int16_t *a,
                       const int16_t *b)
{
    size_t count = (size_t)m * n;
    int32_t *got = malloc(4 * count), *want = malloc(4 * count);
    cr_assert(got && want, "out of memory for a %ux%u output", m, n);
    memset(got, 0x5a, 4 * count);
    crrm_gemm(a, b, want, m, n, k, ta, tb, shift);
    int status = be->ops->gemm(be, a, b, got, m, n, k, ta, tb, shift);
    cr_assert_eq(status, 0, "gemm %ux%ux%u failed: %s", m, n, k,
                 crrm_last_error());
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(got[i], want[i],
                     "gemm %ux%ux%u ta=%u tb=%u shift=%u: c[%zu] is %d on "
                     "opencl, %d in C", m, n, k, ta, tb, shift, i, got[i],
                     want[i]);
    free(got);
    free(want);
}

static void check_gemm_random(uint32_t m, uint32_t n, uint32_t k, uint32_t ta,
                              uint32_t tb, uint32_t shift, uint64_t seed)
{
    int16_t *a = malloc(2 * (size_t)m * k), *b = malloc(2 * (size_t)k * n);
    cr_assert(a && b, "out of memory for gemm inputs");
    fill_random16(a, (size_t)m * k, &seed);
    fill_random16(b, (size_t)k * n, &seed);
    check_gemm(m, n, k, ta, tb, shift, a, b);
    free(a);
    free(b);
}

static void check_lowrank(uint32_t rows, uint32_t in, uint32_t rank,
                          uint32_t outs, uint32_t ts, uint32_t ys,
                          const int16_t *x, const int16_t *v, const int16_t *u)
{
    size_t nt = (size_t)rows * rank, ny = (size_t)rows * outs;
    int16_t *t_got = malloc(2 * nt), *t_want = malloc(2 * nt);
    int32_t *y_got = malloc(4 * ny), *y_want = malloc(4 * ny);
    cr_assert(t_got && t_want && y_got && y_want, "out of memory");
    crrm_lowrank_fwd(x, v, u, t_want, y_want, rows, in, rank, outs, ts, ys);
    int status = be->ops->lowrank_fwd(be, x, v, u, t_got, y_got, rows, in,
                                      rank, outs, ts, ys);
    cr_assert_eq(status, 0, "lowrank_fwd %ux%u rank %u failed: %s", rows, in,
                 rank, crrm_last_error());
    for (size_t i = 0; i < nt; i++)
        cr_assert_eq(t_got[i], t_want[i],
                     "lowrank_fwd rows %u in %u rank %u outs %u: t[%zu] is %d "
                     "on opencl, %d in C", rows, in, rank, outs, i, t_got[i],
                     t_want[i]);
    for (size_t i = 0; i < ny; i++)
        cr_assert_eq(y_got[i], y_want[i],
                     "lowrank_fwd rows %u in %u rank %u outs %u: y[%zu] is %d "
                     "on opencl, %d in C", rows, in, rank, outs, i, y_got[i],
                     y_want[i]);
    free(t_got);
    free(t_want);
    free(y_got);
    free(y_want);
}

static void check_lowrank_random(uint32_t rows, uint32_t in, uint32_t rank,
                                 uint32_t outs, uint32_t ts, uint32_t ys,
                                 uint64_t seed)
{
    int16_t *x = malloc(2 * (size_t)rows * in);
    int16_t *v = malloc(2 * (size_t)rank * in);
    int16_t *u = malloc(2 * (size_t)outs * rank);
    cr_assert(x && v && u, "out of memory for lowrank_fwd inputs");
    fill_random16(x, (size_t)rows * in, &seed);
    fill_random16(v, (size_t)rank * in, &seed);
    fill_random16(u, (size_t)outs * rank, &seed);
    check_lowrank(rows, in, rank, outs, ts, ys, x, v, u);
    free(x);
    free(v);
    free(u);
}

static void check_hist(const int16_t *t, const uint8_t *labels, uint32_t rows,
                       uint32_t units, uint32_t classes, uint32_t bins_log2,
                       uint32_t range_log2)
{
    size_t nh = (size_t)units << bins_log2, nj = nh * classes;
    uint32_t *h_got = malloc(4 * nh), *h_want = malloc(4 * nh);
    uint32_t *j_got = malloc(4 * nj), *j_want = malloc(4 * nj);
    cr_assert(h_got && h_want && j_got && j_want, "out of memory");
    crrm_mi_hist(t, labels, h_want, j_want, rows, units, classes, bins_log2,
                 range_log2);
    int status = be->ops->mi_hist(be, t, labels, h_got, j_got, rows, units,
                                  classes, bins_log2, range_log2);
    cr_assert_eq(status, 0, "mi_hist %u rows %u units failed: %s", rows, units,
                 crrm_last_error());
    for (size_t i = 0; i < nh; i++)
        cr_assert_eq(h_got[i], h_want[i],
                     "mi_hist rows %u units %u classes %u bins 2^%u range "
                     "2^%u: hist[%zu] is %u on opencl, %u in C", rows, units,
                     classes, bins_log2, range_log2, i, h_got[i], h_want[i]);
    for (size_t i = 0; i < nj; i++)
        cr_assert_eq(j_got[i], j_want[i],
                     "mi_hist rows %u units %u classes %u bins 2^%u range "
                     "2^%u: joint[%zu] is %u on opencl, %u in C", rows, units,
                     classes, bins_log2, range_log2, i, j_got[i], j_want[i]);
    free(h_got);
    free(h_want);
    free(j_got);
    free(j_want);
}

static void check_hist_random(uint32_t rows, uint32_t units, uint32_t classes,
                              uint32_t bins_log2, uint32_t range_log2,
                              uint64_t seed)
{
    int16_t *t = malloc(2 * (size_t)rows * units);
    uint8_t *labels = malloc(rows);
    cr_assert(t && labels, "out of memory for mi_hist inputs");
    fill_random16(t, (size_t)rows * units, &seed);
    for (uint32_t s = 0; s < rows; s++)
        labels[s] = (uint8_t)(test_rand(&seed) % classes);
    check_hist(t, labels, rows, units, classes, bins_log2, range_log2);
    free(t);
    free(labels);
}

TestSuite(opencl_gemm, .init = open_backend, .fini = close_backend);

Test(opencl_gemm, random_shapes_all_transposes)
{
    uint64_t seed = 0xC0FFEE;
    for (uint32_t trial = 0; trial < 12; trial++) {
        uint32_t m = 1 + (uint32_t)(test_rand(&seed) % 100);
        uint32_t n = 1 + (uint32_t)(test_rand(&seed) % 100);
        uint32_t k = 1 + (uint32_t)(test_rand(&seed) % 400);
        uint32_t shift = (uint32_t)(test_rand(&seed) % 30);
        check_gemm_random(m, n, k, trial & 1, (trial >> 1) & 1, shift,
                          seed + trial);
    }
}

Test(opencl_gemm, one_by_one_by_one)
{
    int16_t a = -7, b = 9;
    check_gemm(1, 1, 1, 0, 0, 0, &a, &b);
    check_gemm(1, 1, 1, 1, 1, 3, &a, &b);
}

Test(opencl_gemm, sizes_off_every_tile)
{
    /* One short of and one past each tile edge, in every dimension. */
    uint32_t edges[] = {CRRM_ROW_TILE - 1, CRRM_ROW_TILE + 1};
    uint32_t kedges[] = {CRRM_K_TILE - 1, CRRM_K_TILE + 1};
    for (uint32_t i = 0; i < 2; i++)
        for (uint32_t j = 0; j < 2; j++)
            for (uint32_t l = 0; l < 2; l++)
                check_gemm_random(edges[i], edges[j], kedges[l], i, j, 9,
                                  200 + i * 10 + j * 3 + l);
}

Test(opencl_gemm, extreme_values_saturate)
{
    /* (-32768)^2 summed 3 times exceeds int32 and must saturate; the
     * products with 32767 check the sign handling of the other end. */
    enum { K = 3 };
    int16_t low[K], high[K];
    for (int i = 0; i < K; i++) {
        low[i] = -32768;
        high[i] = 32767;
    }
    check_gemm(1, 1, K, 0, 0, 0, low, low);
    check_gemm(1, 1, K, 0, 0, 0, low, high);
    check_gemm(1, 1, K, 0, 0, 0, high, high);
    check_gemm(1, 1, K, 0, 0, 47, low, low);
}

Test(opencl_gemm, rounding_ties)
{
    /* Products of +-1..+-4 with shift 1 and 2 land exactly on halves, where
     * the rounding goes toward +infinity for both signs. */
    int16_t a[8] = {1, -1, 3, -3, 5, -5, 6, -6};
    int16_t b[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    for (uint32_t shift = 1; shift <= 2; shift++) {
        check_gemm(8, 1, 1, 0, 0, shift, a, b);
        check_gemm(8, 8, 1, 0, 0, shift, a, a);
    }
}

Test(opencl_gemm, buffers_grow_and_shrink)
{
    /* Calls that grow and then shrink every buffer must not read stale
     * data from an earlier, larger call. */
    check_gemm_random(3, 5, 7, 0, 0, 2, 1);
    check_gemm_random(130, 70, 300, 1, 0, 11, 2);
    check_gemm_random(2, 3, 4, 0, 1, 0, 3);
}

TestSuite(opencl_lowrank_fwd, .init = open_backend, .fini = close_backend);

Test(opencl_lowrank_fwd, random_shapes)
{
    uint64_t seed = 0xBEEF;
    for (uint32_t trial = 0; trial < 8; trial++) {
        uint32_t rows = 1 + (uint32_t)(test_rand(&seed) % 100);
        uint32_t in = 1 + (uint32_t)(test_rand(&seed) % 400);
        uint32_t rank = 1 + (uint32_t)(test_rand(&seed) % 40);
        uint32_t outs = 1 + (uint32_t)(test_rand(&seed) % 90);
        uint32_t ts = 8 + (uint32_t)(test_rand(&seed) % 12);
        uint32_t ys = (uint32_t)(test_rand(&seed) % 20);
        check_lowrank_random(rows, in, rank, outs, ts, ys, seed + trial);
    }
}

Test(opencl_lowrank_fwd, edge_shapes)
{
    check_lowrank_random(1, 1, 1, 1, 0, 0, 11);
    check_lowrank_random(CRRM_ROW_TILE + 1, CRRM_K_TILE + 1, 3,
                         CRRM_COL_TILE + 1, 12, 3, 12);
    check_lowrank_random(CRRM_ROW_TILE - 1, CRRM_K_TILE - 1, CRRM_MAX_RANK,
                         CRRM_COL_TILE - 1, 16, 14, 13);
}

Test(opencl_lowrank_fwd, extreme_values_saturate)
{
    /* With shift 0 the T codes saturate at both int16 ends, and the second
     * product of saturated codes saturates Y at both int32 ends. */
    enum { ROWS = 2, IN = 4, RANK = 2, OUTS = 2 };
    int16_t x[ROWS * IN] = {-32768, -32768, -32768, -32768,
                            32767, 32767, 32767, 32767};
    int16_t v[RANK * IN] = {-32768, -32768, -32768, -32768,
                            32767, 32767, 32767, 32767};
    int16_t u[OUTS * RANK] = {32767, 32767, -32768, -32768};
    check_lowrank(ROWS, IN, RANK, OUTS, 0, 0, x, v, u);
    check_lowrank(ROWS, IN, RANK, OUTS, 1, 0, x, v, u);
    check_lowrank(ROWS, IN, RANK, OUTS, 47, 47, x, v, u);
}

TestSuite(opencl_mi_hist, .init = open_backend, .fini = close_backend);

Test(opencl_mi_hist, random_codes_and_labels)
{
    check_hist_random(200, 37, 10, 5, 15, 21);
    check_hist_random(64, 16, 16, 6, 15, 22);
    check_hist_random(33, 17, 3, 2, 9, 23);
}

Test(opencl_mi_hist, one_row_one_unit)
{
    check_hist_random(1, 1, 1, 1, 1, 24);
}

Test(opencl_mi_hist, codes_at_the_int16_ends)
{
    /* Codes at and beyond the outer bin centres, exactly on centres and
     * one past them, with range 2^12 so most codes fall outside. */
    int16_t t[] = {-32768, 32767, -4096, 4095, -4064, 4064, 0, -1, 1, 31};
    uint8_t labels[] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
    uint32_t rows = sizeof labels;
    check_hist(t, labels, rows, 1, 3, 6, 12);
    check_hist(t, labels, rows, 1, 3, 1, 15);
    check_hist(t, labels, rows, 1, 3, 6, 15);
}

Test(opencl_mi_hist, bin_width_two)
{
    /* bins_log2 == range_log2 gives bins two codes wide, the finest. */
    check_hist_random(50, 5, 4, 6, 6, 25);
}

Test(opencl_mi_hist, maximum_units)
{
    check_hist_random(4, CRRM_MAX_UNITS, 2, 3, 15, 26);
}

TestSuite(opencl_errors);

Test(opencl_errors, missing_platform_named)
{
    crrm_backend_options options = {.platform = "no-such-platform-xyz"};
    crrm_backend *missing = crrm_backend_open("opencl", &options);
    cr_assert_null(missing, "a platform named no-such-platform-xyz was opened");
    const char *message = crrm_last_error();
    cr_assert(strstr(message, "no-such-platform-xyz") != NULL,
              "the error does not name the requested platform: %s", message);
    cr_assert(strstr(message, "found:") != NULL,
              "the error does not list the platforms found: %s", message);
}

Test(opencl_errors, missing_device_index)
{
    crrm_backend_options options = {.device = 200};
    crrm_backend *missing = crrm_backend_open("opencl", &options);
    cr_assert_null(missing, "device 200 was opened");
    const char *message = crrm_last_error();
    cr_assert(strstr(message, "no device 200") != NULL,
              "the error does not name device 200: %s", message);
    cr_assert(strstr(message, "--device") != NULL,
              "the error does not say to pass --device: %s", message);
}

Test(opencl_errors, missing_kernel_directory)
{
    setenv(CRRM_KERNEL_DIR_ENV, "/nonexistent/crrm/hw/hls", 1);
    crrm_backend *missing = crrm_backend_open("opencl", NULL);
    cr_assert_null(missing, "the backend opened without kernel sources");
    const char *message = crrm_last_error();
    cr_assert(strstr(message, "/nonexistent/crrm/hw/hls") != NULL,
              "the error does not name the directory: %s", message);
    cr_assert(strstr(message, CRRM_KERNEL_DIR_ENV) != NULL,
              "the error does not name %s: %s", CRRM_KERNEL_DIR_ENV, message);
}

Test(opencl_errors, kernel_build_failure_shows_log)
{
    /* A copy of the kernel sources with an undeclared name in gemm.c. */
    char source_dir[4096];
    cr_assert_eq(crrm_kernel_dir(source_dir, sizeof source_dir), 0, "%s",
                 crrm_last_error());
    char broken[] = "/tmp/crrm_opencl_broken_XXXXXX";
    cr_assert_not_null(mkdtemp(broken), "mkdtemp failed");
    const char *files[] = {"gemm.c", "lowrank_fwd.c", "mi_hist.c",
                           "crrm_kernels.h", "crrm_hls_compat.h"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char from[4200], to[4200];
        snprintf(from, sizeof from, "%s/%s", source_dir, files[i]);
        snprintf(to, sizeof to, "%s/%s", broken, files[i]);
        FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
        cr_assert(in && out, "copying %s to %s failed", from, to);
        if (i == 0)
            fputs("int crrm_broken(void) { return undeclared_name; }\n", out);
        int ch;
        while ((ch = fgetc(in)) != EOF)
            fputc(ch, out);
        fclose(in);
        fclose(out);
    }
    setenv(CRRM_KERNEL_DIR_ENV, broken, 1);
    crrm_backend *failed = crrm_backend_open("opencl", NULL);
    const char *message = crrm_last_error();
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", broken, files[i]);
        remove(path);
    }
    remove(broken);
    cr_assert_null(failed, "the backend opened with a broken kernel source");
    cr_assert(strstr(message, "build log") != NULL,
              "the error does not carry the build log: %s", message);
    cr_assert(strstr(message, "undeclared_name") != NULL,
              "the build log does not name the faulty identifier: %s",
              message);
}

/* Runs `crrm check --backends sw,opencl` over three small steps of data. */
static void check_sw_opencl(const char *spec)
{
    crrm_data data;
    cr_assert_eq(crrm_data_load(spec, 1, &data), 0, "loading %s failed: %s",
                 spec ? spec : CRRM_DEFAULT_DATA_DIR, crrm_last_error());
    crrm_train_options o;
    crrm_train_defaults(&o);
    o.steps = 3;
    o.hidden = 32;
    o.rank = 4;
    o.rank2 = 4;
    o.batch = 32;
    o.beta = 0.01;
    o.quiet = 1;
    o.progress = 0;
    int status = crrm_check("sw,opencl", NULL, &o, &data);
    crrm_data_free(&data);
    cr_assert_eq(status, 0, "check sw,opencl on %s returned %d: %s",
                 spec ? spec : CRRM_DEFAULT_DATA_DIR, status,
                 crrm_last_error());
}

TestSuite(opencl_check);

Test(opencl_check, synthetic_steps_agree)
{
    check_sw_opencl("synthetic");
}

Test(opencl_check, fashion_mnist_steps_agree)
{
    check_sw_opencl(NULL);
}

#else

Test(opencl, not_built)
{
    cr_skip_test("this build has no opencl backend: install opencl-headers "
                 "and ocl-icd-opencl-dev (scripts/install-deps.sh)");
}

#endif

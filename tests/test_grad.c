/*
 * test_grad.c - the CRRM gradients against finite differences, and the MI
 * term's invariance to rescaling the bottleneck.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "crrm_kernels.h"
#include "data.h"
#include "error.h"
#include "loss.h"
#include "mi.h"
#include "model.h"
#include "reference.h"

/* sum_j H(T_j) of codes t through the histogram kernel. */
static double entropy_of(const int16_t *t, const uint8_t *labels, uint32_t rows,
                         uint32_t units, uint32_t bl, uint32_t rl,
                         uint32_t *hist, uint32_t *joint)
{
    crrm_mi_hist(t, labels, hist, joint, rows, units, 2, bl, rl);
    return crrm_entropy_sum_bits(hist, units, 1u << bl);
}

Test(entropy_grad, matches_finite_differences)
{
    enum { ROWS = 200, UNITS = 6, BL = 4, RL = 12 };
    uint32_t w = 1u << (RL + 1 - BL);
    int16_t t[ROWS * UNITS];
    uint8_t labels[ROWS];
    uint32_t hist[UNITS << BL], joint[2 * (UNITS << BL)];
    float grad[ROWS * UNITS];
    uint64_t seed = 42;
    for (int i = 0; i < ROWS * UNITS; i++) {
        /* Roughly normal codes inside the range, so most bins are used. */
        int64_t s = 0;
        for (int k = 0; k < 4; k++)
            s += (int64_t)(test_rand(&seed) % 2048) - 1024;
        t[i] = (int16_t)s;
    }
    for (int i = 0; i < ROWS; i++)
        labels[i] = (uint8_t)(i & 1);

    entropy_of(t, labels, ROWS, UNITS, BL, RL, hist, joint);
    crrm_entropy_grad(t, hist, ROWS, UNITS, BL, RL, grad);

    int checked = 0;
    for (int i = 0; i < ROWS * UNITS; i += 7) {
        /* Skip codes whose steps of +-1 cross a bin centre: the function's
         * slope changes there. */
        int32_t pos = t[i] + (1 << RL) - (int32_t)(w / 2);
        if (pos < 0 || (uint32_t)pos % w == w - 1 || (uint32_t)pos % w == 0 ||
            (uint32_t)pos / w >= (1u << BL) - 1)
            continue;
        /* Central difference: its error is third order, below the
         * tolerance even in bins that hold a fraction of a sample. */
        t[i]++;
        double up = entropy_of(t, labels, ROWS, UNITS, BL, RL, hist, joint);
        t[i] -= 2;
        double down = entropy_of(t, labels, ROWS, UNITS, BL, RL, hist, joint);
        t[i]++;
        double fd = (up - down) / 2.0;
        cr_assert(fabs(fd - grad[i]) <= 1e-3 * fabs(fd) + 1e-9,
                  "code %d: finite difference %.9g, gradient %.9g", i, fd,
                  grad[i]);
        checked++;
    }
    cr_assert_gt(checked, 100, "only %d codes were checked", checked);
}

Test(entropy_grad, clamped_codes_have_zero_gradient)
{
    int16_t t[3] = {-32768, 32767, 0};
    uint8_t labels[3] = {0, 1, 0};
    uint32_t hist[32], joint[64];
    float grad[3];
    crrm_mi_hist(t, labels, hist, joint, 3, 1, 2, 5, 14);
    crrm_entropy_grad(t, hist, 3, 1, 5, 14, grad);
    cr_assert_eq(grad[0], 0.0f, "code below the range: %g", grad[0]);
    cr_assert_eq(grad[1], 0.0f, "code above the range: %g", grad[1]);
    cr_assert(isfinite(grad[2]), "code on a centre next to an empty bin: %g",
              grad[2]);
}

Test(softmax_ce, gradient_matches_finite_differences)
{
    enum { ROWS = 4, CLASSES = 5 };
    float z[ROWS * CLASSES], dz[ROWS * CLASSES];
    uint8_t labels[ROWS] = {0, 3, 4, 1};
    uint64_t seed = 7;
    for (int i = 0; i < ROWS * CLASSES; i++)
        z[i] = (float)((double)(test_rand(&seed) % 2000) / 500.0 - 2.0);
    uint32_t correct = 0;
    crrm_softmax_ce(z, labels, ROWS, CLASSES, &correct, dz);
    for (int i = 0; i < ROWS * CLASSES; i++) {
        float keep = z[i], h = 1e-2f;
        z[i] = keep + h;
        double up = crrm_softmax_ce(z, labels, ROWS, CLASSES, &correct, NULL);
        z[i] = keep - h;
        double down = crrm_softmax_ce(z, labels, ROWS, CLASSES, &correct, NULL);
        z[i] = keep;
        /* crrm_softmax_ce sums over rows; dz is of the mean. */
        double fd = (up - down) / (2.0 * h) / ROWS;
        cr_assert(fabs(fd - dz[i]) < 1e-4, "logit %d: fd %.7f, gradient %.7f",
                  i, fd, dz[i]);
    }
}

Test(mi_term, invariant_to_rescaling_the_bottleneck)
{
    /* Scaling V by 2 and U by 1/2 keeps W = U V, and the MI term must not
     * change: T is binned in its own int16 code, whose power-of-two scale
     * follows T. A bin's worth of change is 1 / bins of a sample per unit;
     * the check demands far less. */
    crrm_data data;
    cr_assert_eq(crrm_data_load("synthetic", 3, &data), 0, "%s",
                 crrm_last_error());
    crrm_config cfg = {.in = 256, .hidden = 64, .rank = 8, .rank2 = 6,
                       .classes = 10, .bins_log2 = 5, .range_log2 = 14};
    crrm_model a, b;
    cr_assert_eq(crrm_model_init(&a, &cfg, 11), 0, "%s", crrm_last_error());
    cr_assert_eq(crrm_model_init(&b, &cfg, 11), 0, "%s", crrm_last_error());
    for (int li = 0; li < 2; li++) {
        crrm_layer *l = &b.layer[li];
        for (size_t i = 0; i < (size_t)l->rank * l->in; i++)
            b.params[l->v + i] *= 2.0f;
        for (size_t i = 0; i < (size_t)l->out * l->rank; i++)
            b.params[l->u + i] *= 0.5f;
    }
    crrm_backend *be = crrm_backend_open("sw", NULL);
    crrm_step_options opt = {.beta = 0.01, .seed = 5, .step = 0};
    double ha[2], hb[2];
    cr_assert_eq(crrm_model_mi_bits(&a, be, data.train.pixels, data.train.labels,
                                    256, &opt, ha), 0, "%s", crrm_last_error());
    cr_assert_eq(crrm_model_mi_bits(&b, be, data.train.pixels, data.train.labels,
                                    256, &opt, hb), 0, "%s", crrm_last_error());
    for (int li = 0; li < 2; li++) {
        cr_assert_gt(ha[li], 1.0, "layer %d MI term %.3f bits is degenerate",
                     li + 1, ha[li]);
        cr_assert(fabs(ha[li] - hb[li]) < 1e-9,
                  "layer %d: MI term %.6f bits became %.6f after rescaling",
                  li + 1, ha[li], hb[li]);
    }
    crrm_backend_close(be);
    crrm_model_free(&a);
    crrm_model_free(&b);
    crrm_data_free(&data);
}

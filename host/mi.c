#include "mi.h"

#include <math.h>

#include "crrm_kernels.h"

double crrm_entropy_bits(const uint32_t *counts, uint32_t bins)
{
    double total = 0.0;
    for (uint32_t b = 0; b < bins; b++)
        total += counts[b];
    if (total <= 0.0)
        return 0.0;
    double h = 0.0;
    for (uint32_t b = 0; b < bins; b++) {
        if (counts[b] == 0)
            continue;
        double p = counts[b] / total;
        h -= p * log2(p);
    }
    return h;
}

double crrm_mutual_info_bits(const uint32_t *joint, uint32_t classes,
                             uint32_t bins)
{
    /* I(T;Y) = sum_{c,b} p(c,b) log2(p(c,b) / (p(c) p(b))). */
    double total = 0.0;
    double marginal_t[1u << CRRM_MAX_BINS_LOG2] = {0};
    double marginal_c[CRRM_MAX_CLASSES] = {0};
    for (uint32_t c = 0; c < classes; c++)
        for (uint32_t b = 0; b < bins; b++) {
            double v = joint[c * bins + b];
            marginal_t[b] += v;
            marginal_c[c] += v;
            total += v;
        }
    if (total <= 0.0)
        return 0.0;
    double info = 0.0;
    for (uint32_t c = 0; c < classes; c++)
        for (uint32_t b = 0; b < bins; b++) {
            double v = joint[c * bins + b];
            if (v == 0.0)
                continue;
            info += v / total * log2(v * total / (marginal_t[b] * marginal_c[c]));
        }
    return info > 0.0 ? info : 0.0;
}

double crrm_entropy_sum_bits(const uint32_t *hist, uint32_t units,
                             uint32_t bins)
{
    double sum = 0.0;
    for (uint32_t j = 0; j < units; j++)
        sum += crrm_entropy_bits(hist + (uint64_t)j * bins, bins);
    return sum;
}

double crrm_label_info_bits(const uint32_t *joint, uint32_t units,
                            uint32_t classes, uint32_t bins)
{
    double best = 0.0;
    for (uint32_t j = 0; j < units; j++) {
        double info = crrm_mutual_info_bits(
            joint + (uint64_t)j * classes * bins, classes, bins);
        if (info > best)
            best = info;
    }
    return best;
}

void crrm_entropy_grad(const int16_t *t, const uint32_t *hist, uint32_t rows,
                       uint32_t units, uint32_t bins_log2, uint32_t range_log2,
                       float *grad)
{
    uint32_t bins = 1u << bins_log2;
    uint32_t frac_bits = range_log2 + 1 - bins_log2;
    uint32_t width = 1u << frac_bits;
    int32_t centre0 = -(int32_t)(1u << range_log2) + (int32_t)(width >> 1);
    double total = (double)rows * width;

    /* log2 of each bin's probability, empty bins floored at one count. */
    double log_p[1u << CRRM_MAX_BINS_LOG2];
    for (uint32_t j = 0; j < units; j++) {
        const uint32_t *h = hist + (uint64_t)j * bins;
        for (uint32_t b = 0; b < bins; b++)
            log_p[b] = log2((h[b] ? h[b] : 1u) / total);

        for (uint32_t n = 0; n < rows; n++) {
            uint64_t at = (uint64_t)n * units + j;
            int32_t pos = (int32_t)t[at] - centre0;
            uint32_t lower = pos < 0 ? bins : (uint32_t)pos >> frac_bits;
            if (lower >= bins - 1) {
                grad[at] = 0.0f;
                continue;
            }
            grad[at] = (float)((log_p[lower] - log_p[lower + 1]) / total);
        }
    }
}

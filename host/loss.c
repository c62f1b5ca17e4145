#include "loss.h"

#include <math.h>
#include <stddef.h>

double crrm_softmax_ce(const float *logits, const uint8_t *labels,
                       uint32_t rows, uint32_t classes, uint32_t *correct,
                       float *dlogits)
{
    double loss = 0.0;
    for (uint32_t n = 0; n < rows; n++) {
        const float *z = logits + (size_t)n * classes;
        uint32_t best = 0;
        for (uint32_t c = 1; c < classes; c++)
            if (z[c] > z[best])
                best = c;
        double zmax = z[best]; /* subtracted for a stable log-sum-exp */
        double sum = 0.0;
        for (uint32_t c = 0; c < classes; c++)
            sum += exp((double)z[c] - zmax);
        double log_sum = log(sum) + zmax;
        loss += log_sum - z[labels[n]];
        if (best == labels[n])
            (*correct)++;
        if (dlogits)
            for (uint32_t c = 0; c < classes; c++) {
                double prob = exp((double)z[c] - log_sum);
                dlogits[(size_t)n * classes + c] =
                    (float)((prob - (c == labels[n])) / rows);
            }
    }
    return loss;
}

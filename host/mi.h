/*
 * mi.h - entropy and mutual information from the accelerator's soft
 * histograms, and the gradient of the entropy term of the CRRM loss.
 *
 * For a deterministic network the binned I(X;T) equals the entropy of the
 * binned code, H(T), so it depends on the bin width and range. The sum of the
 * per-unit entropies sum_j H(T_j) is an upper bound on H(T); it is the MI term
 * that CRRM regularizes. I(T;Y) is reported as max_j I(T_j;Y), a lower bound
 * on I(T;Y) because each T_j is a function of T.
 */
#ifndef CRRM_MI_H
#define CRRM_MI_H

#include <stdint.h>

/* Entropy in bits of one histogram (counts in any common unit). */
double crrm_entropy_bits(const uint32_t *counts, uint32_t bins);

/* I(T_j;Y) in bits from one unit's joint histogram (classes x bins). */
double crrm_mutual_info_bits(const uint32_t *joint, uint32_t classes,
                             uint32_t bins);

/* Sum over units of H(T_j), and max over units of I(T_j;Y). */
double crrm_entropy_sum_bits(const uint32_t *hist, uint32_t units,
                             uint32_t bins);
double crrm_label_info_bits(const uint32_t *joint, uint32_t units,
                            uint32_t classes, uint32_t bins);

/*
 * Gradient of sum_j H(T_j) with respect to each code t[n][j] (rows x units),
 * in bits per code step, from the histogram hist (units x bins) that the
 * kernel built from the same codes with the given binning.
 *
 * A code between the centres of bins i and i+1 moves weight from bin i to
 * bin i+1 at 1/w of a sample per code, so dH/dt = (log2 p_i - log2 p_i+1) /
 * (rows * w). Codes clamped into an outer bin have gradient 0. A code exactly
 * on bin i's centre takes the right derivative; if bin i+1 is empty there,
 * its probability is floored at one count so the gradient stays finite.
 */
void crrm_entropy_grad(const int16_t *t, const uint32_t *hist, uint32_t rows,
                       uint32_t units, uint32_t bins_log2, uint32_t range_log2,
                       float *grad);

#endif

/*
 * mi_hist.c - soft histograms of the bottleneck code for the MI estimate.
 *
 * For every unit j of T (rows x units) the kernel builds the soft histogram
 * of T[:, j] and the same histogram split by class label. Weights are exact
 * integers: a bin is w = 2^f codes wide, and a sample adds w - d to its lower
 * bin and d to the upper one, where d < w is its distance in codes from the
 * lower bin's centre. Counts are therefore in units of 1/w of a sample and
 * every update is exact.
 *
 * Units are processed CRRM_HIST_BANKS at a time, one histogram bank per unit,
 * one update per bank per sample.
 *
 * Limits not supported: units > CRRM_MAX_UNITS, classes > CRRM_MAX_CLASSES,
 * bins_log2 > CRRM_MAX_BINS_LOG2 or > range_log2, range_log2 >
 * CRRM_MAX_RANGE_LOG2, rows * w >= 2^32, a label >= classes (the call
 * returns without writing, or skips that sample; the host rejects all of
 * these first).
 */
#include "crrm_kernels.h"

#define HIST_MAX_BINS (1u << CRRM_MAX_BINS_LOG2)

CRRM_KERNEL void crrm_mi_hist(CRRM_GLOBAL const int16_t *t,
                              CRRM_GLOBAL const uint8_t *labels,
                              CRRM_GLOBAL uint32_t *hist,
                              CRRM_GLOBAL uint32_t *joint, uint32_t rows,
                              uint32_t units, uint32_t classes,
                              uint32_t bins_log2, uint32_t range_log2)
{
#pragma HLS INTERFACE m_axi port = t offset = slave bundle = gmem0 max_read_burst_length = 256
#pragma HLS INTERFACE m_axi port = labels offset = slave bundle = gmem1 max_read_burst_length = 256
#pragma HLS INTERFACE m_axi port = hist offset = slave bundle = gmem2 max_write_burst_length = 256
#pragma HLS INTERFACE m_axi port = joint offset = slave bundle = gmem2 max_write_burst_length = 256
#pragma HLS INTERFACE s_axilite port = rows
#pragma HLS INTERFACE s_axilite port = units
#pragma HLS INTERFACE s_axilite port = classes
#pragma HLS INTERFACE s_axilite port = bins_log2
#pragma HLS INTERFACE s_axilite port = range_log2
#pragma HLS INTERFACE s_axilite port = return

    uint32_t bank[CRRM_HIST_BANKS][CRRM_MAX_CLASSES][HIST_MAX_BINS];
#pragma HLS ARRAY_PARTITION variable = bank dim = 1 complete

    if (units > CRRM_MAX_UNITS || classes > CRRM_MAX_CLASSES ||
        classes == 0 || bins_log2 > CRRM_MAX_BINS_LOG2 ||
        range_log2 > CRRM_MAX_RANGE_LOG2 || bins_log2 > range_log2)
        return;

    uint32_t bins = 1u << bins_log2;
    uint32_t frac_bits = range_log2 + 1 - bins_log2;
    uint32_t width = 1u << frac_bits;
    if ((uint64_t)rows * width > 0xFFFFFFFFu)
        return;

    /* Offset that maps the centre of bin 0 to position 0. */
    int32_t centre0 = -(int32_t)(1u << range_log2) + (int32_t)(width >> 1);

unit_groups:
    for (uint32_t g0 = 0; g0 < units; g0 += CRRM_HIST_BANKS) {
        uint32_t gn = units - g0 < CRRM_HIST_BANKS ? units - g0 : CRRM_HIST_BANKS;

        // Clear the banks of this group.
    clear_banks:
        for (uint32_t g = 0; g < gn; g++)
            for (uint32_t c = 0; c < classes; c++)
                for (uint32_t b = 0; b < bins; b++)
                    bank[g][c][b] = 0;

        // Add each sample's two weights to its unit's bank.
    samples:
        for (uint32_t s = 0; s < rows; s++) {
#pragma HLS PIPELINE II = 1
            uint32_t label = labels[s];
            if (label >= classes)
                continue;
        banks:
            for (uint32_t g = 0; g < gn; g++) {
#pragma HLS UNROLL
                int32_t pos = (int32_t)t[(uint64_t)s * units + g0 + g] - centre0;
                if (pos < 0) {
                    bank[g][label][0] += width;
                    continue;
                }
                uint32_t lower = (uint32_t)pos >> frac_bits;
                uint32_t dist = (uint32_t)pos & (width - 1);
                if (lower >= bins - 1) {
                    bank[g][label][bins - 1] += width;
                    continue;
                }
                bank[g][label][lower] += width - dist;
                bank[g][label][lower + 1] += dist;
            }
        }

        // Write the joint histogram and its sum over classes.
    store_hist:
        for (uint32_t g = 0; g < gn; g++)
            for (uint32_t b = 0; b < bins; b++) {
#pragma HLS PIPELINE II = 1
                uint32_t total = 0;
                for (uint32_t c = 0; c < classes; c++) {
                    total += bank[g][c][b];
                    joint[((uint64_t)(g0 + g) * classes + c) * bins + b] = bank[g][c][b];
                }
                hist[(uint64_t)(g0 + g) * bins + b] = total;
            }
    }
}

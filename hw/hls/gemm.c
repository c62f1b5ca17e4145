/*
 * gemm.c - GEMM kernel with transpose options, for the backward pass.
 *
 * C[i][j] = sat32(round(sum_k op(A)[i][k] op(B)[k][j] >> shift))
 *
 * The output is computed in CRRM_ROW_TILE x CRRM_COL_TILE tiles. For each
 * tile the reduction runs over CRRM_K_TILE slices: a slice of op(A) and the
 * transposed slice of op(B) are copied to on-chip buffers, both row-major in
 * k, so each output element is a dot product of two contiguous rows. The
 * 48-bit accumulators of a tile stay on chip until the last slice.
 *
 * Limits not supported: k > CRRM_MAX_K, shift > CRRM_MAX_SHIFT (the call
 * returns without writing C; the host rejects both first).
 */
#include "crrm_kernels.h"

CRRM_KERNEL void crrm_gemm(CRRM_GLOBAL const int16_t *a,
                           CRRM_GLOBAL const int16_t *b, CRRM_GLOBAL int32_t *c,
                           uint32_t m, uint32_t n, uint32_t k, uint32_t trans_a,
                           uint32_t trans_b, uint32_t shift)
{
#pragma HLS INTERFACE m_axi port = a offset = slave bundle = gmem0 max_read_burst_length = 256
#pragma HLS INTERFACE m_axi port = b offset = slave bundle = gmem1 max_read_burst_length = 256
#pragma HLS INTERFACE m_axi port = c offset = slave bundle = gmem2 max_write_burst_length = 256
#pragma HLS INTERFACE s_axilite port = m
#pragma HLS INTERFACE s_axilite port = n
#pragma HLS INTERFACE s_axilite port = k
#pragma HLS INTERFACE s_axilite port = trans_a
#pragma HLS INTERFACE s_axilite port = trans_b
#pragma HLS INTERFACE s_axilite port = shift
#pragma HLS INTERFACE s_axilite port = return

    int16_t a_tile[CRRM_ROW_TILE][CRRM_K_TILE];
#pragma HLS ARRAY_PARTITION variable = a_tile dim = 1 factor = 8 cyclic
    int16_t b_tile[CRRM_COL_TILE][CRRM_K_TILE];
#pragma HLS ARRAY_PARTITION variable = b_tile dim = 1 factor = 8 cyclic
    int64_t acc[CRRM_ROW_TILE][CRRM_COL_TILE];
#pragma HLS ARRAY_PARTITION variable = acc dim = 2 factor = 8 cyclic

    if (k > CRRM_MAX_K || shift > CRRM_MAX_SHIFT)
        return;

tile_rows:
    for (uint32_t i0 = 0; i0 < m; i0 += CRRM_ROW_TILE) {
        uint32_t tm = m - i0 < CRRM_ROW_TILE ? m - i0 : CRRM_ROW_TILE;
    tile_cols:
        for (uint32_t j0 = 0; j0 < n; j0 += CRRM_COL_TILE) {
            uint32_t tn = n - j0 < CRRM_COL_TILE ? n - j0 : CRRM_COL_TILE;

            // Clear the accumulators of this output tile.
        clear_acc:
            for (uint32_t i = 0; i < tm; i++)
                for (uint32_t j = 0; j < tn; j++)
                    acc[i][j] = 0;

        tile_k:
            for (uint32_t k0 = 0; k0 < k; k0 += CRRM_K_TILE) {
                uint32_t tk = k - k0 < CRRM_K_TILE ? k - k0 : CRRM_K_TILE;

                // Burst the op(A) slice into a_tile[i][kk].
            load_a:
                for (uint32_t i = 0; i < tm; i++)
                    for (uint32_t kk = 0; kk < tk; kk++) {
#pragma HLS PIPELINE II = 1
                        uint64_t at = trans_a
                                          ? (uint64_t)(k0 + kk) * m + (i0 + i)
                                          : (uint64_t)(i0 + i) * k + (k0 + kk);
                        a_tile[i][kk] = a[at];
                    }

                // Burst the op(B) slice into b_tile[j][kk], transposed.
            load_b:
                for (uint32_t j = 0; j < tn; j++)
                    for (uint32_t kk = 0; kk < tk; kk++) {
#pragma HLS PIPELINE II = 1
                        uint64_t at = trans_b
                                          ? (uint64_t)(j0 + j) * k + (k0 + kk)
                                          : (uint64_t)(k0 + kk) * n + (j0 + j);
                        b_tile[j][kk] = b[at];
                    }

                // Multiply-accumulate the slice into the tile.
            mac_rows:
                for (uint32_t i = 0; i < tm; i++)
                mac_cols:
                    for (uint32_t j = 0; j < tn; j++)
                        acc[i][j] += crrm_dot(a_tile[i], b_tile[j], tk);
            }

            // Round and saturate each output once, then write it back.
        store_c:
            for (uint32_t i = 0; i < tm; i++)
                for (uint32_t j = 0; j < tn; j++) {
#pragma HLS PIPELINE II = 1
                    c[(uint64_t)(i0 + i) * n + (j0 + j)] =
                        crrm_sat32(crrm_round_shift(acc[i][j], shift));
                }
        }
    }
}

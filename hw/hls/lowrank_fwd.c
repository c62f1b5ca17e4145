/*
 * lowrank_fwd.c - fused forward kernel of a low-rank layer W = U V.
 *
 *   T = sat16(round(X V^T >> t_shift))   rows x rank, the bottleneck code
 *   Y = sat32(round(T U^T >> y_shift))   rows x outs
 *
 * The rows are processed in tiles of CRRM_ROW_TILE. A tile of T is computed
 * into t_tile, written back (the backward pass and the histogram need it)
 * and, from the same on-chip copy, multiplied by U: T never makes a round
 * trip through device memory between the two products.
 *
 * Limits not supported: in > CRRM_MAX_K, rank > CRRM_MAX_RANK or a shift
 * above CRRM_MAX_SHIFT (the call returns without writing; the host rejects
 * these first).
 */
#include "crrm_kernels.h"

CRRM_KERNEL void crrm_lowrank_fwd(CRRM_GLOBAL const int16_t *x,
                                  CRRM_GLOBAL const int16_t *v,
                                  CRRM_GLOBAL const int16_t *u,
                                  CRRM_GLOBAL int16_t *t, CRRM_GLOBAL int32_t *y,
                                  uint32_t rows, uint32_t in, uint32_t rank,
                                  uint32_t outs, uint32_t t_shift,
                                  uint32_t y_shift)
{
#pragma HLS INTERFACE m_axi port = x offset = slave bundle = gmem0 max_read_burst_length = 256
#pragma HLS INTERFACE m_axi port = v offset = slave bundle = gmem1 max_read_burst_length = 256
#pragma HLS INTERFACE m_axi port = u offset = slave bundle = gmem1 max_read_burst_length = 256
#pragma HLS INTERFACE m_axi port = t offset = slave bundle = gmem2 max_write_burst_length = 256
#pragma HLS INTERFACE m_axi port = y offset = slave bundle = gmem3 max_write_burst_length = 256
#pragma HLS INTERFACE s_axilite port = rows
#pragma HLS INTERFACE s_axilite port = in
#pragma HLS INTERFACE s_axilite port = rank
#pragma HLS INTERFACE s_axilite port = outs
#pragma HLS INTERFACE s_axilite port = t_shift
#pragma HLS INTERFACE s_axilite port = y_shift
#pragma HLS INTERFACE s_axilite port = return

    int16_t x_tile[CRRM_ROW_TILE][CRRM_K_TILE];
#pragma HLS ARRAY_PARTITION variable = x_tile dim = 1 factor = 8 cyclic
    int16_t v_tile[CRRM_MAX_RANK][CRRM_K_TILE];
#pragma HLS ARRAY_PARTITION variable = v_tile dim = 1 factor = 8 cyclic
    int64_t acc[CRRM_ROW_TILE][CRRM_MAX_RANK];
#pragma HLS ARRAY_PARTITION variable = acc dim = 2 factor = 8 cyclic
    int16_t t_tile[CRRM_ROW_TILE][CRRM_MAX_RANK];
#pragma HLS ARRAY_PARTITION variable = t_tile dim = 1 factor = 8 cyclic
    int16_t u_tile[CRRM_COL_TILE][CRRM_MAX_RANK];
#pragma HLS ARRAY_PARTITION variable = u_tile dim = 1 factor = 8 cyclic

    if (in > CRRM_MAX_K || rank > CRRM_MAX_RANK || t_shift > CRRM_MAX_SHIFT ||
        y_shift > CRRM_MAX_SHIFT)
        return;

tile_rows:
    for (uint32_t n0 = 0; n0 < rows; n0 += CRRM_ROW_TILE) {
        uint32_t tn = rows - n0 < CRRM_ROW_TILE ? rows - n0 : CRRM_ROW_TILE;

        // First product: accumulate X V^T for this row tile over k slices.
    clear_acc:
        for (uint32_t i = 0; i < tn; i++)
            for (uint32_t j = 0; j < rank; j++)
                acc[i][j] = 0;

    tile_k:
        for (uint32_t k0 = 0; k0 < in; k0 += CRRM_K_TILE) {
            uint32_t tk = in - k0 < CRRM_K_TILE ? in - k0 : CRRM_K_TILE;

        load_x:
            for (uint32_t i = 0; i < tn; i++)
                for (uint32_t kk = 0; kk < tk; kk++) {
#pragma HLS PIPELINE II = 1
                    x_tile[i][kk] = x[(uint64_t)(n0 + i) * in + k0 + kk];
                }

        load_v:
            for (uint32_t j = 0; j < rank; j++)
                for (uint32_t kk = 0; kk < tk; kk++) {
#pragma HLS PIPELINE II = 1
                    v_tile[j][kk] = v[(uint64_t)j * in + k0 + kk];
                }

        mac_t:
            for (uint32_t i = 0; i < tn; i++)
                for (uint32_t j = 0; j < rank; j++)
                    acc[i][j] += crrm_dot(x_tile[i], v_tile[j], tk);
        }

        // Round and saturate T once; keep it on chip and write it back.
    store_t:
        for (uint32_t i = 0; i < tn; i++)
            for (uint32_t j = 0; j < rank; j++) {
#pragma HLS PIPELINE II = 1
                int16_t code = crrm_sat16(crrm_round_shift(acc[i][j], t_shift));
                t_tile[i][j] = code;
                t[(uint64_t)(n0 + i) * rank + j] = code;
            }

        // Second product: Y = T U^T from the on-chip T, in column tiles.
    tile_outs:
        for (uint32_t o0 = 0; o0 < outs; o0 += CRRM_COL_TILE) {
            uint32_t to = outs - o0 < CRRM_COL_TILE ? outs - o0 : CRRM_COL_TILE;

        load_u:
            for (uint32_t o = 0; o < to; o++)
                for (uint32_t j = 0; j < rank; j++) {
#pragma HLS PIPELINE II = 1
                    u_tile[o][j] = u[(uint64_t)(o0 + o) * rank + j];
                }

        mac_y:
            for (uint32_t i = 0; i < tn; i++)
                for (uint32_t o = 0; o < to; o++) {
                    int64_t sum = crrm_dot(t_tile[i], u_tile[o], rank);
                    y[(uint64_t)(n0 + i) * outs + o0 + o] =
                        crrm_sat32(crrm_round_shift(sum, y_shift));
                }
        }
    }
}

/*
 * workspace.h - scratch buffers of the passes, kept between steps so a
 * training step allocates nothing once the first batch has run.
 */
#ifndef CRRM_WORKSPACE_H
#define CRRM_WORKSPACE_H

#include <stddef.h>

/* One buffer per slot; LAYER_SLOTS slots repeat for each of the 2 layers. */
enum crrm_slot {
    SLOT_X,      /* input codes, rows x in */
    SLOT_H,      /* ReLU output of layer 1, float */
    SLOT_DY,     /* gradient at a layer output, float */
    SLOT_DY_Q,   /* its codes */
    SLOT_DT,     /* gradient at T, float */
    SLOT_DT_Q,   /* its codes */
    SLOT_C32,    /* int32 GEMM output */
    SLOT_DA,     /* gradient at a layer input, float */
    SLOT_PROB,   /* softmax output */
    SLOT_LAYER0, /* first per-layer slot */
};

enum crrm_layer_slot {
    LSLOT_A_Q,   /* input codes of the layer */
    LSLOT_V_Q,
    LSLOT_U_Q,
    LSLOT_W_Q,
    LSLOT_T_Q,   /* bottleneck codes */
    LSLOT_Y32,   /* int32 output */
    LSLOT_Y,     /* float output with bias */
    LSLOT_MI_GRAD,
    LSLOT_HIST,
    LSLOT_JOINT,
    LAYER_SLOTS,
};

#define CRRM_SLOTS (SLOT_LAYER0 + 2 * LAYER_SLOTS)

typedef struct crrm_workspace crrm_workspace;

crrm_workspace *crrm_workspace_new(void);
void crrm_workspace_free(crrm_workspace *ws);

/* Returns the buffer of slot with room for at least bytes, or NULL (with
 * the error set) when memory runs out. Its contents are kept only while it
 * does not grow. */
void *crrm_workspace_get(crrm_workspace *ws, int slot, size_t bytes);

#endif

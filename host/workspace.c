#include "workspace.h"

#include <stdlib.h>

#include "error.h"

struct crrm_workspace {
    void *buffer[CRRM_SLOTS];
    size_t size[CRRM_SLOTS];
};

crrm_workspace *crrm_workspace_new(void)
{
    return calloc(1, sizeof(crrm_workspace));
}

void crrm_workspace_free(crrm_workspace *ws)
{
    if (!ws)
        return;
    for (int i = 0; i < CRRM_SLOTS; i++)
        free(ws->buffer[i]);
    free(ws);
}

void *crrm_workspace_get(crrm_workspace *ws, int slot, size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    if (ws->size[slot] >= bytes)
        return ws->buffer[slot];
    /* 64-byte alignment suits AXI bursts and vector loads alike. */
    size_t rounded = (bytes + 63) & ~(size_t)63;
    void *grown = aligned_alloc(64, rounded);
    if (!grown) {
        crrm_error("out of memory allocating %zu bytes of scratch", bytes);
        return NULL;
    }
    free(ws->buffer[slot]);
    ws->buffer[slot] = grown;
    ws->size[slot] = rounded;
    return grown;
}

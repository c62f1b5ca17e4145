/*
 * backend.h - the accelerator seen from the host.
 *
 * A backend runs the three kernels of hw/hls/crrm_kernels.h on some device
 * and returns results bit-identical to the software backend. Each backend is
 * one file that fills in a struct crrm_backend_ops and registers an open
 * function in backend.c; nothing else in the host changes.
 *
 * All tensors cross this interface as host arrays in the layouts documented
 * in crrm_kernels.h. Callers go through accel.h, which checks the limits and
 * counts the work first, so a backend may assume valid arguments.
 */
#ifndef CRRM_BACKEND_H
#define CRRM_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* Work done by the kernels, summed over all calls. accel.c counts the
 * logical work of every call (the first five fields) for every backend; a
 * backend adds what its device measures (the rest), and fields it cannot
 * measure stay 0: the sw and opencl backends have no cycles. */
typedef struct crrm_counters {
    uint64_t kernel_runs;
    uint64_t macs;              /* int16 multiply-accumulates */
    uint64_t hist_updates;      /* bank updates, one per sample per unit */
    uint64_t bytes_to_device;   /* host-to-device transfers */
    uint64_t bytes_from_device; /* device-to-host transfers */
    uint64_t device_macs;         /* MACs counted by the device */
    uint64_t device_hist_updates; /* histogram updates counted by the device */
    uint64_t bytes_read;    /* device memory read by the kernels */
    uint64_t bytes_written; /* device memory written by the kernels */
    uint64_t busy_cycles;   /* cycles a kernel was running (sim, xrt) */
    uint64_t stall_cycles;  /* busy cycles spent waiting on memory */
    uint64_t gemm_cycles;   /* busy cycles of GEMM and fused runs */
    uint64_t gemm_macs;     /* device MACs of those runs */
} crrm_counters;

/* Options that select and configure a backend; unused fields are ignored. */
typedef struct crrm_backend_options {
    const char *platform; /* OpenCL platform name substring, or NULL */
    int device;           /* device index */
    const char *device_bdf; /* xrt: PCIe address such as 0000:3b:00.1, or
                               NULL to open by index */
    const char *xclbin;   /* xrt: path of the xclbin */
    const char *trace;    /* sim: FST waveform path, or NULL */
    uint64_t seed;        /* sim: seed of the memory model's backpressure */
} crrm_backend_options;

typedef struct crrm_backend crrm_backend;

struct crrm_backend_ops {
    const char *name;
    int (*lowrank_fwd)(crrm_backend *be, const int16_t *x, const int16_t *v,
                       const int16_t *u, int16_t *t, int32_t *y, uint32_t rows,
                       uint32_t in, uint32_t rank, uint32_t outs,
                       uint32_t t_shift, uint32_t y_shift);
    int (*gemm)(crrm_backend *be, const int16_t *a, const int16_t *b,
                int32_t *c, uint32_t m, uint32_t n, uint32_t k,
                uint32_t trans_a, uint32_t trans_b, uint32_t shift);
    int (*mi_hist)(crrm_backend *be, const int16_t *t, const uint8_t *labels,
                   uint32_t *hist, uint32_t *joint, uint32_t rows,
                   uint32_t units, uint32_t classes, uint32_t bins_log2,
                   uint32_t range_log2);
    void (*close)(crrm_backend *be);
    /* Optional: the device's present power draw in watts, from its own
     * sensors; NULL when the backend has none. */
    int (*read_power)(crrm_backend *be, double *watts);
};

struct crrm_backend {
    const struct crrm_backend_ops *ops;
    uint32_t array_rows, array_cols; /* P x Q of a systolic array, or 0 */
    crrm_counters counters; /* the backend adds what it measures */
    void *state;            /* backend-private */
};

/* Opens the backend called name ("sw", ...). On failure returns NULL and
 * leaves the reason in crrm_last_error(). */
crrm_backend *crrm_backend_open(const char *name,
                                const crrm_backend_options *options);
void crrm_backend_close(crrm_backend *be);

/* Comma-separated names of the backends compiled into this build. */
const char *crrm_backend_names(void);

#endif

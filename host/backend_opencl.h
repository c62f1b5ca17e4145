/*
 * backend_opencl.h - the opencl backend: the HLS C kernels of hw/hls/ built
 * at run time as OpenCL C single work-item kernels (any OpenCL 1.2 device;
 * PoCL on the CPU in CI).
 */
#ifndef CRRM_BACKEND_OPENCL_H
#define CRRM_BACKEND_OPENCL_H

#include "backend.h"

/* Environment variable that names the directory of the kernel sources
 * (gemm.c, lowrank_fwd.c, mi_hist.c and their headers). Unset, the backend
 * uses ../hw/hls next to the directory of the running executable. */
#define CRRM_KERNEL_DIR_ENV "CRRM_KERNEL_DIR"

/* Opens options->platform (a substring of the platform name; NULL picks
 * the first platform) and its device number options->device, and builds
 * the kernels. On failure returns NULL with the reason in crrm_last_error(). */
crrm_backend *crrm_opencl_backend_open(const crrm_backend_options *options);

/* Finds the kernel source directory as the opencl backend does and writes
 * its path to out. Returns 0, or -1 with crrm_last_error() set. */
int crrm_kernel_dir(char *out, size_t size);

#endif

/*
 * backend_xrt.h - the xrt backend: the HLS C kernels built by Vitis into an
 * xclbin, run on an Alveo card through XRT's native C API (docs/alveo.md).
 */
#ifndef CRRM_BACKEND_XRT_H
#define CRRM_BACKEND_XRT_H

#include "backend.h"

/* Environment variable with the PCIe address (BDF, such as 0000:3b:00.1) of
 * the card to open; when set it is used in place of --device N. */
#define CRRM_XRT_BDF_ENV "CRRM_XRT_BDF"

/* Environment variable with the timeout of one kernel run in milliseconds
 * (default CRRM_XRT_DEFAULT_TIMEOUT_MS). */
#define CRRM_XRT_TIMEOUT_ENV "CRRM_XRT_TIMEOUT_MS"
#define CRRM_XRT_DEFAULT_TIMEOUT_MS 60000u

/* Opens card options->device (or the card at $CRRM_XRT_BDF), loads the
 * xclbin options->xclbin, checks its UUID and opens the three kernels. On
 * failure returns NULL with the reason in crrm_last_error(); it never
 * aborts the process on a missing XRT installation or card. */
crrm_backend *crrm_xrt_backend_open(const crrm_backend_options *options);

/* Reads the card's input power in watts from its 12 V PCIe and 12 V
 * auxiliary sensors, for energy reports. be must come from
 * crrm_xrt_backend_open. Returns 0, or -1 with crrm_last_error() set when
 * the shim or the card does not report the sensors. */
int crrm_xrt_power_watts(crrm_backend *be, double *watts);

/* Writes the path of the shim library that XRT loads for the current
 * XCL_EMULATION_MODE to path: $XILINX_XRT/lib/libxrt_core.so.2 for a card,
 * libxrt_noop.so.2 for noop. Returns 0, or -1 with crrm_last_error() set
 * for an unknown mode or an unset XILINX_XRT. */
int crrm_xrt_shim_path(char *path, size_t size);

#endif

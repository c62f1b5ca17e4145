/*
 * backend_xrt.c - the xrt backend: runs the Vitis-built kernels of an
 * xclbin on an Alveo card through XRT's native C API (libxrt_coreutil).
 *
 * Opening checks the XRT installation before calling XRT, because XRT 2.13
 * aborts the process with an uncaught C++ exception when XILINX_XRT is unset
 * or its shim library is missing. Then it opens the card, loads the xclbin,
 * checks that the card reports the xclbin's UUID and opens the three
 * kernels with one reusable run handle each.
 *
 * Each kernel argument gets its own buffer object in the memory bank that
 * the xclbin connects it to (xrtKernelArgGroupId), kept between calls and
 * grown when a call needs more. A call writes and syncs the inputs, starts
 * the run, waits for it with a timeout, then syncs and reads the outputs.
 */
#ifdef CRRM_HAVE_XRT
#include "backend_xrt.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>
#include <experimental/xrt_xclbin.h>

#include "error.h"

/* Tensor arguments of the widest kernel, crrm_lowrank_fwd. */
#define MAX_TENSOR_ARGS 5

/* Smallest buffer object allocated, so a buffer never has size 0. */
#define MIN_BO_BYTES 4096

/* The three kernels, in the order of xrt_state.kernel. */
enum { KERNEL_GEMM, KERNEL_LOWRANK_FWD, KERNEL_MI_HIST, KERNEL_COUNT };

static const char *const kernel_names[KERNEL_COUNT] = {
    "crrm_gemm", "crrm_lowrank_fwd", "crrm_mi_hist"};

/* Tensor (m_axi) arguments per kernel; the scalars follow them. */
static const int tensor_args[KERNEL_COUNT] = {3, 5, 4};

typedef struct xrt_kernel_slot {
    xrtKernelHandle kernel;
    xrtRunHandle run;
    xrtMemoryGroup group[MAX_TENSOR_ARGS];
    xrtBufferHandle bo[MAX_TENSOR_ARGS];
    size_t bo_size[MAX_TENSOR_ARGS];
} xrt_kernel_slot;

typedef struct xrt_state {
    void *shim;    /* dlopen handle of the shim, for xclProbe and sensors */
    xrtDeviceHandle device;
    xuid_t uuid;
    unsigned timeout_ms;
    xrt_kernel_slot kernel[KERNEL_COUNT];
} xrt_state;

/* Sensor fields of xclDeviceInfo2 (xrt.h) are read through the shim. */
typedef int (*device_info_fn)(xclDeviceHandle, struct xclDeviceInfo2 *);
typedef unsigned (*probe_fn)(void);

static const char *run_state_name(enum ert_cmd_state state)
{
    switch (state) {
    case ERT_CMD_STATE_NEW: return "NEW";
    case ERT_CMD_STATE_QUEUED: return "QUEUED";
    case ERT_CMD_STATE_RUNNING: return "RUNNING";
    case ERT_CMD_STATE_COMPLETED: return "COMPLETED";
    case ERT_CMD_STATE_ERROR: return "ERROR";
    case ERT_CMD_STATE_ABORT: return "ABORT";
    case ERT_CMD_STATE_SUBMITTED: return "SUBMITTED";
    case ERT_CMD_STATE_TIMEOUT: return "TIMEOUT";
    case ERT_CMD_STATE_NORESPONSE: return "NORESPONSE";
    default: return "an unknown state";
    }
}

int crrm_xrt_shim_path(char *path, size_t size)
{
    // XRT picks the shim from XCL_EMULATION_MODE; unset means a real card.
    // NOTE: the sw_emu and hw_emu file names follow Debian's libxrt1 2.13
    // package; only the card and noop names were seen in XRT's own errors.
    const char *mode = getenv("XCL_EMULATION_MODE");
    const char *shim;
    if (!mode || mode[0] == '\0')
        shim = "libxrt_core.so.2";
    else if (strcmp(mode, "noop") == 0)
        shim = "libxrt_noop.so.2";
    else if (strcmp(mode, "sw_emu") == 0)
        shim = "libxrt_swemu.so.2";
    else if (strcmp(mode, "hw_emu") == 0)
        shim = "libxrt_hwemu.so.2";
    else
        return crrm_error("xrt backend: XCL_EMULATION_MODE=%s is not one of "
                          "noop, sw_emu or hw_emu; unset it to use a card",
                          mode);

    const char *root = getenv("XILINX_XRT");
    if (!root || root[0] == '\0')
        return crrm_error("xrt backend: XILINX_XRT is not set, so XRT cannot "
                          "find its shim library %s; run `source "
                          "/opt/xilinx/xrt/setup.sh` (Xilinx's XRT package) "
                          "or, with Debian's libxrt1, point XILINX_XRT at a "
                          "directory whose lib/ links to "
                          "/usr/lib/x86_64-linux-gnu (docs/alveo.md)", shim);
    if ((size_t)snprintf(path, size, "%s/lib/%s", root, shim) >= size)
        return crrm_error("xrt backend: XILINX_XRT=%s is too long", root);
    return 0;
}

/* Loads the shim library XRT will load, so a missing one is an error
 * here and not an abort inside XRT. The handle stays open until close. */
static int load_shim(xrt_state *s)
{
    char path[PATH_MAX];
    if (crrm_xrt_shim_path(path, sizeof path))
        return -1;
    if (access(path, R_OK) != 0)
        return crrm_error("xrt backend: XRT shim library %s not found (%s); "
                          "install XRT or fix XILINX_XRT (docs/alveo.md)",
                          path, strerror(errno));
    s->shim = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
    if (!s->shim)
        return crrm_error("xrt backend: loading the XRT shim library %s "
                          "failed: %s", path, dlerror());
    return 0;
}

/* Returns the number of cards the shim finds, or -1 without xclProbe. */
static int probe_cards(xrt_state *s)
{
    probe_fn probe = (probe_fn)(uintptr_t)dlsym(s->shim, "xclProbe");
    return probe ? (int)probe() : -1;
}

static int open_device(xrt_state *s, int index, const char *bdf_option)
{
    const char *bdf = bdf_option ? bdf_option : getenv(CRRM_XRT_BDF_ENV);
    if (bdf && bdf[0] != '\0')
        s->device = xrtDeviceOpenByBDF(bdf);
    else
        s->device = xrtDeviceOpen((unsigned)index);
    if (s->device)
        return 0;

    int found = probe_cards(s);
    char count[64];
    if (found >= 0)
        snprintf(count, sizeof count, "%d card(s)", found);
    else
        snprintf(count, sizeof count, "an unknown number of cards");
    const char *mode = getenv("XCL_EMULATION_MODE");
    if (bdf && bdf[0] != '\0')
        return crrm_error("xrt backend: no card at PCIe address %s; XRT "
                          "found %s%s%s; list them with `xbutil examine`",
                          bdf, count,
                          mode ? " with XCL_EMULATION_MODE=" : "",
                          mode ? mode : "");
    return crrm_error("xrt backend: no card with index %d (--device %d); XRT "
                      "found %s%s%s; list them with `xbutil examine`, or use "
                      "--backend opencl or sw on a machine without a card",
                      index, index, count,
                      mode ? " with XCL_EMULATION_MODE=" : "",
                      mode ? mode : "");
}

/* Loads the xclbin file and checks the card now reports its UUID. */
static int load_xclbin(xrt_state *s, const char *path)
{
    if (!path)
        return crrm_error("xrt backend: no xclbin given; pass --xclbin FILE "
                          "(built by `make xclbin`, docs/alveo.md)");
    if (access(path, R_OK) != 0)
        return crrm_error("xrt backend: xclbin %s not found (%s); build it "
                          "with `make xclbin` or pass the right --xclbin",
                          path, strerror(errno));

    xrtXclbinHandle xclbin = xrtXclbinAllocFilename(path);
    if (!xclbin)
        return crrm_error("xrt backend: %s is not a valid xclbin (XRT could "
                          "not parse it); rebuild it with `make xclbin`",
                          path);
    xuid_t expected;
    int status = xrtXclbinGetUUID(xclbin, expected);
    if (status == 0)
        status = xrtDeviceLoadXclbinHandle(s->device, xclbin);
    xrtXclbinFreeHandle(xclbin);
    if (status != 0)
        return crrm_error("xrt backend: loading xclbin %s onto the card "
                          "failed (%s); check that it was built for this "
                          "card's platform (`xbutil examine`)",
                          path, strerror(errno ? errno : -status));

    xuid_t loaded;
    char expected_text[37], loaded_text[37];
    uuid_unparse_lower(expected, expected_text);
    if (xrtDeviceGetXclbinUUID(s->device, loaded) != 0)
        return crrm_error("xrt backend: reading the xclbin UUID of the card "
                          "failed after loading %s", path);
    uuid_unparse_lower(loaded, loaded_text);
    if (uuid_compare(expected, loaded) != 0)
        return crrm_error("xrt backend: the card reports xclbin UUID %s "
                          "after loading %s with UUID %s; another process "
                          "may hold the card with a different xclbin",
                          loaded_text, path, expected_text);
    memcpy(s->uuid, loaded, sizeof s->uuid);
    return 0;
}

static int open_kernels(xrt_state *s, const char *path)
{
    for (int k = 0; k < KERNEL_COUNT; k++) {
        xrt_kernel_slot *slot = &s->kernel[k];
        slot->kernel = xrtPLKernelOpen(s->device, s->uuid, kernel_names[k]);
        if (!slot->kernel)
            return crrm_error("xrt backend: kernel %s not found in xclbin %s; "
                              "rebuild it with `make xclbin`",
                              kernel_names[k], path);
        slot->run = xrtRunOpen(slot->kernel);
        if (!slot->run)
            return crrm_error("xrt backend: opening a run handle of kernel %s "
                              "failed", kernel_names[k]);

        // The xclbin's connectivity gives each tensor argument's bank.
        for (int a = 0; a < tensor_args[k]; a++) {
            int group = xrtKernelArgGroupId(slot->kernel, a);
            if (group < 0)
                return crrm_error("xrt backend: argument %d of kernel %s has "
                                  "no memory bank in xclbin %s", a,
                                  kernel_names[k], path);
            slot->group[a] = (xrtMemoryGroup)group;
        }
    }
    return 0;
}

static unsigned timeout_from_env(void)
{
    const char *text = getenv(CRRM_XRT_TIMEOUT_ENV);
    if (!text || text[0] == '\0')
        return CRRM_XRT_DEFAULT_TIMEOUT_MS;
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || *end != '\0' || value == 0 || value > UINT_MAX)
        return 0;
    return (unsigned)value;
}

/* Returns the buffer object of argument a of kernel k with at least bytes
 * bytes, reallocating it when it is smaller. */
static xrtBufferHandle bo_for(xrt_state *s, int k, int a, size_t bytes)
{
    xrt_kernel_slot *slot = &s->kernel[k];
    if (bytes < MIN_BO_BYTES)
        bytes = MIN_BO_BYTES;
    if (slot->bo[a] && slot->bo_size[a] >= bytes)
        return slot->bo[a];
    if (slot->bo[a])
        xrtBOFree(slot->bo[a]);
    slot->bo_size[a] = 0;

    // Grow by at least half, so slowly rising sizes reallocate rarely.
    size_t grown = bytes + bytes / 2;
    slot->bo[a] = xrtBOAlloc(s->device, grown, XRT_BO_FLAGS_NONE,
                             slot->group[a]);
    if (!slot->bo[a]) {
        crrm_error("xrt backend: allocating a %zu-byte buffer object in bank "
                   "%u for argument %d of %s failed", grown, slot->group[a], a,
                   kernel_names[k]);
        return NULL;
    }
    slot->bo_size[a] = grown;
    return slot->bo[a];
}

static int write_input(int k, int a, xrtBufferHandle bo, const void *host,
                       size_t bytes)
{
    if (xrtBOWrite(bo, host, bytes, 0) != 0 ||
        xrtBOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, bytes, 0) != 0)
        return crrm_error("xrt backend: copying %zu bytes of argument %d of "
                          "%s to the card failed", bytes, a, kernel_names[k]);
    return 0;
}

static int read_output(int k, int a, xrtBufferHandle bo, void *host,
                       size_t bytes)
{
    if (xrtBOSync(bo, XCL_BO_SYNC_BO_FROM_DEVICE, bytes, 0) != 0 ||
        xrtBORead(bo, host, bytes, 0) != 0)
        return crrm_error("xrt backend: copying %zu bytes of argument %d of "
                          "%s from the card failed", bytes, a, kernel_names[k]);
    return 0;
}

/* Sets the buffer arguments and uint32 scalars of kernel k, starts the run
 * and waits for it with the timeout. */
static int run_kernel(xrt_state *s, int k, xrtBufferHandle *bos,
                      const uint32_t *scalars, int scalar_count)
{
    xrt_kernel_slot *slot = &s->kernel[k];
    int arg = 0;
    for (int a = 0; a < tensor_args[k]; a++, arg++)
        if (xrtRunSetArg(slot->run, arg, bos[a]) != 0)
            return crrm_error("xrt backend: setting buffer argument %d of %s "
                              "failed", arg, kernel_names[k]);
    for (int i = 0; i < scalar_count; i++, arg++)
        if (xrtRunSetArg(slot->run, arg, (uint32_t)scalars[i]) != 0)
            return crrm_error("xrt backend: setting scalar argument %d of %s "
                              "failed", arg, kernel_names[k]);
    if (xrtRunStart(slot->run) != 0)
        return crrm_error("xrt backend: starting kernel %s failed",
                          kernel_names[k]);

    enum ert_cmd_state state = xrtRunWaitFor(slot->run, s->timeout_ms);
    if (state == ERT_CMD_STATE_TIMEOUT)
        return crrm_error("xrt backend: kernel %s timed out after %u ms; raise "
                          "%s or reset the card with `xbutil reset`",
                          kernel_names[k], s->timeout_ms, CRRM_XRT_TIMEOUT_ENV);
    if (state != ERT_CMD_STATE_COMPLETED)
        return crrm_error("xrt backend: kernel %s ended in state %s (%d), not "
                          "COMPLETED", kernel_names[k], run_state_name(state),
                          (int)state);
    return 0;
}

static int xrt_lowrank_fwd(crrm_backend *be, const int16_t *x,
                           const int16_t *v, const int16_t *u, int16_t *t,
                           int32_t *y, uint32_t rows, uint32_t in,
                           uint32_t rank, uint32_t outs, uint32_t t_shift,
                           uint32_t y_shift)
{
    xrt_state *s = be->state;
    const int k = KERNEL_LOWRANK_FWD;
    size_t bytes[5] = {2 * (size_t)rows * in, 2 * (size_t)rank * in,
                       2 * (size_t)outs * rank, 2 * (size_t)rows * rank,
                       4 * (size_t)rows * outs};
    xrtBufferHandle bo[5];
    for (int a = 0; a < 5; a++)
        if (!(bo[a] = bo_for(s, k, a, bytes[a])))
            return -1;

    uint32_t scalars[] = {rows, in, rank, outs, t_shift, y_shift};
    if (write_input(k, 0, bo[0], x, bytes[0]) ||
        write_input(k, 1, bo[1], v, bytes[1]) ||
        write_input(k, 2, bo[2], u, bytes[2]) ||
        run_kernel(s, k, bo, scalars, 6) ||
        read_output(k, 3, bo[3], t, bytes[3]) ||
        read_output(k, 4, bo[4], y, bytes[4]))
        return -1;
    return 0;
}

static int xrt_gemm(crrm_backend *be, const int16_t *a, const int16_t *b,
                    int32_t *c, uint32_t m, uint32_t n, uint32_t k_len,
                    uint32_t trans_a, uint32_t trans_b, uint32_t shift)
{
    xrt_state *s = be->state;
    const int k = KERNEL_GEMM;
    size_t bytes[3] = {2 * (size_t)m * k_len, 2 * (size_t)k_len * n,
                       4 * (size_t)m * n};
    xrtBufferHandle bo[3];
    for (int i = 0; i < 3; i++)
        if (!(bo[i] = bo_for(s, k, i, bytes[i])))
            return -1;

    uint32_t scalars[] = {m, n, k_len, trans_a, trans_b, shift};
    if (write_input(k, 0, bo[0], a, bytes[0]) ||
        write_input(k, 1, bo[1], b, bytes[1]) ||
        run_kernel(s, k, bo, scalars, 6) ||
        read_output(k, 2, bo[2], c, bytes[2]))
        return -1;
    return 0;
}

static int xrt_mi_hist(crrm_backend *be, const int16_t *t,
                       const uint8_t *labels, uint32_t *hist, uint32_t *joint,
                       uint32_t rows, uint32_t units, uint32_t classes,
                       uint32_t bins_log2, uint32_t range_log2)
{
    xrt_state *s = be->state;
    const int k = KERNEL_MI_HIST;
    size_t nh = (size_t)units << bins_log2;
    size_t bytes[4] = {2 * (size_t)rows * units, rows, 4 * nh,
                       4 * nh * classes};
    xrtBufferHandle bo[4];
    for (int i = 0; i < 4; i++)
        if (!(bo[i] = bo_for(s, k, i, bytes[i])))
            return -1;

    uint32_t scalars[] = {rows, units, classes, bins_log2, range_log2};
    if (write_input(k, 0, bo[0], t, bytes[0]) ||
        write_input(k, 1, bo[1], labels, bytes[1]) ||
        run_kernel(s, k, bo, scalars, 5) ||
        read_output(k, 2, bo[2], hist, bytes[2]) ||
        read_output(k, 3, bo[3], joint, bytes[3]))
        return -1;
    return 0;
}

int crrm_xrt_power_watts(crrm_backend *be, double *watts)
{
    xrt_state *s = be->state;
    device_info_fn info_fn =
        (device_info_fn)(uintptr_t)dlsym(s->shim, "xclGetDeviceInfo2");
    if (!info_fn)
        return crrm_error("xrt backend: the XRT shim has no "
                          "xclGetDeviceInfo2, so power cannot be read");
    struct xclDeviceInfo2 info;
    memset(&info, 0, sizeof info);
    if (info_fn(xrtDeviceToXclDevice(s->device), &info) != 0)
        return crrm_error("xrt backend: reading the card's sensors with "
                          "xclGetDeviceInfo2 failed");
    if (info.m12VPex == 0 && info.mPexCurr == 0)
        return crrm_error("xrt backend: the card reports no 12 V PCIe "
                          "voltage or current (an emulation shim?)");

    // Millivolts times milliamperes, summed over the two 12 V inputs.
    // NOTE: the 3.3 V PCIe rail has no current field in xclDeviceInfo2, so
    // this misses its few watts; `xbutil examine -r electrical` includes it.
    *watts = ((double)info.m12VPex * (double)info.mPexCurr +
              (double)info.m12VAux * (double)info.mAuxCurr) * 1e-6;
    return 0;
}

static void xrt_close(crrm_backend *be)
{
    xrt_state *s = be->state;
    if (s) {
        // Every buffer object and handle goes before the device: a buffer
        // left at exit crashes XRT's teardown (seen with the noop shim).
        for (int k = 0; k < KERNEL_COUNT; k++) {
            xrt_kernel_slot *slot = &s->kernel[k];
            for (int a = 0; a < MAX_TENSOR_ARGS; a++)
                if (slot->bo[a])
                    xrtBOFree(slot->bo[a]);
            if (slot->run)
                xrtRunClose(slot->run);
            if (slot->kernel)
                xrtKernelClose(slot->kernel);
        }
        if (s->device)
            xrtDeviceClose(s->device);
        // The shim stays loaded: XRT holds its own reference to it and may
        // still call into it while its static objects are destroyed.
        free(s);
    }
    free(be);
}

static const struct crrm_backend_ops xrt_ops = {
    .name = "xrt",
    .lowrank_fwd = xrt_lowrank_fwd,
    .gemm = xrt_gemm,
    .mi_hist = xrt_mi_hist,
    .close = xrt_close,
    .read_power = crrm_xrt_power_watts,
};

crrm_backend *crrm_xrt_backend_open(const crrm_backend_options *options)
{
    crrm_backend *be = calloc(1, sizeof *be);
    xrt_state *s = calloc(1, sizeof *s);
    if (!be || !s) {
        free(be);
        free(s);
        crrm_error("xrt backend: out of memory");
        return NULL;
    }
    be->ops = &xrt_ops;
    be->state = s;

    // Check the run timeout before touching XRT.
    s->timeout_ms = timeout_from_env();
    if (s->timeout_ms == 0) {
        crrm_error("xrt backend: %s=%s is not a timeout in milliseconds "
                   "between 1 and %u", CRRM_XRT_TIMEOUT_ENV,
                   getenv(CRRM_XRT_TIMEOUT_ENV), UINT_MAX);
        goto fail;
    }

    // Make sure XRT's shim exists, then open the card.
    if (load_shim(s) || open_device(s, options->device, options->device_bdf))
        goto fail;

    // Load the xclbin, check its UUID and open its kernels.
    if (load_xclbin(s, options->xclbin) || open_kernels(s, options->xclbin))
        goto fail;

    char uuid_text[37];
    uuid_unparse_lower(s->uuid, uuid_text);
    fprintf(stderr, "xrt: device %d, xclbin %s (UUID %s), kernel timeout %u "
            "ms\n", options->device, options->xclbin, uuid_text,
            s->timeout_ms);
    return be;
fail:
    xrt_close(be);
    return NULL;
}

#else
/* Without XRT's headers this build has no xrt backend (xrt.mk). */
typedef int crrm_xrt_not_built;
#endif

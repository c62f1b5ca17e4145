/*
 * backend_opencl.c - the opencl backend: runs the HLS C kernels of hw/hls/
 * as OpenCL C single work-item kernels.
 *
 * The kernel sources are compiled at run time from the same files the sw
 * backend and Vitis HLS compile; crrm_hls_compat.h maps their pointer
 * qualifiers and integer types to OpenCL C. Each kernel runs as one task
 * (one work-item), so it executes the same loop nest in the same order as
 * the C function and returns the same bits.
 *
 * Each call queues its input writes, the task and its output reads on one
 * in-order command queue without waiting in between, and blocks only on the
 * last read. Device buffers are kept between calls and grown when a call
 * needs more.
 */
#ifdef CRRM_HAVE_OPENCL
#define CL_TARGET_OPENCL_VERSION 120
#include "backend_opencl.h"

#include <CL/cl.h>
#include <CL/cl_ext.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/* Kernel source files, compiled together as one program. */
static const char *const kernel_files[] = {"gemm.c", "lowrank_fwd.c",
                                           "mi_hist.c"};
#define KERNEL_FILE_COUNT (sizeof kernel_files / sizeof kernel_files[0])

/* Device buffers are shared by position across kernels: slot i is the i-th
 * tensor argument of whichever kernel runs (at most five, lowrank_fwd's). */
#define BUFFER_SLOTS 5

/* Smallest buffer allocated, so a slot never has size 0. */
#define MIN_BUFFER_BYTES 4096

typedef struct opencl_state {
    cl_context context;
    cl_command_queue queue;
    cl_program program;
    cl_kernel gemm, lowrank_fwd, mi_hist;
    cl_mem buffer[BUFFER_SLOTS];
    size_t buffer_size[BUFFER_SLOTS];
} opencl_state;

/* Returns the name of an OpenCL error code for messages. */
static const char *cl_status_name(cl_int status)
{
    switch (status) {
    case CL_SUCCESS: return "CL_SUCCESS";
    case CL_DEVICE_NOT_FOUND: return "CL_DEVICE_NOT_FOUND";
    case CL_DEVICE_NOT_AVAILABLE: return "CL_DEVICE_NOT_AVAILABLE";
    case CL_COMPILER_NOT_AVAILABLE: return "CL_COMPILER_NOT_AVAILABLE";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE:
        return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
    case CL_OUT_OF_HOST_MEMORY: return "CL_OUT_OF_HOST_MEMORY";
    case CL_BUILD_PROGRAM_FAILURE: return "CL_BUILD_PROGRAM_FAILURE";
    case CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST:
        return "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST";
    case CL_INVALID_VALUE: return "CL_INVALID_VALUE";
    case CL_INVALID_PLATFORM: return "CL_INVALID_PLATFORM";
    case CL_INVALID_DEVICE: return "CL_INVALID_DEVICE";
    case CL_INVALID_BUILD_OPTIONS: return "CL_INVALID_BUILD_OPTIONS";
    case CL_INVALID_KERNEL_NAME: return "CL_INVALID_KERNEL_NAME";
    case CL_INVALID_KERNEL_ARGS: return "CL_INVALID_KERNEL_ARGS";
    case CL_INVALID_BUFFER_SIZE: return "CL_INVALID_BUFFER_SIZE";
    case CL_INVALID_WORK_GROUP_SIZE: return "CL_INVALID_WORK_GROUP_SIZE";
    case CL_PLATFORM_NOT_FOUND_KHR: return "CL_PLATFORM_NOT_FOUND_KHR";
    default: return "an OpenCL error";
    }
}

static int cl_fail(const char *what, cl_int status)
{
    return crrm_error("opencl backend: %s failed with %s (%d)", what,
                      cl_status_name(status), (int)status);
}

int crrm_kernel_dir(char *out, size_t size)
{
    const char *env = getenv(CRRM_KERNEL_DIR_ENV);
    struct stat st;
    if (env && env[0] != '\0') {
        if (stat(env, &st) != 0 || !S_ISDIR(st.st_mode))
            return crrm_error("opencl backend: %s=%s is not a directory; set "
                              "it to the hw/hls directory of the crrm "
                              "sources", CRRM_KERNEL_DIR_ENV, env);
        if ((size_t)snprintf(out, size, "%s", env) >= size)
            return crrm_error("opencl backend: %s is longer than %zu bytes",
                              CRRM_KERNEL_DIR_ENV, size - 1);
        return 0;
    }

    // The default is ../hw/hls from the executable's directory (build/crrm).
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len < 0)
        return crrm_error("opencl backend: cannot find the running executable "
                          "(/proc/self/exe: %s); set %s to the hw/hls "
                          "directory", strerror(errno), CRRM_KERNEL_DIR_ENV);
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    if ((size_t)snprintf(out, size, "%s/../hw/hls", exe) >= size)
        return crrm_error("opencl backend: kernel directory path under %s is "
                          "too long; set %s", exe, CRRM_KERNEL_DIR_ENV);
    if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode))
        return crrm_error("opencl backend: kernel source directory %s not "
                          "found (the executable is in %s); set %s to the "
                          "hw/hls directory of the crrm sources",
                          out, exe, CRRM_KERNEL_DIR_ENV);
    return 0;
}

/* Reads a whole file into a NUL-terminated heap string. */
static char *read_source(const char *dir, const char *name)
{
    char path[PATH_MAX + 32];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        crrm_error("opencl backend: kernel source path %s/%s is too long",
                   dir, name);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        crrm_error("opencl backend: cannot open kernel source %s: %s; set %s "
                   "to the hw/hls directory of the crrm sources",
                   path, strerror(errno), CRRM_KERNEL_DIR_ENV);
        return NULL;
    }
    char *text = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = malloc((size_t)size + 1);
        if (text && fread(text, 1, (size_t)size, f) == (size_t)size) {
            text[size] = '\0';
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(f);
    if (!text)
        crrm_error("opencl backend: cannot read kernel source %s", path);
    return text;
}

/* Copies a platform or device name into a fixed buffer. */
static void platform_name(cl_platform_id p, char *out, size_t size)
{
    if (clGetPlatformInfo(p, CL_PLATFORM_NAME, size, out, NULL) != CL_SUCCESS)
        snprintf(out, size, "(unnamed)");
}

static void device_name(cl_device_id d, char *out, size_t size)
{
    if (clGetDeviceInfo(d, CL_DEVICE_NAME, size, out, NULL) != CL_SUCCESS)
        snprintf(out, size, "(unnamed)");
}

/* Appends text to the list of what was found, for error messages. */
static void append(char *list, size_t size, const char *text)
{
    size_t used = strlen(list);
    if (used + 1 < size)
        snprintf(list + used, size - used, "%s", text);
}

/* Picks the platform whose name contains want (the first one if want is
 * NULL) and its device number index. */
static int select_device(const char *want, int index, cl_platform_id *platform,
                         cl_device_id *device)
{
    cl_platform_id platforms[16];
    cl_uint count = 0;
    cl_int status = clGetPlatformIDs(16, platforms, &count);
    if (status == CL_PLATFORM_NOT_FOUND_KHR || count == 0)
        return crrm_error("opencl backend: no OpenCL platform found; install "
                          "an ICD such as pocl-opencl-icd (check with "
                          "`clinfo -l`)");
    if (status != CL_SUCCESS)
        return cl_fail("clGetPlatformIDs", status);
    if (count > 16)
        count = 16;

    char found[1024] = "";
    char name[256];
    int chosen = -1;
    for (cl_uint i = 0; i < count; i++) {
        platform_name(platforms[i], name, sizeof name);
        if (i > 0)
            append(found, sizeof found, ", ");
        append(found, sizeof found, "'");
        append(found, sizeof found, name);
        append(found, sizeof found, "'");
        if (chosen < 0 && (!want || strstr(name, want)))
            chosen = (int)i;
    }
    if (chosen < 0)
        return crrm_error("opencl backend: no OpenCL platform name contains "
                          "'%s'; found: %s; pass --platform with a part of "
                          "one of these names", want, found);
    *platform = platforms[chosen];
    platform_name(*platform, name, sizeof name);

    cl_device_id devices[64];
    cl_uint ndev = 0;
    status = clGetDeviceIDs(*platform, CL_DEVICE_TYPE_ALL, 64, devices, &ndev);
    if (status == CL_DEVICE_NOT_FOUND)
        ndev = 0;
    else if (status != CL_SUCCESS)
        return cl_fail("clGetDeviceIDs", status);
    if (ndev > 64)
        ndev = 64;
    if (index < 0 || (cl_uint)index >= ndev) {
        char list[1024] = "";
        char dname[256], entry[300];
        for (cl_uint i = 0; i < ndev; i++) {
            device_name(devices[i], dname, sizeof dname);
            snprintf(entry, sizeof entry, "%s%u '%s'", i ? ", " : "", i, dname);
            append(list, sizeof list, entry);
        }
        return crrm_error("opencl backend: platform '%s' has no device %d; "
                          "it has %u device(s)%s%s; pass --device with one of "
                          "these numbers", name, index, ndev,
                          ndev ? ": " : "", list);
    }
    *device = devices[index];
    return 0;
}

/* Builds the program from the kernel sources; a failed build leaves the
 * compiler's build log in the error message. */
static int build_program(opencl_state *s, cl_device_id device)
{
    char dir[PATH_MAX];
    if (crrm_kernel_dir(dir, sizeof dir))
        return -1;
    if (strchr(dir, ' ') || strchr(dir, '"'))
        return crrm_error("opencl backend: kernel directory '%s' contains a "
                          "space or quote, which OpenCL build options cannot "
                          "carry portably; set %s to a path without them",
                          dir, CRRM_KERNEL_DIR_ENV);

    char *sources[KERNEL_FILE_COUNT] = {0};
    int status = -1;
    for (size_t i = 0; i < KERNEL_FILE_COUNT; i++) {
        sources[i] = read_source(dir, kernel_files[i]);
        if (!sources[i])
            goto done;
    }

    cl_int err;
    s->program = clCreateProgramWithSource(s->context, KERNEL_FILE_COUNT,
                                           (const char **)sources, NULL, &err);
    if (err != CL_SUCCESS) {
        cl_fail("clCreateProgramWithSource", err);
        goto done;
    }

    // Compile with the kernel directory on the include path.
    char build_options[PATH_MAX + 16];
    snprintf(build_options, sizeof build_options, "-I %s", dir);
    err = clBuildProgram(s->program, 1, &device, build_options, NULL, NULL);
    if (err != CL_SUCCESS) {
        size_t log_size = 0;
        clGetProgramBuildInfo(s->program, device, CL_PROGRAM_BUILD_LOG, 0,
                              NULL, &log_size);
        char *log = malloc(log_size + 1);
        if (log) {
            log[0] = '\0';
            clGetProgramBuildInfo(s->program, device, CL_PROGRAM_BUILD_LOG,
                                  log_size, log, NULL);
            log[log_size] = '\0';
        }
        crrm_error("opencl backend: building the kernels of %s failed with "
                   "%s (%d); build log:\n%s", dir, cl_status_name(err),
                   (int)err, log ? log : "(out of memory)");
        free(log);
        goto done;
    }

    // Create one kernel object per entry point.
    struct {
        const char *name;
        cl_kernel *kernel;
    } entries[] = {{"crrm_gemm", &s->gemm},
                   {"crrm_lowrank_fwd", &s->lowrank_fwd},
                   {"crrm_mi_hist", &s->mi_hist}};
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        *entries[i].kernel = clCreateKernel(s->program, entries[i].name, &err);
        if (err != CL_SUCCESS) {
            crrm_error("opencl backend: kernel %s not found in the program "
                       "built from %s: %s (%d)", entries[i].name, dir,
                       cl_status_name(err), (int)err);
            goto done;
        }
    }
    status = 0;
done:
    for (size_t i = 0; i < KERNEL_FILE_COUNT; i++)
        free(sources[i]);
    return status;
}

/* Returns buffer slot i with at least bytes bytes, reallocating it when it
 * is smaller. The queue is idle between calls, so the old one can go. */
static cl_mem buffer(opencl_state *s, int i, size_t bytes)
{
    if (bytes < MIN_BUFFER_BYTES)
        bytes = MIN_BUFFER_BYTES;
    if (s->buffer[i] && s->buffer_size[i] >= bytes)
        return s->buffer[i];
    if (s->buffer[i])
        clReleaseMemObject(s->buffer[i]);
    s->buffer[i] = NULL;
    s->buffer_size[i] = 0;

    // Grow by at least half, so slowly rising sizes reallocate rarely.
    size_t grown = bytes + bytes / 2;
    cl_int err;
    s->buffer[i] = clCreateBuffer(s->context, CL_MEM_READ_WRITE, grown, NULL,
                                  &err);
    if (err != CL_SUCCESS) {
        s->buffer[i] = NULL;
        crrm_error("opencl backend: allocating a device buffer of %zu bytes "
                   "failed with %s (%d)", grown, cl_status_name(err), (int)err);
        return NULL;
    }
    s->buffer_size[i] = grown;
    return s->buffer[i];
}

/* Queues a non-blocking write of bytes from host into mem. */
static int write_input(opencl_state *s, cl_mem mem, const void *host,
                       size_t bytes)
{
    cl_int err = clEnqueueWriteBuffer(s->queue, mem, CL_FALSE, 0, bytes, host,
                                      0, NULL, NULL);
    return err == CL_SUCCESS ? 0 : cl_fail("clEnqueueWriteBuffer", err);
}

static int read_output(opencl_state *s, cl_mem mem, void *host, size_t bytes,
                       cl_bool blocking)
{
    cl_int err = clEnqueueReadBuffer(s->queue, mem, blocking, 0, bytes, host,
                                     0, NULL, NULL);
    return err == CL_SUCCESS ? 0 : cl_fail("clEnqueueReadBuffer", err);
}

/* Sets the arguments of kernel in order: count buffers, then count_u32
 * scalars. */
static int set_args(cl_kernel kernel, const char *name, cl_mem *mems,
                    int count, const uint32_t *scalars, int count_u32)
{
    cl_uint arg = 0;
    for (int i = 0; i < count; i++, arg++) {
        cl_int err = clSetKernelArg(kernel, arg, sizeof(cl_mem), &mems[i]);
        if (err != CL_SUCCESS)
            return crrm_error("opencl backend: setting argument %u of %s "
                              "failed with %s (%d)", arg, name,
                              cl_status_name(err), (int)err);
    }
    for (int i = 0; i < count_u32; i++, arg++) {
        cl_uint value = scalars[i];
        cl_int err = clSetKernelArg(kernel, arg, sizeof value, &value);
        if (err != CL_SUCCESS)
            return crrm_error("opencl backend: setting argument %u of %s "
                              "failed with %s (%d)", arg, name,
                              cl_status_name(err), (int)err);
    }
    return 0;
}

static int run_task(opencl_state *s, cl_kernel kernel, const char *name)
{
    cl_int err = clEnqueueTask(s->queue, kernel, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        return crrm_error("opencl backend: queueing kernel %s failed with %s "
                          "(%d)", name, cl_status_name(err), (int)err);
    return 0;
}

static int opencl_lowrank_fwd(crrm_backend *be, const int16_t *x,
                              const int16_t *v, const int16_t *u, int16_t *t,
                              int32_t *y, uint32_t rows, uint32_t in,
                              uint32_t rank, uint32_t outs, uint32_t t_shift,
                              uint32_t y_shift)
{
    opencl_state *s = be->state;
    size_t bytes[5] = {2 * (size_t)rows * in, 2 * (size_t)rank * in,
                       2 * (size_t)outs * rank, 2 * (size_t)rows * rank,
                       4 * (size_t)rows * outs};
    cl_mem mem[5];
    for (int i = 0; i < 5; i++)
        if (!(mem[i] = buffer(s, i, bytes[i])))
            return -1;

    // Queue the inputs, the task and the outputs; wait only on the last read.
    uint32_t scalars[] = {rows, in, rank, outs, t_shift, y_shift};
    if (write_input(s, mem[0], x, bytes[0]) ||
        write_input(s, mem[1], v, bytes[1]) ||
        write_input(s, mem[2], u, bytes[2]) ||
        set_args(s->lowrank_fwd, "crrm_lowrank_fwd", mem, 5, scalars, 6) ||
        run_task(s, s->lowrank_fwd, "crrm_lowrank_fwd") ||
        read_output(s, mem[3], t, bytes[3], CL_FALSE) ||
        read_output(s, mem[4], y, bytes[4], CL_TRUE))
        return -1;
    return 0;
}

static int opencl_gemm(crrm_backend *be, const int16_t *a, const int16_t *b,
                       int32_t *c, uint32_t m, uint32_t n, uint32_t k,
                       uint32_t trans_a, uint32_t trans_b, uint32_t shift)
{
    opencl_state *s = be->state;
    size_t bytes[3] = {2 * (size_t)m * k, 2 * (size_t)k * n,
                       4 * (size_t)m * n};
    cl_mem mem[3];
    for (int i = 0; i < 3; i++)
        if (!(mem[i] = buffer(s, i, bytes[i])))
            return -1;

    // Queue the inputs, the task and the output; wait only on the read.
    uint32_t scalars[] = {m, n, k, trans_a, trans_b, shift};
    if (write_input(s, mem[0], a, bytes[0]) ||
        write_input(s, mem[1], b, bytes[1]) ||
        set_args(s->gemm, "crrm_gemm", mem, 3, scalars, 6) ||
        run_task(s, s->gemm, "crrm_gemm") ||
        read_output(s, mem[2], c, bytes[2], CL_TRUE))
        return -1;
    return 0;
}

static int opencl_mi_hist(crrm_backend *be, const int16_t *t,
                          const uint8_t *labels, uint32_t *hist,
                          uint32_t *joint, uint32_t rows, uint32_t units,
                          uint32_t classes, uint32_t bins_log2,
                          uint32_t range_log2)
{
    opencl_state *s = be->state;
    size_t nh = (size_t)units << bins_log2;
    size_t bytes[4] = {2 * (size_t)rows * units, rows, 4 * nh,
                       4 * nh * classes};
    cl_mem mem[4];
    for (int i = 0; i < 4; i++)
        if (!(mem[i] = buffer(s, i, bytes[i])))
            return -1;

    // Queue the inputs, the task and the outputs; wait only on the last read.
    uint32_t scalars[] = {rows, units, classes, bins_log2, range_log2};
    if (write_input(s, mem[0], t, bytes[0]) ||
        write_input(s, mem[1], labels, bytes[1]) ||
        set_args(s->mi_hist, "crrm_mi_hist", mem, 4, scalars, 5) ||
        run_task(s, s->mi_hist, "crrm_mi_hist") ||
        read_output(s, mem[2], hist, bytes[2], CL_FALSE) ||
        read_output(s, mem[3], joint, bytes[3], CL_TRUE))
        return -1;
    return 0;
}

static void opencl_close(crrm_backend *be)
{
    opencl_state *s = be->state;
    if (s) {
        if (s->queue)
            clFinish(s->queue);
        for (int i = 0; i < BUFFER_SLOTS; i++)
            if (s->buffer[i])
                clReleaseMemObject(s->buffer[i]);
        if (s->gemm)
            clReleaseKernel(s->gemm);
        if (s->lowrank_fwd)
            clReleaseKernel(s->lowrank_fwd);
        if (s->mi_hist)
            clReleaseKernel(s->mi_hist);
        if (s->program)
            clReleaseProgram(s->program);
        if (s->queue)
            clReleaseCommandQueue(s->queue);
        if (s->context)
            clReleaseContext(s->context);
        free(s);
    }
    free(be);
}

static const struct crrm_backend_ops opencl_ops = {
    .name = "opencl",
    .lowrank_fwd = opencl_lowrank_fwd,
    .gemm = opencl_gemm,
    .mi_hist = opencl_mi_hist,
    .close = opencl_close,
};

crrm_backend *crrm_opencl_backend_open(const crrm_backend_options *options)
{
    crrm_backend *be = calloc(1, sizeof *be);
    opencl_state *s = calloc(1, sizeof *s);
    if (!be || !s) {
        free(be);
        free(s);
        crrm_error("opencl backend: out of memory");
        return NULL;
    }
    be->ops = &opencl_ops;
    be->state = s;

    // Select the platform and device the options name.
    cl_platform_id platform;
    cl_device_id device;
    if (select_device(options->platform, options->device, &platform, &device))
        goto fail;

    // Create the context and one in-order command queue.
    cl_int err;
    s->context = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        cl_fail("clCreateContext", err);
        goto fail;
    }
    s->queue = clCreateCommandQueue(s->context, device, 0, &err);
    if (err != CL_SUCCESS) {
        cl_fail("clCreateCommandQueue", err);
        goto fail;
    }

    // Build the kernels once; every later call reuses the program.
    if (build_program(s, device))
        goto fail;
    return be;
fail:
    opencl_close(be);
    return NULL;
}
#else
/* Without the OpenCL headers this build has no opencl backend (opencl.mk). */
typedef int crrm_opencl_not_built;
#endif

/*
 * test_xrt.c - the xrt backend on a machine without an Alveo card: every
 * way of not finding XRT, a card or an xclbin must be a clear error, never
 * an abort or a hang. With XCL_EMULATION_MODE=noop the card opens, so the
 * xclbin checks are reached too.
 *
 * NOTE: no test here runs a kernel. The noop shim could run the host path
 * (buffer objects, arguments, runs) only with an xclbin that describes the
 * kernels, and Debian 12's xclbinutil cannot build one (docs/alveo.md).
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"

#ifdef CRRM_HAVE_XRT
#include "backend_xrt.h"
#include "error.h"

/* A temporary XILINX_XRT whose lib/ contains links to Debian's shim
 * libraries, the layout XRT expects from Xilinx's own package. */
static char xrt_root[] = "/tmp/crrm_xrt_root_XXXXXX";

static void make_xrt_root(int with_shims)
{
    cr_assert_not_null(mkdtemp(xrt_root), "mkdtemp failed");
    char lib[PATH_MAX];
    snprintf(lib, sizeof lib, "%s/lib", xrt_root);
    cr_assert_eq(mkdir(lib, 0755), 0, "mkdir %s failed", lib);
    if (!with_shims)
        return;
    const char *shims[] = {"libxrt_core.so.2", "libxrt_noop.so.2"};
    for (size_t i = 0; i < sizeof shims / sizeof shims[0]; i++) {
        char from[PATH_MAX], to[PATH_MAX + 32];
        snprintf(from, sizeof from, "%s/%s", CRRM_XRT_LIB_DIR, shims[i]);
        snprintf(to, sizeof to, "%s/%s", lib, shims[i]);
        cr_assert_eq(access(from, R_OK), 0, "XRT shim %s is not installed "
                     "(Debian package libxrt1)", from);
        cr_assert_eq(symlink(from, to), 0, "symlink %s -> %s failed", to,
                     from);
    }
}

static void remove_xrt_root(void)
{
    const char *shims[] = {"libxrt_core.so.2", "libxrt_noop.so.2"};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof shims / sizeof shims[0]; i++) {
        snprintf(path, sizeof path, "%s/lib/%s", xrt_root, shims[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/lib", xrt_root);
    rmdir(path);
    rmdir(xrt_root);
}

/* Opens the xrt backend, expects it to fail and returns the message. */
static const char *open_fails(int device, const char *xclbin)
{
    crrm_backend_options options = {.device = device, .xclbin = xclbin};
    crrm_backend *be = crrm_backend_open("xrt", &options);
    if (be)
        crrm_backend_close(be);
    cr_assert_null(be, "the xrt backend opened device %d without a card",
                   device);
    return crrm_last_error();
}

static void expect_in(const char *message, const char *part)
{
    cr_assert(strstr(message, part) != NULL,
              "the error does not contain '%s': %s", part, message);
}

TestSuite(xrt_setup);

Test(xrt_setup, xilinx_xrt_unset)
{
    unsetenv("XILINX_XRT");
    unsetenv("XCL_EMULATION_MODE");
    const char *message = open_fails(0, NULL);
    expect_in(message, "XILINX_XRT is not set");
    expect_in(message, "libxrt_core.so.2");
}

Test(xrt_setup, shim_library_missing)
{
    make_xrt_root(0);
    setenv("XILINX_XRT", xrt_root, 1);
    unsetenv("XCL_EMULATION_MODE");
    const char *message = open_fails(0, NULL);
    char expected[PATH_MAX];
    snprintf(expected, sizeof expected, "%s/lib/libxrt_core.so.2", xrt_root);
    expect_in(message, expected);
    expect_in(message, "not found");
    remove_xrt_root();
}

Test(xrt_setup, unknown_emulation_mode)
{
    setenv("XILINX_XRT", "/nonexistent", 1);
    setenv("XCL_EMULATION_MODE", "fast", 1);
    const char *message = open_fails(0, NULL);
    expect_in(message, "XCL_EMULATION_MODE=fast");
}

Test(xrt_setup, invalid_timeout)
{
    setenv(CRRM_XRT_TIMEOUT_ENV, "soon", 1);
    const char *message = open_fails(0, NULL);
    expect_in(message, CRRM_XRT_TIMEOUT_ENV "=soon");
}

TestSuite(xrt_card);

Test(xrt_card, missing_card_index)
{
    /* Index 200 is past any real machine's cards, so the test holds on a
     * machine with a card too. */
    make_xrt_root(1);
    setenv("XILINX_XRT", xrt_root, 1);
    unsetenv("XCL_EMULATION_MODE");
    const char *message = open_fails(200, "/nonexistent.xclbin");
    expect_in(message, "no card with index 200");
    expect_in(message, "card(s)");
    remove_xrt_root();
}

Test(xrt_card, missing_card_address)
{
    make_xrt_root(1);
    setenv("XILINX_XRT", xrt_root, 1);
    setenv(CRRM_XRT_BDF_ENV, "0000:ff:1f.7", 1);
    unsetenv("XCL_EMULATION_MODE");
    const char *message = open_fails(0, "/nonexistent.xclbin");
    expect_in(message, "0000:ff:1f.7");
    expect_in(message, "no card at PCIe address");
    remove_xrt_root();
}

TestSuite(xrt_noop);

Test(xrt_noop, xclbin_not_given)
{
    make_xrt_root(1);
    setenv("XILINX_XRT", xrt_root, 1);
    setenv("XCL_EMULATION_MODE", "noop", 1);
    const char *message = open_fails(0, NULL);
    expect_in(message, "no xclbin given");
    expect_in(message, "--xclbin");
    remove_xrt_root();
}

Test(xrt_noop, xclbin_file_missing)
{
    make_xrt_root(1);
    setenv("XILINX_XRT", xrt_root, 1);
    setenv("XCL_EMULATION_MODE", "noop", 1);
    const char *message = open_fails(0, "/nonexistent/crrm.xclbin");
    expect_in(message, "/nonexistent/crrm.xclbin not found");
    remove_xrt_root();
}

Test(xrt_noop, xclbin_not_valid)
{
    make_xrt_root(1);
    setenv("XILINX_XRT", xrt_root, 1);
    setenv("XCL_EMULATION_MODE", "noop", 1);
    char path[] = "/tmp/crrm_bad_xclbin_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp failed");
    const char junk[] = "this is not an xclbin";
    cr_assert_eq(write(fd, junk, sizeof junk), (ssize_t)sizeof junk,
                 "writing %s failed", path);
    close(fd);
    const char *message = open_fails(0, path);
    unlink(path);
    expect_in(message, "not a valid xclbin");
    remove_xrt_root();
}

/* Runs build/crrm (next to this test binary) with a shell environment
 * prefix and returns its exit status; its output goes to out. */
static int run_crrm(const char *env, const char *args, char *out, size_t size)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    cr_assert(len > 0, "readlink /proc/self/exe failed");
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    cr_assert_not_null(slash, "no directory in %s", exe);
    *slash = '\0';

    char log[] = "/tmp/crrm_xrt_log_XXXXXX";
    int fd = mkstemp(log);
    cr_assert(fd >= 0, "mkstemp failed");
    close(fd);
    char command[3 * PATH_MAX];
    snprintf(command, sizeof command, "env %s timeout 60 %s/crrm %s >%s 2>&1",
             env, exe, args, log);
    int status = system(command);
    FILE *f = fopen(log, "r");
    size_t n = f ? fread(out, 1, size - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    unlink(log);
    cr_assert(WIFEXITED(status), "crrm did not exit normally: %s", command);
    return WEXITSTATUS(status);
}

Test(xrt_card, train_without_card_exits_at_once)
{
    char output[8192];
    int code = run_crrm("-u XILINX_XRT -u XCL_EMULATION_MODE",
                        "train --backend xrt --data synthetic --steps 1",
                        output, sizeof output);
    cr_assert_neq(code, 124, "crrm train --backend xrt hung until the "
                  "60 s timeout: %s", output);
    cr_assert_eq(code, 1, "crrm train --backend xrt exited %d: %s", code,
                 output);
    expect_in(output, "crrm train: error: xrt backend:");
}

Test(xrt_card, train_with_shim_but_no_card)
{
    make_xrt_root(1);
    char env[PATH_MAX + 64];
    snprintf(env, sizeof env, "-u XCL_EMULATION_MODE XILINX_XRT=%s", xrt_root);
    char output[8192];
    int code = run_crrm(env,
                        "train --backend xrt --device 200 --data synthetic "
                        "--steps 1 --xclbin /nonexistent.xclbin",
                        output, sizeof output);
    remove_xrt_root();
    cr_assert_neq(code, 124, "crrm train --backend xrt hung: %s", output);
    cr_assert_eq(code, 1, "crrm train --backend xrt exited %d: %s", code,
                 output);
    expect_in(output, "no card with index 200");
}

#else

Test(xrt, not_built)
{
    cr_skip_test("this build has no xrt backend: install libxrt-dev and "
                 "uuid-dev (scripts/install-deps.sh)");
}

#endif

/*
 * run_command.h - runs a shell command the way a user would and captures
 * what it prints, for tests of the crrm program.
 */
#ifndef CRRM_TEST_RUN_COMMAND_H
#define CRRM_TEST_RUN_COMMAND_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/wait.h>

/* Runs command with stderr merged into stdout; returns the exit status and
 * the first size - 1 bytes of the output in out. */
static inline int run(const char *command, char *out, size_t size)
{
    char full[2048];
    cr_assert_lt(snprintf(full, sizeof full, "%s 2>&1", command),
                 (int)sizeof full, "command too long: %s", command);
    FILE *pipe = popen(full, "r");
    cr_assert_not_null(pipe, "popen failed for %s", command);
    size_t used = fread(out, 1, size - 1, pipe);
    out[used] = '\0';
    int status = pclose(pipe);
    cr_assert(WIFEXITED(status), "%s did not exit normally (status %d)",
              command, status);
    return WEXITSTATUS(status);
}

#endif

/* realpath() is an X/Open extension of POSIX. */
#define _XOPEN_SOURCE 700

#include "output_path.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"

int crrm_output_path(const char *path, char *resolved, size_t size)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno != ENOENT)
            return crrm_error("%s: cannot inspect the output path: %s", path,
                              strerror(errno));
        if (strlen(path) >= size)
            return crrm_error("%s: output path is too long", path);
        strcpy(resolved, path);
        return 0;
    }

    char target[PATH_MAX];
    const char *final = path;
    if (S_ISLNK(st.st_mode)) {
        if (!realpath(path, target))
            return crrm_error("%s: the symbolic link points to a missing "
                              "file or directory (%s); fix the link or give "
                              "another path", path, strerror(errno));
        if (stat(target, &st) != 0)
            return crrm_error("%s: cannot inspect the link target %s: %s",
                              path, target, strerror(errno));
        final = target;
    }
    if (!S_ISREG(st.st_mode))
        return crrm_error("%s is not a regular file (a directory, device or "
                          "pipe); crrm replaces its outputs atomically, so "
                          "give the path of a regular file", final);
    if (strlen(final) >= size)
        return crrm_error("%s: output path is too long", final);
    strcpy(resolved, final);
    return 0;
}

int crrm_output_check(const char *option, const char *path)
{
    char resolved[4096];
    if (crrm_output_path(path, resolved, sizeof resolved))
        return -1;
    char dir[4096];
    strcpy(dir, resolved);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return crrm_error("%s %s: the directory %s does not exist; create it "
                          "or give another path", option, path, dir);
    return 0;
}

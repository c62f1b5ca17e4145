/*
 * tmp_dir.h - a fresh temporary directory for each test that needs files:
 * make_tmp_dir_named() in a test's .init, remove_tmp_dir() in its .fini,
 * tmp_path() for the files inside.
 */
#ifndef CRRM_TEST_TMP_DIR_H
#define CRRM_TEST_TMP_DIR_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp_dir[64];

static inline void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *dir = opendir(path);
        if (dir) {
            struct dirent *entry;
            while ((entry = readdir(dir)) != NULL) {
                if (strcmp(entry->d_name, ".") == 0 ||
                    strcmp(entry->d_name, "..") == 0)
                    continue;
                char child[1024];
                if (snprintf(child, sizeof child, "%s/%s", path,
                             entry->d_name) >= (int)sizeof child)
                    continue; /* too deep for this helper's tests */
                remove_tree(child);
            }
            closedir(dir);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Creates /tmp/crrm-test-<name>-XXXXXX as tmp_dir. */
static inline void make_tmp_dir_named(const char *name)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/crrm-test-%s-XXXXXX", name);
    cr_assert_not_null(mkdtemp(tmp_dir), "mkdtemp failed for %s", tmp_dir);
}

static inline void remove_tmp_dir(void)
{
    remove_tree(tmp_dir);
}

/* Returns tmp_dir/name in one of a few rotating static buffers, so a test
 * can hold several paths at once. */
static inline const char *tmp_path(const char *name)
{
    static char buffers[8][512];
    static int next;
    char *path = buffers[next];
    next = (next + 1) % 8;
    snprintf(path, sizeof buffers[0], "%s/%s", tmp_dir, name);
    return path;
}

/* Reads a whole file into a malloc'd buffer; the caller frees it. */
static inline uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0, "fseek failed on %s", path);
    long size = ftell(f);
    cr_assert_geq(size, 0, "ftell failed on %s", path);
    rewind(f);
    uint8_t *bytes = malloc((size_t)size + 1);
    cr_assert_not_null(bytes, "out of memory");
    cr_assert_eq(fread(bytes, 1, (size_t)size, f), (size_t)size,
                 "short read of %s", path);
    fclose(f);
    *len = (size_t)size;
    return bytes;
}

#endif

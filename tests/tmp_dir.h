/*
 * tmp_dir.h - a fresh temporary directory for each test that needs files:
 * make_tmp_dir_named() in a test's .init, remove_tmp_dir() in its .fini,
 * tmp_path() for the files inside.
 */
#ifndef CRRM_TEST_TMP_DIR_H
#define CRRM_TEST_TMP_DIR_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp_dir[64];

static void remove_tree(const char *path)
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
                snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
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
static void make_tmp_dir_named(const char *name)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/crrm-test-%s-XXXXXX", name);
    cr_assert_not_null(mkdtemp(tmp_dir), "mkdtemp failed for %s", tmp_dir);
}

static void remove_tmp_dir(void)
{
    remove_tree(tmp_dir);
}

/* Returns tmp_dir/name in one of a few rotating static buffers, so a test
 * can hold several paths at once. */
static const char *tmp_path(const char *name)
{
    static char buffers[8][512];
    static int next;
    char *path = buffers[next];
    next = (next + 1) % 8;
    snprintf(path, sizeof buffers[0], "%s/%s", tmp_dir, name);
    return path;
}

#endif

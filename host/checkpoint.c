/*
 * checkpoint.c - saves and loads checkpoint files.
 *
 * File layout, all integers little-endian and written byte by byte, so a
 * file is identical whichever host wrote it:
 *
 *   offset  size  field
 *        0     8  magic "CRRMCKPT" (ASCII, no terminator)
 *        8     4  format version, CRRM_CHECKPOINT_VERSION
 *       12     4  header length H in bytes (no terminating NUL stored)
 *       16     8  payload length P in bytes
 *       24     H  header text, "key=value\n" lines without NUL bytes
 *     24+H     P  payload
 *   24+H+P    32  SHA-256 of bytes 0 .. 24+H+P-1
 *
 * The file size is therefore exactly 56 + H + P, and the loader rejects any
 * other size before it allocates memory for the header or payload.
 */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "output_path.h"
#include "sha256.h"

static const uint8_t checkpoint_magic[8] = {'C', 'R', 'R', 'M',
                                            'C', 'K', 'P', 'T'};
#define PREFIX_BYTES 24 /* magic, version, header and payload lengths */
#define DIGEST_BYTES 32
/* Linux moves at most about 2 GiB per read() or write() call anyway, and a
 * bounded chunk keeps size_t conversions safe on 32-bit hosts. */
#define IO_CHUNK_BYTES ((size_t)1 << 30)

static void store_le32(uint8_t *p, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

static void store_le64(uint8_t *p, uint64_t x)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

static uint32_t load_le32(const uint8_t *p)
{
    uint32_t x = 0;
    for (int i = 3; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

/* ---------------------------------------------------------------- save --- */

/* Writes len bytes and adds them to the running checksum sha, if given. */
static int write_all(int fd, const char *tmp_path, const void *data,
                     uint64_t len, crrm_sha256 *sha)
{
    const uint8_t *bytes = data;
    while (len > 0) {
        size_t chunk = len < IO_CHUNK_BYTES ? (size_t)len : IO_CHUNK_BYTES;
        ssize_t n = write(fd, bytes, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return crrm_error("%s: write failed: %s; check free space and "
                              "permissions", tmp_path, strerror(errno));
        }
        if (sha)
            crrm_sha256_update(sha, bytes, (size_t)n);
        bytes += n;
        len -= (uint64_t)n;
    }
    return 0;
}

/* Copies the directory part of path into dir ("." for a bare file name). */
static int directory_of(const char *path, char *dir, size_t dir_size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dir_size, ".");
        return 0;
    }
    /* A file directly under the root keeps its "/" as the directory. */
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    if (len >= dir_size)
        return crrm_error("%s: path is too long; use a shorter path", path);
    memcpy(dir, path, len);
    dir[len] = '\0';
    return 0;
}

/* Makes the rename of a file in dir durable. */
static int sync_directory(const char *path)
{
    char dir[4096];
    if (directory_of(path, dir, sizeof dir) < 0)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return crrm_error("%s: saved, but opening directory %s to fsync it "
                          "failed: %s; the new checkpoint may not survive a "
                          "power loss", path, dir, strerror(errno));
    int rc = fsync(fd);
    int saved_errno = errno;
    close(fd);
    /* Some file systems cannot fsync a directory and return EINVAL. On those
     * the rename is as durable as the file system makes it anyway. */
    if (rc != 0 && saved_errno != EINVAL)
        return crrm_error("%s: saved, but fsync of directory %s failed: %s; "
                          "the new checkpoint may not survive a power loss",
                          path, dir, strerror(saved_errno));
    return 0;
}

/* Writes the whole checkpoint to the open file fd. */
static int write_checkpoint(int fd, const char *tmp_path,
                            const char *header_text, uint32_t header_len,
                            const void *payload, uint64_t payload_len)
{
    uint8_t prefix[PREFIX_BYTES];
    memcpy(prefix, checkpoint_magic, sizeof checkpoint_magic);
    store_le32(prefix + 8, CRRM_CHECKPOINT_VERSION);
    store_le32(prefix + 12, header_len);
    store_le64(prefix + 16, payload_len);

    crrm_sha256 sha;
    crrm_sha256_init(&sha);
    if (write_all(fd, tmp_path, prefix, sizeof prefix, &sha) < 0)
        return -1;
    if (write_all(fd, tmp_path, header_text, header_len, &sha) < 0)
        return -1;
    if (write_all(fd, tmp_path, payload, payload_len, &sha) < 0)
        return -1;

    uint8_t digest[DIGEST_BYTES];
    crrm_sha256_final(&sha, digest);
    return write_all(fd, tmp_path, digest, sizeof digest, NULL);
}

int crrm_checkpoint_save(const char *path, const char *header_text,
                         const void *payload, uint64_t payload_len)
{
    if (!path || !*path)
        return crrm_error("checkpoint save: no path given");
    if (!header_text)
        return crrm_error("%s: checkpoint save: header text is NULL", path);
    if (!payload && payload_len > 0)
        return crrm_error("%s: checkpoint save: payload is NULL but its "
                          "length is %llu", path,
                          (unsigned long long)payload_len);
    size_t header_len = strlen(header_text);
    if (header_len > UINT32_MAX)
        return crrm_error("%s: checkpoint header text is %zu bytes, but at "
                          "most %u fit in the format", path, header_len,
                          UINT32_MAX);
    if (payload_len > UINT64_MAX - PREFIX_BYTES - DIGEST_BYTES - header_len)
        return crrm_error("%s: checkpoint payload of %llu bytes is too large "
                          "for the format", path,
                          (unsigned long long)payload_len);

    /* A symbolic link is followed, so the link itself stays; a device or
     * directory at path is rejected rather than replaced by the rename. */
    char target[4096];
    if (crrm_output_path(path, target, sizeof target))
        return -1;
    path = target;

    char tmp_path[4096];
    int n = snprintf(tmp_path, sizeof tmp_path, "%s.tmp.%ld", path,
                     (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp_path)
        return crrm_error("%s: checkpoint path is too long; use a shorter "
                          "path", path);

    /* O_EXCL, because a file or directory already at the temporary name
     * belongs to someone else and must be neither overwritten nor removed. */
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            return crrm_error("%s: cannot create temporary file %s: it "
                              "already exists, perhaps left by a crashed "
                              "save; remove it and save again", path,
                              tmp_path);
        return crrm_error("%s: cannot create temporary file %s: %s; check "
                          "that the directory exists and is writable", path,
                          tmp_path, strerror(errno));
    }

    if (write_checkpoint(fd, tmp_path, header_text, (uint32_t)header_len,
                         payload, payload_len) < 0)
        goto fail;
    if (fsync(fd) != 0) {
        crrm_error("%s: fsync failed: %s; check free space and the storage "
                   "device", tmp_path, strerror(errno));
        goto fail;
    }
    int close_rc = close(fd);
    fd = -1;
    if (close_rc != 0) {
        crrm_error("%s: close failed: %s; check free space and the storage "
                   "device", tmp_path, strerror(errno));
        goto fail;
    }
    if (rename(tmp_path, path) != 0) {
        crrm_error("%s: cannot replace it with %s: %s; the previous file is "
                   "unchanged", path, tmp_path, strerror(errno));
        goto fail;
    }
    return sync_directory(path);

fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp_path);
    return -1;
}

/* ---------------------------------------------------------------- load --- */

/* Reads up to len bytes, stopping early only at the end of the file, and
 * stores the number read in *got. */
static int read_up_to(int fd, const char *path, void *data, uint64_t len,
                      uint64_t *got)
{
    uint8_t *bytes = data;
    uint64_t done = 0;
    *got = 0;
    while (done < len) {
        uint64_t left = len - done;
        size_t chunk = left < IO_CHUNK_BYTES ? (size_t)left : IO_CHUNK_BYTES;
        ssize_t n = read(fd, bytes + done, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return crrm_error("%s: read failed: %s", path, strerror(errno));
        }
        if (n == 0)
            break;
        done += (uint64_t)n;
    }
    *got = done;
    return 0;
}

/* Reads exactly len bytes. A short read means the file shrank after its
 * size was checked. */
static int read_exact(int fd, const char *path, void *data, uint64_t len,
                      uint64_t expected_size)
{
    uint64_t got = 0;
    if (read_up_to(fd, path, data, len, &got) < 0)
        return -1;
    if (got < len)
        return crrm_error("%s: truncated checkpoint: the file ended while "
                          "reading it (expected %llu bytes); another process "
                          "may be writing it, so try again",
                          path, (unsigned long long)expected_size);
    return 0;
}

/* Reports a file whose size differs from the one its length fields declare. */
static int report_size_mismatch(const char *path, uint32_t header_len,
                                uint64_t payload_len, uint64_t file_size)
{
    const uint64_t fixed = PREFIX_BYTES + DIGEST_BYTES;
    char expected[32] = "more than 2^64";
    int too_short = 1;
    if (payload_len <= UINT64_MAX - fixed - header_len) {
        uint64_t declared = fixed + header_len + payload_len;
        snprintf(expected, sizeof expected, "%llu",
                 (unsigned long long)declared);
        too_short = declared > file_size;
    }
    return crrm_error("%s: %s checkpoint: its header declares %u bytes of "
                      "header text and %llu of payload, so the file should "
                      "have %s bytes, but it has %llu; %s", path,
                      too_short ? "truncated" : "invalid", header_len,
                      (unsigned long long)payload_len, expected,
                      (unsigned long long)file_size,
                      too_short ? "the file is incomplete or a length field "
                                  "is damaged"
                                : "a length field is damaged or data was "
                                  "appended");
}

/* Checks the 24-byte prefix against the file size and returns the header
 * and payload lengths. got is how many prefix bytes the file has. */
static int check_prefix(const char *path, const uint8_t *prefix, uint64_t got,
                        uint64_t file_size, uint32_t *header_len,
                        uint64_t *payload_len)
{
    if (file_size == 0)
        return crrm_error("%s: not a crrm checkpoint: the file is empty",
                          path);
    if (got < sizeof checkpoint_magic ||
        memcmp(prefix, checkpoint_magic, sizeof checkpoint_magic) != 0) {
        char found[3 * 8 + 1] = "";
        for (uint64_t i = 0; i < got && i < 8; i++)
            snprintf(found + 3 * i, sizeof found - 3 * i, "%02x ",
                     prefix[i]);
        return crrm_error("%s: not a crrm checkpoint: it starts with bytes "
                          "%sinstead of the magic \"CRRMCKPT\"; check the "
                          "path", path, found);
    }

    uint64_t minimum = PREFIX_BYTES + DIGEST_BYTES;
    if (got < 12)
        return crrm_error("%s: truncated checkpoint: %llu bytes, but every "
                          "checkpoint has at least %llu", path,
                          (unsigned long long)file_size,
                          (unsigned long long)minimum);
    uint32_t version = load_le32(prefix + 8);
    if (version != CRRM_CHECKPOINT_VERSION)
        return crrm_error("%s: unsupported checkpoint version %u; this build "
                          "supports version %d, so load it with the crrm "
                          "build that wrote it", path, version,
                          CRRM_CHECKPOINT_VERSION);
    if (file_size < minimum)
        return crrm_error("%s: truncated checkpoint: %llu bytes, but every "
                          "checkpoint has at least %llu", path,
                          (unsigned long long)file_size,
                          (unsigned long long)minimum);

    *header_len = load_le32(prefix + 12);
    *payload_len = load_le64(prefix + 16);

    /* The lengths come straight from the file and may be anything, so the
     * comparison is arranged to never overflow. */
    uint64_t room = file_size - minimum;
    if (*header_len > room || *payload_len != room - *header_len)
        return report_size_mismatch(path, *header_len, *payload_len,
                                    file_size);
    /* Both lengths are below file_size, and each gets one extra byte. */
    if (file_size >= SIZE_MAX)
        return crrm_error("%s: checkpoint of %llu bytes does not fit in this "
                          "host's address space", path,
                          (unsigned long long)file_size);
    return 0;
}

int crrm_checkpoint_load(const char *path, char **header_text, void **payload,
                         uint64_t *payload_len)
{
    *header_text = NULL;
    *payload = NULL;
    *payload_len = 0;
    if (!path || !*path)
        return crrm_error("checkpoint load: no path given");

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return crrm_error("%s: checkpoint not found; check the path",
                              path);
        return crrm_error("%s: cannot open checkpoint: %s", path,
                          strerror(errno));
    }

    int rc = -1;
    char *header = NULL;
    uint8_t *data = NULL;

    struct stat st;
    if (fstat(fd, &st) != 0) {
        crrm_error("%s: cannot stat checkpoint: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        crrm_error("%s: not a crrm checkpoint: it is not a regular file",
                   path);
        goto done;
    }
    uint64_t file_size = (uint64_t)st.st_size;

    uint8_t prefix[PREFIX_BYTES];
    uint64_t got = 0;
    if (read_up_to(fd, path, prefix, sizeof prefix, &got) < 0)
        goto done;
    uint32_t header_len = 0;
    uint64_t data_len = 0;
    if (check_prefix(path, prefix, got, file_size, &header_len, &data_len) < 0)
        goto done;

    /* Both lengths now add up to the file size less 56 bytes, so the file
     * size bounds these allocations. One extra byte each keeps malloc(0) out and gives
     * the header its terminating NUL. */
    header = malloc((size_t)header_len + 1);
    data = malloc((size_t)data_len + 1);
    if (!header || !data) {
        crrm_error("%s: out of memory loading a %llu-byte checkpoint", path,
                   (unsigned long long)file_size);
        goto done;
    }

    uint8_t stored[DIGEST_BYTES];
    if (read_exact(fd, path, header, header_len, file_size) < 0 ||
        read_exact(fd, path, data, data_len, file_size) < 0 ||
        read_exact(fd, path, stored, sizeof stored, file_size) < 0)
        goto done;

    crrm_sha256 sha;
    uint8_t digest[DIGEST_BYTES];
    crrm_sha256_init(&sha);
    crrm_sha256_update(&sha, prefix, sizeof prefix);
    crrm_sha256_update(&sha, header, header_len);
    crrm_sha256_update(&sha, data, (size_t)data_len);
    crrm_sha256_final(&sha, digest);
    if (memcmp(digest, stored, sizeof digest) != 0) {
        crrm_error("%s: checkpoint is corrupt: its SHA-256 checksum does not "
                   "match its contents; restore it from a backup or save it "
                   "again", path);
        goto done;
    }

    const char *nul = memchr(header, '\0', header_len);
    if (nul) {
        crrm_error("%s: invalid checkpoint: the header text contains a NUL "
                   "byte at offset %zu, but it must be NUL-free text; the "
                   "file was not written by crrm_checkpoint_save", path,
                   (size_t)(nul - header));
        goto done;
    }
    header[header_len] = '\0';

    *header_text = header;
    *payload = data;
    *payload_len = data_len;
    header = NULL;
    data = NULL;
    rc = 0;

done:
    free(header);
    free(data);
    close(fd);
    return rc;
}

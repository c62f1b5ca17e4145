/*
 * test_checkpoint.c - crrm_checkpoint_save and crrm_checkpoint_load: round
 * trips, the documented byte layout, rejection of every kind of damaged or
 * foreign file, and saves that fail without harming the previous file.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "error.h"
#include "sha256.h"

#include "tmp_dir.h"

#define HEADER "model=lowrank\nrank=8\nclasses=10\n"
#define PAYLOAD_LEN 10000

/* ------------------------------------------------------------ helpers --- */

/* The files of each test go to their own directory. */
static void make_tmp_dir(void)
{
    make_tmp_dir_named("ckpt");
}

static uint8_t *make_payload(size_t len, uint8_t salt)
{
    uint8_t *payload = malloc(len ? len : 1);
    cr_assert_not_null(payload, "out of memory");
    for (size_t i = 0; i < len; i++)
        payload[i] = (uint8_t)(i * 31 + salt);
    return payload;
}


static void write_file(const char *path, const uint8_t *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    if (len > 0)
        cr_assert_eq(fwrite(bytes, 1, len, f), len, "fwrite to %s failed",
                     path);
    cr_assert_eq(fclose(f), 0, "fclose of %s failed", path);
}

/* Saves the standard test checkpoint to path. */
static void save_standard(const char *path)
{
    uint8_t *payload = make_payload(PAYLOAD_LEN, 5);
    int rc = crrm_checkpoint_save(path, HEADER, payload, PAYLOAD_LEN);
    free(payload);
    cr_assert_eq(rc, 0, "save failed: %s", crrm_last_error());
}

/* Counts the entries of dir other than "." and "..". */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot list %s", dir);
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            count++;
    closedir(d);
    return count;
}

#define assert_error_contains(text)                                         \
    cr_assert_not_null(strstr(crrm_last_error(), (text)),                  \
                       "error message lacks \"%s\": %s", (text),           \
                       crrm_last_error())

/* Loads path, expects a failure, and checks that the outputs stay empty and
 * that the error names the path and contains phrase. what describes the
 * damage for the failure message. */
static void assert_load_rejects(const char *path, const char *phrase,
                                const char *what)
{
    char *header = (char *)"sentinel";
    void *payload = (void *)"sentinel";
    uint64_t payload_len = 123;
    int rc = crrm_checkpoint_load(path, &header, &payload, &payload_len);
    cr_assert_eq(rc, -1, "%s: load must fail", what);
    cr_assert_null(header, "%s: header must be NULL after a failed load",
                   what);
    cr_assert_null(payload, "%s: payload must be NULL after a failed load",
                   what);
    cr_assert_eq(payload_len, 0, "%s: payload length must be 0 after a "
                 "failed load", what);
    cr_assert_not_null(strstr(crrm_last_error(), path),
                       "%s: error does not name the file: %s", what,
                       crrm_last_error());
    cr_assert_not_null(strstr(crrm_last_error(), phrase),
                       "%s: error lacks \"%s\": %s", what, phrase,
                       crrm_last_error());
}

/* Saves the standard checkpoint, flips one bit of byte offset in a copy and
 * expects the load of the copy to fail with phrase in the error. */
static void assert_flip_rejected(size_t offset, uint8_t mask,
                                 const char *phrase, const char *field)
{
    const char *good = tmp_path("good.ckpt");
    const char *bad = tmp_path("bad.ckpt");
    save_standard(good);
    size_t len;
    uint8_t *bytes = read_file(good, &len);
    cr_assert_lt(offset, len, "offset %zu is outside the %zu-byte file",
                 offset, len);
    bytes[offset] ^= mask;
    write_file(bad, bytes, len);
    free(bytes);

    char what[128];
    snprintf(what, sizeof what, "%s byte at offset %zu xor 0x%02x", field,
             offset, mask);
    assert_load_rejects(bad, phrase, what);
}

static size_t header_len(void)
{
    return strlen(HEADER);
}

/* Offsets of the fields in the standard checkpoint. */
static size_t header_offset(void)
{
    return 24;
}

static size_t payload_offset(void)
{
    return 24 + header_len();
}

static size_t checksum_offset(void)
{
    return 24 + header_len() + PAYLOAD_LEN;
}

/* Writes a checkpoint by hand with a valid checksum, for contents that
 * crrm_checkpoint_save would never write. */
static void write_raw_checkpoint(const char *path, uint32_t version,
                                 const char *header, size_t header_bytes,
                                 const uint8_t *payload, uint64_t payload_len)
{
    size_t len = 24 + header_bytes + (size_t)payload_len + 32;
    uint8_t *bytes = calloc(1, len);
    cr_assert_not_null(bytes, "out of memory");
    memcpy(bytes, "CRRMCKPT", 8);
    for (int i = 0; i < 4; i++)
        bytes[8 + i] = (uint8_t)(version >> (8 * i));
    for (int i = 0; i < 4; i++)
        bytes[12 + i] = (uint8_t)(header_bytes >> (8 * i));
    for (int i = 0; i < 8; i++)
        bytes[16 + i] = (uint8_t)(payload_len >> (8 * i));
    memcpy(bytes + 24, header, header_bytes);
    if (payload_len > 0)
        memcpy(bytes + 24 + header_bytes, payload, (size_t)payload_len);

    crrm_sha256 sha;
    crrm_sha256_init(&sha);
    crrm_sha256_update(&sha, bytes, len - 32);
    crrm_sha256_final(&sha, bytes + len - 32);
    write_file(path, bytes, len);
    free(bytes);
}

/* --------------------------------------------------------- round trip --- */

Test(checkpoint, round_trip, .init = make_tmp_dir, .fini = remove_tmp_dir)
{
    const char *path = tmp_path("model.ckpt");
    save_standard(path);

    char *header = NULL;
    void *payload = NULL;
    uint64_t payload_len = 0;
    cr_assert_eq(crrm_checkpoint_load(path, &header, &payload, &payload_len),
                 0, "load failed: %s", crrm_last_error());
    cr_assert_str_eq(header, HEADER, "header text changed in the round trip");
    cr_assert_eq(payload_len, PAYLOAD_LEN, "payload length %llu, expected %d",
                 (unsigned long long)payload_len, PAYLOAD_LEN);
    uint8_t *expected = make_payload(PAYLOAD_LEN, 5);
    cr_assert_eq(memcmp(payload, expected, PAYLOAD_LEN), 0,
                 "payload bytes changed in the round trip");
    free(expected);
    free(header);
    free(payload);
}

Test(checkpoint, round_trip_empty_parts, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *path = tmp_path("empty.ckpt");
    cr_assert_eq(crrm_checkpoint_save(path, "", NULL, 0), 0,
                 "saving an empty header and payload failed: %s",
                 crrm_last_error());

    char *header = NULL;
    void *payload = NULL;
    uint64_t payload_len = 99;
    cr_assert_eq(crrm_checkpoint_load(path, &header, &payload, &payload_len),
                 0, "load failed: %s", crrm_last_error());
    cr_assert_str_eq(header, "", "header must load as the empty string");
    cr_assert_eq(payload_len, 0, "payload length %llu, expected 0",
                 (unsigned long long)payload_len);
    cr_assert_not_null(payload, "an empty payload is still a valid pointer");
    free(header);
    free(payload);
}

Test(checkpoint, overwrite_replaces_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *path = tmp_path("model.ckpt");
    save_standard(path);
    uint8_t second[3] = {7, 8, 9};
    cr_assert_eq(crrm_checkpoint_save(path, "step=2\n", second, 3), 0,
                 "second save failed: %s", crrm_last_error());

    char *header = NULL;
    void *payload = NULL;
    uint64_t payload_len = 0;
    cr_assert_eq(crrm_checkpoint_load(path, &header, &payload, &payload_len),
                 0, "load failed: %s", crrm_last_error());
    cr_assert_str_eq(header, "step=2\n", "the second header must win");
    cr_assert_eq(payload_len, 3, "the second payload must win");
    cr_assert_eq(memcmp(payload, second, 3), 0, "payload bytes differ");
    free(header);
    free(payload);
}

Test(checkpoint, file_layout, .init = make_tmp_dir, .fini = remove_tmp_dir)
{
    const char *path = tmp_path("model.ckpt");
    save_standard(path);
    size_t len;
    uint8_t *bytes = read_file(path, &len);

    cr_assert_eq(len, 24 + header_len() + PAYLOAD_LEN + 32,
                 "file is %zu bytes, expected 56 + header + payload", len);
    cr_assert_eq(memcmp(bytes, "CRRMCKPT", 8), 0, "magic is not CRRMCKPT");
    uint8_t version[4] = {CRRM_CHECKPOINT_VERSION, 0, 0, 0};
    cr_assert_eq(memcmp(bytes + 8, version, 4), 0,
                 "version is not a little-endian u32 at offset 8");
    uint8_t hlen[4] = {(uint8_t)header_len(), 0, 0, 0};
    cr_assert_eq(memcmp(bytes + 12, hlen, 4), 0,
                 "header length is not a little-endian u32 at offset 12");
    uint8_t plen[8] = {PAYLOAD_LEN & 0xff, PAYLOAD_LEN >> 8, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(memcmp(bytes + 16, plen, 8), 0,
                 "payload length is not a little-endian u64 at offset 16");
    cr_assert_eq(memcmp(bytes + 24, HEADER, header_len()), 0,
                 "header text does not follow at offset 24");

    uint8_t digest[32];
    crrm_sha256 sha;
    crrm_sha256_init(&sha);
    crrm_sha256_update(&sha, bytes, len - 32);
    crrm_sha256_final(&sha, digest);
    cr_assert_eq(memcmp(bytes + len - 32, digest, 32), 0,
                 "the last 32 bytes are not the SHA-256 of the rest");
    free(bytes);
}

Test(checkpoint, leaves_no_temp_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    save_standard(tmp_path("model.ckpt"));
    save_standard(tmp_path("model.ckpt"));
    cr_assert_eq(count_entries(tmp_dir), 1,
                 "after two saves the directory must hold only the "
                 "checkpoint, but it has %d entries", count_entries(tmp_dir));
}

/* ------------------------------------------------------- damaged files --- */

Test(checkpoint, rejects_flipped_magic_byte, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    for (size_t offset = 0; offset < 8; offset++)
        assert_flip_rejected(offset, 0x20, "not a crrm checkpoint", "magic");
}

Test(checkpoint, rejects_flipped_version_byte, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    for (size_t offset = 8; offset < 12; offset++) {
        assert_flip_rejected(offset, 0x02, "unsupported checkpoint version",
                             "version");
        assert_error_contains("supports version 1");
    }
}

Test(checkpoint, rejects_flipped_length_byte, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    /* Flipping any bit of either length field changes the declared size. */
    for (size_t offset = 12; offset < 24; offset++) {
        for (int bit = 0; bit < 8; bit++) {
            assert_flip_rejected(offset, (uint8_t)(1u << bit),
                                 "its header declares", "length");
            assert_error_contains("but it has");
        }
    }
}

Test(checkpoint, rejects_flipped_header_byte, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    for (size_t i = 0; i < header_len(); i++)
        assert_flip_rejected(header_offset() + i, 0x01, "corrupt", "header");
}

Test(checkpoint, rejects_flipped_payload_byte, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    static const size_t positions[] = {0, 1, 63, 64, 4999, PAYLOAD_LEN - 1};
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++)
        assert_flip_rejected(payload_offset() + positions[i], 0x80, "corrupt",
                             "payload");
}

Test(checkpoint, rejects_flipped_checksum_byte, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    for (size_t i = 0; i < 32; i++)
        assert_flip_rejected(checksum_offset() + i, 0x10, "corrupt",
                             "checksum");
}

Test(checkpoint, rejects_truncated_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *good = tmp_path("good.ckpt");
    const char *bad = tmp_path("bad.ckpt");
    save_standard(good);
    size_t len;
    uint8_t *bytes = read_file(good, &len);

    /* A file cut inside the magic is no longer recognizable as a
     * checkpoint, but every later cut must be reported as truncated. */
    static const size_t magic_cuts[] = {1, 7};
    for (size_t i = 0; i < 2; i++) {
        write_file(bad, bytes, magic_cuts[i]);
        assert_load_rejects(bad, "not a crrm checkpoint", "cut in magic");
    }
    size_t cuts[] = {8, 11, 12, 23, 24, 56, payload_offset(),
                     checksum_offset(), len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_file(bad, bytes, cuts[i]);
        char what[64];
        snprintf(what, sizeof what, "file cut to %zu bytes", cuts[i]);
        assert_load_rejects(bad, "truncated checkpoint", what);
        char size_text[32];
        snprintf(size_text, sizeof size_text, "%zu", cuts[i]);
        assert_error_contains(size_text);
    }
    free(bytes);
}

Test(checkpoint, truncation_names_both_sizes, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *good = tmp_path("good.ckpt");
    const char *bad = tmp_path("bad.ckpt");
    save_standard(good);
    size_t len;
    uint8_t *bytes = read_file(good, &len);
    write_file(bad, bytes, len - 100);
    free(bytes);

    assert_load_rejects(bad, "truncated checkpoint", "file cut by 100 bytes");
    char expected[64], actual[64];
    snprintf(expected, sizeof expected, "should have %zu bytes", len);
    snprintf(actual, sizeof actual, "it has %zu", len - 100);
    assert_error_contains(expected);
    assert_error_contains(actual);
}

Test(checkpoint, rejects_appended_bytes, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *good = tmp_path("good.ckpt");
    const char *bad = tmp_path("bad.ckpt");
    save_standard(good);
    size_t len;
    uint8_t *bytes = read_file(good, &len);
    uint8_t *longer = calloc(1, len + 5);
    cr_assert_not_null(longer, "out of memory");
    memcpy(longer, bytes, len);
    write_file(bad, longer, len + 5);
    free(bytes);
    free(longer);
    assert_load_rejects(bad, "data was appended", "5 bytes appended");
}

Test(checkpoint, rejects_huge_lengths, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    /* Lengths near 2^64 must fail on the size check without overflowing
     * the sum or attempting the allocation. */
    const char *bad = tmp_path("huge.ckpt");
    uint8_t bytes[24 + 32] = {'C', 'R', 'R', 'M', 'C', 'K', 'P', 'T', 1};
    memset(bytes + 12, 0xff, 12);
    write_file(bad, bytes, sizeof bytes);
    assert_load_rejects(bad, "truncated checkpoint", "lengths near 2^64");
    assert_error_contains("more than 2^64");

    bytes[12] = bytes[13] = bytes[14] = bytes[15] = 0;
    bytes[23] = 0x7f;
    write_file(bad, bytes, sizeof bytes);
    assert_load_rejects(bad, "truncated checkpoint", "payload near 2^63");
}

Test(checkpoint, rejects_nul_in_header, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *bad = tmp_path("nul.ckpt");
    static const char header[] = "a=1\n\0b=2\n";
    uint8_t payload[4] = {1, 2, 3, 4};
    write_raw_checkpoint(bad, CRRM_CHECKPOINT_VERSION, header,
                         sizeof header - 1, payload, sizeof payload);
    assert_load_rejects(bad, "NUL byte at offset 4", "NUL inside the header");
}

Test(checkpoint, accepts_hand_written_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    /* Guards write_raw_checkpoint, so the NUL test fails for the NUL and
     * not for a mistake in the helper. */
    const char *path = tmp_path("raw.ckpt");
    uint8_t payload[4] = {1, 2, 3, 4};
    write_raw_checkpoint(path, CRRM_CHECKPOINT_VERSION, "a=1\n", 4, payload,
                         sizeof payload);
    char *header = NULL;
    void *data = NULL;
    uint64_t len = 0;
    cr_assert_eq(crrm_checkpoint_load(path, &header, &data, &len), 0,
                 "a hand-written valid checkpoint must load: %s",
                 crrm_last_error());
    cr_assert_str_eq(header, "a=1\n", "header differs");
    free(header);
    free(data);
}

Test(checkpoint, rejects_future_version, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *bad = tmp_path("v2.ckpt");
    write_raw_checkpoint(bad, 2, "a=1\n", 4, NULL, 0);
    assert_load_rejects(bad, "unsupported checkpoint version 2",
                        "version 2 file");
    assert_error_contains("supports version 1");
}

/* ------------------------------------------------------- foreign files --- */

Test(checkpoint, rejects_text_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *path = tmp_path("notes.txt");
    const char *text = "This is a text file, long enough to pass the size "
                       "check of a checkpoint prefix and digest.\n";
    write_file(path, (const uint8_t *)text, strlen(text));
    assert_load_rejects(path, "not a crrm checkpoint", "text file");
    assert_error_contains("54 68 69 73"); /* "This" in hex */
}

Test(checkpoint, rejects_empty_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *path = tmp_path("empty");
    write_file(path, NULL, 0);
    assert_load_rejects(path, "not a crrm checkpoint", "empty file");
    assert_error_contains("empty");
}

Test(checkpoint, rejects_missing_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    assert_load_rejects(tmp_path("no-such.ckpt"), "not found", "missing file");
}

Test(checkpoint, rejects_directory, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *path = tmp_path("a-dir");
    cr_assert_eq(mkdir(path, 0755), 0, "cannot create %s", path);
    assert_load_rejects(path, "not a regular file", "directory");
}

/* ------------------------------------------------------- failed saves --- */

Test(checkpoint, save_to_missing_directory_fails, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *path = tmp_path("no-such-dir/model.ckpt");
    uint8_t payload[1] = {0};
    cr_assert_eq(crrm_checkpoint_save(path, "a=1\n", payload, 1), -1,
                 "saving into a missing directory must fail");
    assert_error_contains(path);
    assert_error_contains("No such file or directory");
    assert_error_contains("check that the directory exists");
}

Test(checkpoint, blocked_temp_name_keeps_old_file, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *path = tmp_path("model.ckpt");
    save_standard(path);
    size_t old_len;
    uint8_t *old_bytes = read_file(path, &old_len);

    /* Criterion runs the test body in the process that calls save, so this
     * is the temporary name save will try. */
    char blocker[600];
    snprintf(blocker, sizeof blocker, "%s.tmp.%ld", path, (long)getpid());
    cr_assert_eq(mkdir(blocker, 0755), 0, "cannot create %s", blocker);

    uint8_t payload[3] = {1, 2, 3};
    cr_assert_eq(crrm_checkpoint_save(path, "step=2\n", payload, 3), -1,
                 "save must fail when its temporary name is taken");
    assert_error_contains(blocker);
    assert_error_contains("already exists");

    size_t new_len;
    uint8_t *new_bytes = read_file(path, &new_len);
    cr_assert_eq(new_len, old_len, "the old checkpoint changed size");
    cr_assert_eq(memcmp(new_bytes, old_bytes, old_len), 0,
                 "the old checkpoint changed");
    struct stat st;
    cr_assert_eq(stat(blocker, &st), 0,
                 "save removed a directory that it did not create");
    cr_assert(S_ISDIR(st.st_mode), "%s is no longer a directory", blocker);
    free(old_bytes);
    free(new_bytes);
}

Test(checkpoint, directory_in_the_way_is_rejected, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    /* A directory at the path is rejected before any temporary file is
     * made, so nothing is left behind and the directory is untouched. */
    const char *path = tmp_path("model.ckpt");
    cr_assert_eq(mkdir(path, 0755), 0, "cannot create %s", path);
    write_file(tmp_path("model.ckpt/keep"), (const uint8_t *)"x", 1);

    uint8_t payload[3] = {1, 2, 3};
    cr_assert_eq(crrm_checkpoint_save(path, "a=1\n", payload, 3), -1,
                 "saving over a non-empty directory must fail");
    assert_error_contains(path);
    assert_error_contains("is not a regular file");
    cr_assert_eq(count_entries(tmp_dir), 1,
                 "the temporary file was left behind: %d entries",
                 count_entries(tmp_dir));
    cr_assert_eq(count_entries(path), 1,
                 "the directory in the way was changed");
}

Test(checkpoint, save_rejects_null_payload, .init = make_tmp_dir,
     .fini = remove_tmp_dir)
{
    const char *path = tmp_path("model.ckpt");
    cr_assert_eq(crrm_checkpoint_save(path, "a=1\n", NULL, 10), -1,
                 "a NULL payload with length 10 must be rejected");
    assert_error_contains(path);
    assert_error_contains("payload is NULL");
    cr_assert_eq(count_entries(tmp_dir), 0,
                 "a rejected save must not create files");
}

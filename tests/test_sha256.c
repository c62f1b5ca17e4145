/*
 * test_sha256.c - crrm_sha256 against the standard SHA-256 test vectors
 * and against digests from GNU coreutils sha256sum for messages whose
 * lengths sit on the padding boundaries (55, 56, 63, 64, ... bytes).
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static void hash_hex(const void *data, size_t len, char hex[65])
{
    crrm_sha256 ctx;
    uint8_t digest[32];
    crrm_sha256_init(&ctx);
    crrm_sha256_update(&ctx, data, len);
    crrm_sha256_final(&ctx, digest);
    crrm_sha256_hex(digest, hex);
}

Test(sha256, empty_message)
{
    char hex[65];
    hash_hex("", 0, hex);
    cr_assert_str_eq(hex,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "SHA-256 of the empty message is wrong: %s", hex);
}

Test(sha256, abc)
{
    char hex[65];
    hash_hex("abc", 3, hex);
    cr_assert_str_eq(hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "SHA-256 of \"abc\" is wrong: %s", hex);
}

Test(sha256, two_block_448_bit_message)
{
    const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char hex[65];
    cr_assert_eq(strlen(msg), 56, "test message must be 448 bits long");
    hash_hex(msg, strlen(msg), hex);
    cr_assert_str_eq(hex,
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        "SHA-256 of the 448-bit message is wrong: %s", hex);
}

Test(sha256, two_block_896_bit_message)
{
    const char *msg = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    char hex[65];
    cr_assert_eq(strlen(msg), 112, "test message must be 896 bits long");
    hash_hex(msg, strlen(msg), hex);
    cr_assert_str_eq(hex,
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
        "SHA-256 of the 896-bit message is wrong: %s", hex);
}

Test(sha256, million_a_in_uneven_chunks)
{
    const size_t total = 1000000;
    char *msg = malloc(total);
    cr_assert_not_null(msg, "out of memory");
    memset(msg, 'a', total);

    /* Chunk sizes below, at and above the 64-byte block size, so chunk
     * boundaries fall at many different offsets within a block. */
    static const size_t chunk_sizes[] = {1, 3, 63, 64, 65, 127, 1000, 4099};
    crrm_sha256 ctx;
    crrm_sha256_init(&ctx);
    size_t done = 0;
    for (size_t i = 0; done < total; i++) {
        size_t n = chunk_sizes[i % (sizeof chunk_sizes / sizeof chunk_sizes[0])];
        if (n > total - done)
            n = total - done;
        crrm_sha256_update(&ctx, msg + done, n);
        done += n;
    }
    uint8_t digest[32];
    char hex[65];
    crrm_sha256_final(&ctx, digest);
    crrm_sha256_hex(digest, hex);
    free(msg);

    cr_assert_str_eq(hex,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        "SHA-256 of one million 'a' is wrong: %s", hex);
}

Test(sha256, padding_boundary_lengths)
{
    /* Digests of n repetitions of 'x' from GNU coreutils sha256sum. */
    static const struct {
        size_t len;
        const char *hex;
    } cases[] = {
        {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
        {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
        {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
        {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
        {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
        {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
        {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
    };
    char msg[128];
    memset(msg, 'x', sizeof msg);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hex[65];
        hash_hex(msg, cases[i].len, hex);
        cr_assert_str_eq(hex, cases[i].hex,
                         "SHA-256 of %zu 'x' bytes is wrong: %s",
                         cases[i].len, hex);
    }
}

Test(sha256, split_point_does_not_change_digest)
{
    uint8_t msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 37 + 11);

    for (size_t len = 0; len <= sizeof msg; len++) {
        char whole[65];
        hash_hex(msg, len, whole);
        for (size_t split = 0; split <= len; split += 7) {
            crrm_sha256 ctx;
            uint8_t digest[32];
            char parts[65];
            crrm_sha256_init(&ctx);
            crrm_sha256_update(&ctx, msg, split);
            crrm_sha256_update(&ctx, msg + split, len - split);
            crrm_sha256_final(&ctx, digest);
            crrm_sha256_hex(digest, parts);
            cr_assert_str_eq(parts, whole,
                             "digest of %zu bytes split at %zu differs from "
                             "the one-call digest", len, split);
        }
    }
}

Test(sha256, hex_is_lowercase_and_terminated)
{
    uint8_t digest[32];
    for (int i = 0; i < 32; i++)
        digest[i] = (uint8_t)(0xa0 + i);
    char hex[66];
    memset(hex, '#', sizeof hex);
    crrm_sha256_hex(digest, hex);
    cr_assert_eq(hex[64], '\0', "hex string must end in a NUL at index 64");
    cr_assert_eq(hex[65], '#', "crrm_sha256_hex wrote past its 65 bytes");
    cr_assert_eq(strncmp(hex, "a0a1a2a3", 8), 0,
                 "hex digits must be lowercase, most significant nibble "
                 "first: got %.8s", hex);
}

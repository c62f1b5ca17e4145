/*
 * sha256.h - SHA-256 (FIPS 180-4), used to checksum checkpoints.
 *
 * Streaming interface: init, then update any number of times with pieces
 * of any length, then final. The digest depends only on the concatenated
 * bytes, not on how they were split into update calls.
 */
#ifndef CRRM_SHA256_H
#define CRRM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct crrm_sha256 {
    uint32_t state[8];   /* intermediate hash value H0..H7 */
    uint64_t bit_count;  /* message length so far, in bits (mod 2^64) */
    uint8_t block[64];   /* pending input that does not fill a block yet */
    size_t block_len;    /* bytes used in block, 0..63 */
} crrm_sha256;

void crrm_sha256_init(crrm_sha256 *ctx);
void crrm_sha256_update(crrm_sha256 *ctx, const void *data, size_t len);
/* Pads the message, writes the digest and wipes ctx, so call init before
 * reusing ctx. */
void crrm_sha256_final(crrm_sha256 *ctx, uint8_t digest[32]);
/* Formats a digest as 64 lowercase hex digits plus a terminating NUL. */
void crrm_sha256_hex(const uint8_t digest[32], char hex[65]);

#endif

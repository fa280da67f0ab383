/*
 * sha256.h — SHA-256 (FIPS 180-4), with the processor's SHA instructions
 * where it has them.
 *
 * libsodium's SHA-256 is portable C: about 3,500 instructions for a
 * one-block digest, and a durable vote hashes five blocks (its token; its
 * leaf in the batch's Merkle tree, two; its share of the tree's nodes,
 * two).  On an x86-64 processor with the SHA extensions (Intel since
 * Goldmont and Ice Lake, AMD since Zen) a digest takes a third to a
 * quarter of the time; elsewhere this file's own portable code runs, as
 * fast as libsodium's.  The digests are the same bytes as
 * crypto_hash_sha256's (tests/unit/test_sha256.c compares them on every
 * length up to 200 bytes and some longer, whole and fed in pieces).
 */
#ifndef LAUREL_SHA256_H
#define LAUREL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

struct sha256 {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    unsigned char buf[64]; /* the block being filled */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_BYTES]);
/* The digest of data in one call. */
void sha256(unsigned char out[SHA256_BYTES], const void *data, size_t len);
/* 1 if the processor's SHA instructions are used. */
int sha256_accelerated(void);
/* Use the portable code even where the instructions exist (1), or not (0): for the tests. */
void sha256_force_portable(int on);

#endif

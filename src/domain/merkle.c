/*
 * merkle.c — Merkle roots over leaf hashes (merkle.h), with core/sha256.h (the same digests
 * as libsodium's, with the processor's SHA instructions where it has them).
 */
#include "domain/merkle.h"

#include <sodium.h>
#include <string.h>

#include "core/sha256.h"

void merkle_leaf(const void *data, size_t len, unsigned char out[MERKLE_BYTES])
{
    static const unsigned char tag = 0x00;
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, &tag, 1);
    sha256_update(&s, data, len);
    sha256_final(&s, out);
}

static void node(const unsigned char l[MERKLE_BYTES], const unsigned char r[MERKLE_BYTES],
                 unsigned char out[MERKLE_BYTES])
{
    unsigned char buf[1 + 2 * MERKLE_BYTES];
    buf[0] = 0x01;
    memcpy(buf + 1, l, MERKLE_BYTES);
    memcpy(buf + 1 + MERKLE_BYTES, r, MERKLE_BYTES);
    sha256(out, buf, sizeof buf);
}

void merkle_root(unsigned char (*leaves)[MERKLE_BYTES], size_t n, unsigned char out[MERKLE_BYTES])
{
    if (n == 0) {
        memset(out, 0, MERKLE_BYTES);
        return;
    }
    while (n > 1) {
        size_t up = 0;
        for (size_t i = 0; i + 1 < n; i += 2)
            node(leaves[i], leaves[i + 1], leaves[up++]);
        if (n % 2)
            memmove(leaves[up++], leaves[n - 1], MERKLE_BYTES);
        n = up;
    }
    memcpy(out, leaves[0], MERKLE_BYTES);
}

void merkle_hex(const unsigned char h[MERKLE_BYTES], char out[MERKLE_HEX])
{
    sodium_bin2hex(out, MERKLE_HEX, h, MERKLE_BYTES);
}

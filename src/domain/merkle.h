/*
 * merkle.h — a Merkle root over a list of records, for the audit chain's
 * vote batches (store/audit.h): one root covers every vote of a batch, so
 * that a vote removed or altered later changes the root.
 *
 * SHA-256 throughout, leaves and inner nodes told apart by a first byte
 * (0x00 leaf, 0x01 node) so that a node can never pass for a leaf; a level
 * with an odd count carries its last hash up unchanged.  The root of no
 * records is 32 zero bytes.
 */
#ifndef LAUREL_DOMAIN_MERKLE_H
#define LAUREL_DOMAIN_MERKLE_H

#include <stddef.h>

#define MERKLE_BYTES 32
#define MERKLE_HEX (2 * MERKLE_BYTES + 1)

/* The leaf hash of one record's bytes. */
void merkle_leaf(const void *data, size_t len, unsigned char out[MERKLE_BYTES]);

/*
 * The root over n leaf hashes, computed in place (leaves is overwritten):
 * the first MERKLE_BYTES of leaves hold the root afterwards.
 */
void merkle_root(unsigned char (*leaves)[MERKLE_BYTES], size_t n, unsigned char out[MERKLE_BYTES]);

/* Lower-case hex of a hash. */
void merkle_hex(const unsigned char h[MERKLE_BYTES], char out[MERKLE_HEX]);

#endif

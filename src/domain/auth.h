/*
 * auth.h — passwords, secret tokens and login throttling.
 *
 * Passwords are hashed with argon2id (libsodium's crypto_pwhash_str at its
 * "interactive" limits: 64 MiB, 2 passes).  At most AUTH_MAX_HASHING hashes
 * run at once, whatever the number of callers, so a storm of logins costs a
 * bounded amount of memory: callers wait their turn.  Tokens (sessions, CSRF,
 * invitations, resets) are 256 random bits, URL-safe base64; the database
 * keeps only their SHA-256.  Throttling counts failures per account and per
 * address in a sliding window, in memory.
 */
#ifndef LAUREL_AUTH_H
#define LAUREL_AUTH_H

#include <stddef.h>

#define AUTH_MAX_HASHING 2
#define AUTH_HASH_BYTES 128   /* >= crypto_pwhash_STRBYTES */
#define AUTH_TOKEN_CHARS 43   /* 32 bytes, base64url without padding */
#define AUTH_DIGEST_CHARS 64  /* SHA-256 in hex */
#define AUTH_MIN_PASSWORD 8   /* characters */
#define AUTH_MAX_PASSWORD 128 /* bytes */

/* Once, before anything else here.  0 or -1. */
int auth_init(void);

/* Hash password into out (NUL-terminated).  0, or -1 (out of memory). */
int auth_hash_password(const char *password, char out[AUTH_HASH_BYTES]);
/*
 * The same for a password that is published (the demo's accounts share one,
 * which `laurel demo` prints): argon2id at its least cost, for no cost
 * protects a password everyone knows, and at full cost each sign-in to a
 * demo account spent 64 MiB and about 0.15 s of a core on it.  A
 * password someone chose is hashed by auth_hash_password.
 */
int auth_hash_published_password(const char *password, char out[AUTH_HASH_BYTES]);
/* 1 if password matches hash, else 0.  Spends the same time on a NULL hash. */
int auth_verify_password(const char *hash, const char *password);

/* A new random token in out (AUTH_TOKEN_CHARS + NUL). */
void auth_token(char out[AUTH_TOKEN_CHARS + 1]);
/* SHA-256 of s in hex (AUTH_DIGEST_CHARS + NUL). */
void auth_digest(const char *s, char out[AUTH_DIGEST_CHARS + 1]);
/* Constant-time string equality (different lengths are unequal). */
int auth_equal(const char *a, const char *b);

/* Throttling.  key is "a:<email>" or "ip:<address>". */
#define AUTH_WINDOW_S (15 * 60)
#define AUTH_MAX_FAILS_ACCOUNT 5
#define AUTH_MAX_FAILS_ADDRESS 20
/* 1 if key may try again now. */
int auth_throttle_allows(const char *key, int limit);
void auth_throttle_fail(const char *key);
void auth_throttle_clear(const char *key);

#endif
